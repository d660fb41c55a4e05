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
    f(x) == x / 2
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
    assert visible_tests(mbpp, "add").splitlines() == [
        "assert add(1, 2) == 3, 'add(1, 2)'",
        "assert add(0, -1) == -1, 'add(0, -1)'",
    ]
    assert visible_tests("def g(x):\n    '''Return g of x.'''\n", "g") == ""
    assert visible_tests(PROMPT, None) == ""


def test_prose_forms_of_examples_become_asserts() -> None:
    prompt = '''def pick(arr: list, k: int) -> list:
    """Pick k items.
    * pick([], 0) => []
    pick([1], 1) returns [1] # the only one
    for pick([2, 1], 1) should return [2].
    pick([3], 0) = []
    pick([5], 1) # => [5]
    pick([0], 0) => true
    For arr = [4, 4], k = 1 the output should be [4]
    Input: arr = [7, 8], k = 2
    Output: [7, 8]
    For n = 3 the output should be [3]
    """
'''
    assert visible_tests(prompt, "pick").splitlines() == [
        "assert pick([], 0) == [], 'pick([], 0)'",
        "assert pick([1], 1) == [1], 'pick([1], 1)'",
        "assert pick([2, 1], 1) == [2], 'pick([2, 1], 1)'",
        "assert pick([3], 0) == [], 'pick([3], 0)'",
        "assert pick([5], 1) == [5], 'pick([5], 1)'",
        "assert pick([0], 0) == True, 'pick([0], 0)'",
        "assert pick(arr=[4, 4], k=1) == [4], 'pick(arr=[4, 4], k=1)'",
        "assert pick(arr=[7, 8], k=2) == [7, 8], 'pick(arr=[7, 8], k=2)'",
    ]  # "n" is no parameter of pick: that line is about something else


def test_equations_that_define_the_function_are_not_examples() -> None:
    prompt = '''def tri(n: int) -> list:
    """The first n + 1 terms of the sequence.
    tri(1) = 3
    tri(n) = 1 + n / 2, if n is even.
    tri(3) -> [1, 3, 2, 8]
    """
'''
    assert visible_tests(prompt, "tri") == "assert tri(3) == [1, 3, 2, 8], 'tri(3)'"


ERRATA = {"HumanEval/47", "HumanEval/116", "HumanEval/148"}  # docstring examples that contradict the reference


HUMANEVAL = load_benchmark("humaneval")
WITH_EXAMPLES = [task for task in HUMANEVAL if visible_tests(task.prompt, task.entry_point)]


def test_most_humaneval_prompts_show_examples() -> None:
    assert (len(HUMANEVAL), len(WITH_EXAMPLES)) == (164, 149)  # the figure README.md and eval/README.md give


@pytest.mark.parametrize("task", WITH_EXAMPLES, ids=lambda task: task.task_id)
def test_humaneval_references_pass_their_own_examples(task) -> None:
    tests = visible_tests(task.prompt, task.entry_point)
    namespace: dict = {}
    exec(task.reference, namespace)
    if task.task_id in ERRATA:
        with pytest.raises(AssertionError):
            exec(tests, namespace)
    else:
        exec(tests, namespace)
