"""Tests built from a prompt's shown examples: what is turned into an assert, what is left alone, and that
HumanEval's own reference solutions pass them (apart from the benchmark's three known wrong examples)."""

from __future__ import annotations

import pytest

from aiev.eval import load_benchmark
from aiev.eval.visible_tests import visible_tests

PROMPT = '''def f(x: float) -> float:
    """Halve x, rounded as shown.
    >>> f(3)
    1.5
    >>> f(0) # zero stays zero
    0.0
    For example:
    f(4) ➞ 2.0
    f(n) -> n / 2
    f(1) == true
    """
'''


def test_doctest_and_arrow_examples_become_asserts_and_prose_does_not() -> None:
    assert visible_tests(PROMPT, "f").splitlines() == [
        "assert abs(f(3) - 1.5) < 1e-6, 'f(3)'",
        "assert abs(f(0) - 0.0) < 1e-6, 'f(0)'",
        "assert abs(f(4) - 2.0) < 1e-6, 'f(4)'",
    ]


def test_mbpp_style_shown_asserts_and_no_examples() -> None:
    mbpp = "Write a function to add.\nYour code should pass this test:\nassert add(1, 2) == 3\nassert add(0, -1)==-1"
    assert visible_tests(mbpp, "add").splitlines() == ["assert add(1, 2) == 3, 'add(1, 2)'", "assert add(0, -1) == -1, 'add(0, -1)'"]
    assert visible_tests("def g(x):\n    '''Return g of x.'''\n", "g") == ""
    assert visible_tests(PROMPT, None) == ""


ERRATA = {"HumanEval/47", "HumanEval/116", "HumanEval/148"}  # docstring examples that contradict the reference


@pytest.mark.parametrize("task", load_benchmark("humaneval"), ids=lambda task: task.task_id)
def test_humaneval_references_pass_their_own_examples(task) -> None:
    tests = visible_tests(task.prompt, task.entry_point)
    if not tests:
        return
    namespace: dict = {}
    exec(task.reference, namespace)  # noqa: S102 - the benchmark's own reference solution
    if task.task_id in ERRATA:
        with pytest.raises(AssertionError):
            exec(tests, namespace)  # noqa: S102
    else:
        exec(tests, namespace)  # noqa: S102
