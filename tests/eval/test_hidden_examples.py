"""Prompts without their examples (``--hide-examples``): each example form goes, the statement and the code stay, over
every HumanEval task; and a run says it was measured that way and refuses to be resumed the other way."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from eval_data import CLOSE, DATA, right_script

from aiev.agents.prompts import load_prompt
from aiev.eval import EvalInputError, evaluate, load_benchmark
from aiev.eval.hidden_examples import hide_examples, without_examples
from aiev.eval.report import write_report
from aiev.eval.visible_tests import has_variable_argument, shown_examples, visible_tests


def hidden(docstring: str, name: str = "f", code: str = "") -> str:
    """The docstring of ``def {name}(x)`` (indented as written) after hiding, with ``code`` after the function."""
    prompt = f'def {name}(x):\n    """{docstring}"""\n{code}'
    result = without_examples(prompt, name)
    ast.parse(result + "    pass")
    return result.split('"""')[1]


def test_doctests_go_with_their_output_and_so_do_doctests_without_one() -> None:
    docstring = """Sum of x.
    >>> f([1, 2])
    3
    >>> f([])  # nothing
    0
    >>> f(['a',
    ...    'b']) == 'ab'
    >>> f([[1],
    ...    [2]])
    [[1],
     [2]]
    Works on any iterable.
    """
    assert hidden(docstring) == "Sum of x.\n    Works on any iterable.\n    "


@pytest.mark.parametrize(
    "line",
    [
        "f(2) == 4",
        "f(2) -> 4",
        "f(2) ➞ 4",
        "f(2) => 4",
        "f(2) ==> 4",
        "f(2) = 4",
        "f(2) returns 4",
        "f(2) should return 4.",
        "* f(2) => 4",
        "- f(2) -> 4",
        "for f(2) == 4",
        "assert f(2) == 4",
        "f(2)   # returns 4",
        "f(2) == 1 + 3 = 4",
        "f('a b') ➞ true",
    ],
)
def test_one_line_illustrations_go(line: str) -> None:
    assert hidden(f"Double x.\n    {line}\n    Ints only.\n    ") == "Double x.\n    Ints only.\n    "


def test_parameter_named_examples_go() -> None:
    docstring = """Pick k of arr.
    For arr = [4, 4], k = 1 the output should be [4].
    Input: arr = [7, 8], k = 2
    Output: [7, 8]
    Mind the order.
    """
    prompt = f'def pick(arr, k):\n    """{docstring}"""\n'
    expected = 'def pick(arr, k):\n    """Pick k of arr.\n    Mind the order.\n    """\n'
    assert without_examples(prompt, "pick") == expected


def test_example_sections_go_up_to_the_next_heading_or_sentence() -> None:
    docstring = """Count the items of x.

    Example 1:
        Input: [1, 2]
        Output: 2
        Explanation: two items.

    Example 2:
    grade([1]) ==> 1
    30 = 2 * 3 * 5
    # a comment on the example
    Explanation: one item.
    It is assumed that x is a list.

    For example:
    x = [1, 2, 3]
    => result = 3

    Note:
        Nested lists count as one item.
    """
    assert hidden(docstring) == (
        "Count the items of x.\n\n    It is assumed that x is a list.\n\n"
        "    Note:\n        Nested lists count as one item.\n    "
    )


def test_an_introduction_left_without_its_examples_goes_and_one_with_content_stays() -> None:
    docstring = """Grade x using the following table:
        A  > 90
        B  > 80
    It must be implemented like this:
    >>> f(95) == 'A'
    >>> f(85) == 'B'
    """
    assert hidden(docstring) == "Grade x using the following table:\n        A  > 90\n        B  > 80\n    "


def test_a_definition_by_equations_stays_and_examples_after_it_go() -> None:
    docstring = """The fib3 sequence:
    f(0) -> 0
    f(1) -> 1
    f(n) -> f(n-1) + f(n-2) + f(n-3).
    Compute it without recursion.
    f(3) -> 1
    >>> f(4)
    2
    """
    result = hidden(docstring)
    assert result == (
        "The fib3 sequence:\n    f(0) -> 0\n    f(1) -> 1\n    f(n) -> f(n-1) + f(n-2) + f(n-3).\n"
        "    Compute it without recursion.\n    "
    )


def test_only_string_literals_change_and_a_prompt_without_examples_is_unchanged() -> None:
    code = "\n\ndef check():\n    assert f(2) == 4\n    f(3) == 6  # code, not an example\n"
    prompt = f'import math\n\n\ndef f(x):\n    """Double x.\n    f(2) == 4\n    """\n{code}'
    assert without_examples(prompt, "f") == f'import math\n\n\ndef f(x):\n    """Double x.\n    """\n{code}'
    plain = 'def g(x):\n    """Return g of x."""\n'
    assert without_examples(plain, "g") == plain


def test_a_docstring_of_examples_only_becomes_empty_and_stays_valid() -> None:
    assert hidden("\n    >>> f(1)\n    2\n    ") == "\n    "


def test_prompts_that_cannot_lose_their_examples_are_refused_naming_the_task() -> None:
    mbpp = load_benchmark("mbpp", DATA / "mbpp.jsonl")[0]
    with pytest.raises(EvalInputError, match=f"task {mbpp.task_id}: .*HumanEval style.*instruct statement"):
        hide_examples(mbpp)
    task = load_benchmark("humaneval", DATA / "humaneval.jsonl")[0]
    broken = task.model_copy(update={"prompt": "def f(x:\n"})
    with pytest.raises(EvalInputError, match=f"task {task.task_id}: prompt is not valid Python"):
        hide_examples(broken)


HUMANEVAL = load_benchmark("humaneval")


def _blank_strings(tree: ast.Module) -> str:
    """The module's AST with every string-literal statement emptied: what hiding must leave exactly as it was."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            node.value.value = ""
    return ast.dump(tree)


def _docstring(prompt: str, name: str) -> str:
    function = next(n for n in ast.walk(ast.parse(prompt)) if isinstance(n, ast.FunctionDef) and n.name == name)
    strings = [n.value.value for n in function.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)]
    return strings[0]  # HumanEval/115's comes after an import, so ast.get_docstring would miss it


def _defined_by_equations(prompt: str, name: str) -> bool:
    return any(example.arrow and has_variable_argument(example.call) for example in shown_examples(prompt, name))


@pytest.mark.parametrize("task", HUMANEVAL, ids=lambda task: task.task_id)
def test_every_humaneval_prompt_keeps_its_code_and_statement_and_shows_no_example(task) -> None:
    shown = hide_examples(task)
    assert shown.test == task.test and shown.reference == task.reference  # the hidden side is untouched
    prompt = shown.prompt
    assert ">>>" not in prompt
    assert _blank_strings(ast.parse(prompt + "    pass")) == _blank_strings(ast.parse(task.prompt + "    pass"))
    kept = iter(task.prompt.split("\n"))
    assert all(line in kept for line in prompt.split("\n"))  # lines were only removed, none rewritten
    before, after = _docstring(task.prompt, task.entry_point), _docstring(prompt, task.entry_point)
    first_line = next(line.strip() for line in before.splitlines() if line.strip())
    assert first_line in after and len(after.split()) >= 4  # the statement stays
    left = visible_tests(prompt, task.entry_point)
    if not _defined_by_equations(task.prompt, task.entry_point):
        assert left == ""  # CoderGen gets its tests from the test writer
    else:  # only the base cases of the definition are left, and they are true
        namespace: dict = {}
        exec(task.reference, namespace)
        exec(left, namespace)


def test_humaneval_figures_the_report_gives() -> None:
    """How many prompts change, how many keep tests from a definition (fib4, fibfib: base cases), and that no
    docstring loses all of its words."""
    shown = [hide_examples(task) for task in HUMANEVAL]
    changed = sum(task.prompt != hidden.prompt for task, hidden in zip(HUMANEVAL, shown, strict=True))
    with_tests = [task.task_id for task in shown if visible_tests(task.prompt, task.entry_point)]
    emptied = [task.task_id for task in shown if not _docstring(task.prompt, task.entry_point).split()]
    assert (changed, with_tests, emptied) == (160, ["HumanEval/46", "HumanEval/63"], [])


def test_a_run_with_hidden_examples_uses_the_test_writer_and_says_so(local_engine, scripted, tmp_path: Path) -> None:
    tasks = load_benchmark("humaneval", DATA / "humaneval.jsonl")
    name, model = scripted(right_script)
    summary = evaluate(tasks, name, "codergen", out=tmp_path, sandbox="local", hide_examples=True)
    assert summary.hide_examples and (summary.evaluated, summary.pass_at_1) == (2, 1.0)
    systems = [call[0].content for call in model.calls]
    assert systems.count(load_prompt("test_writer")) == 2  # one per task: no prompt showed an example
    assert not any(">>>" in message.content for call in model.calls for message in call)
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["settings"]["hide_examples"] is True and ">>>" not in run["prompt"]["messages"][1]["content"]
    (written,) = write_report(tmp_path)
    assert written.hide_examples and "Examples hidden" in (tmp_path / "report.html").read_text()


def test_resuming_with_the_other_setting_is_refused(local_engine, scripted, tmp_path: Path) -> None:
    tasks = load_benchmark("humaneval", DATA / "humaneval.jsonl")[:1]
    name, _ = scripted(lambda messages: CLOSE)
    evaluate(tasks, name, "plain", out=tmp_path, sandbox="local", hide_examples=True)
    with pytest.raises(EvalInputError, match=r"other settings: hide_examples=True \(now False\); use another --out"):
        evaluate(tasks, name, "plain", out=tmp_path, sandbox="local")
    other = tmp_path / "before-the-setting"
    evaluate(tasks, name, "plain", out=other, sandbox="local")
    run = json.loads((other / "run.json").read_text())
    del run["settings"]["hide_examples"]  # a run logged before the setting existed showed the examples
    (other / "run.json").write_text(json.dumps(run))
    assert evaluate(tasks, name, "plain", out=other, sandbox="local").ran == 0
    with pytest.raises(EvalInputError, match=r"hide_examples=False \(now True\)"):
        evaluate(tasks, name, "plain", out=other, sandbox="local", hide_examples=True)
