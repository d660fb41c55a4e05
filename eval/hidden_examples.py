"""A task's prompt without the examples it shows: the statement alone (``aiev eval --hide-examples``).

CoderGen tests against the examples a prompt shows (``visible_tests``) and asks its test writer only when there are
none; on HumanEval nearly every prompt shows some, so its gain there says nothing about tasks that do not. Taking
the examples out measures the other path on the same problems. What goes: everything ``visible_tests`` recognises as
an example (doctests with their output, one-line ``f(x) ➞ y`` forms, the parameter-named forms), whole
``Example(s):`` / ``For example:`` sections (worked steps, ``Input:``/``Output:``/``Explanation:`` lines, examples of
other forms), and an introduction left with nothing to introduce ("It must be implemented like this:"). What stays:
imports, helper functions, the signature, the statement's prose, and the lines of a definition by equations
(``fib4(0) -> 0`` next to ``fib4(n) -> fib4(n-1) + ...``), which are the statement, not an example of it. Only
lines inside string literals are touched, so the prompt stays valid Python; the hidden tests are not touched at all.
"""

from __future__ import annotations

import ast
import re

from .errors import EvalInputError
from .task import EvalTask
from .visible_tests import Example, has_variable_argument, shown_examples

# A line that only announces examples: "Examples:", "For example:", "Example 2:", "for examble:", "Example :".
_SECTION_HEADER = re.compile(r"^\s*(?:for\s+)?exam[pb]les?(?:\s*\d+)?\s*:?\s*$", re.IGNORECASE)
# What ends an example section at or left of its header's indentation: a heading ("Note:", "Constraints:") or a
# sentence ("It is assumed that ..."); worked steps such as "30 = 2 * 3 * 5" or "Explanation: ..." do not.
_HEADING = re.compile(r"^\s*[A-Za-z][A-Za-z ]*:\s*$")
_SENTENCE = re.compile(r"^\s*[A-Za-z]+\s+[A-Za-z]+\b")


def hide_examples(task: EvalTask) -> EvalTask:
    """``task`` with the examples taken out of its prompt; refused for prompts that are not code to complete (an
    MBPP statement names its function only in the assert it shows)."""
    if task.style != "complete" or not task.entry_point:
        raise EvalInputError(
            f"task {task.task_id}: examples can be hidden only from code prompts with an entry point (HumanEval "
            f"style); this {task.benchmark} task is an {task.style} statement"
        )
    try:
        prompt = without_examples(task.prompt, task.entry_point)
    except SyntaxError as error:
        detail = f"{error.msg}, line {error.lineno}"
        raise EvalInputError(f"task {task.task_id}: prompt is not valid Python ({detail})") from None
    return task.model_copy(update={"prompt": prompt})


def without_examples(prompt: str, entry_point: str) -> str:
    """``prompt`` (Python source) with the example lines of its string literals removed; raises ``SyntaxError``
    when it is not Python."""
    lines = prompt.split("\n")
    inside = _string_lines(prompt)
    examples = shown_examples(prompt, entry_point)
    example_lines = {line for example in examples for line in example.lines}
    removed = (example_lines - _definition_lines(examples)) & inside
    for index in sorted(inside):
        if _SECTION_HEADER.match(lines[index]):
            removed |= _section(lines, index, inside, example_lines)
    removed |= _dangling_introductions(lines, inside, removed)
    if not removed:
        return prompt
    return "\n".join(_tidy(lines, removed, inside))


def _string_lines(prompt: str) -> set[int]:
    """The 0-based lines strictly inside a string-literal statement (a docstring, wherever it sits in a body): never
    the lines holding the quotes, so removing lines cannot unbalance them."""
    inside: set[int] = set()
    for node in ast.walk(ast.parse(prompt)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            inside.update(range(node.lineno, node.end_lineno - 1))  # ast counts from 1: lineno is the line after
    return inside


def _definition_lines(examples: list[Example]) -> set[int]:
    """Lines of a run of consecutive one-line forms that includes ``f(n) <arrow> ...``: the function's definition
    by equations (its base cases included), part of the statement."""
    arrows = sorted((example.lines.start, example) for example in examples if example.arrow)
    runs: list[list[Example]] = []
    for line, example in arrows:
        if runs and runs[-1][-1].lines.start in (line - 1, line):
            runs[-1].append(example)
        else:
            runs.append([example])
    return {
        line
        for run in runs
        if any(has_variable_argument(example.call) for example in run)
        for example in run
        for line in example.lines
    }


def _section(lines: list[str], header: int, inside: set[int], example_lines: set[int]) -> set[int]:
    """The header and the non-blank lines of its section: deeper-indented lines, examples, and anything else up to
    the first heading or sentence at the header's indentation or left of it."""
    indent = _indent(lines[header])
    section = {header}
    for index in range(header + 1, max(inside) + 1):
        line = lines[index]
        if index not in inside:
            break
        if not line.strip():
            continue
        ends = _HEADING.match(line) or _SENTENCE.match(line)
        if _indent(line) <= indent and ends and index not in example_lines and not _SECTION_HEADER.match(line):
            break
        section.add(index)
    return section


def _dangling_introductions(lines: list[str], inside: set[int], removed: set[int]) -> set[int]:
    """Kept lines ending in ``:`` whose following lines were removed up to the end of the string or to a line no
    deeper than them ("It must be implemented like this:" before doctests, "[input/output] samples:")."""
    dangling = set()
    for index in sorted(inside - removed):
        if not lines[index].rstrip().endswith(":"):
            continue
        following = [i for i in range(index + 1, len(lines)) if i not in inside or lines[i].strip()]
        gap = [i for i in following if i in removed]
        after = next((i for i in following if i not in removed), None)
        if gap and gap[0] == following[0] and (after not in inside or _indent(lines[after]) <= _indent(lines[index])):
            dangling.add(index)
    return dangling


def _tidy(lines: list[str], removed: set[int], inside: set[int]) -> list[str]:
    """The kept lines; inside strings, blank lines left doubled or left before the closing quotes by a removal go."""
    kept: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        if index in removed:
            continue
        blank = index in inside and not line.strip()
        if blank and kept and kept[-1][0] in inside and not kept[-1][1].strip():
            continue
        if not blank and index not in inside and kept and kept[-1][0] in inside and not kept[-1][1].strip():
            kept.pop()  # the blank line before the closing quotes
        kept.append((index, line))
    return [line for _, line in kept]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())
