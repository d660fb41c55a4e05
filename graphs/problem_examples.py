"""The problem's example values checked against the seed: a wrong one is replaced by what the seed returns.

The questioner is asked for 2-3 example calls with the exact values they return, and a small one gets them wrong
(``weekday(2023, 1, 1)`` "should return ``1`` (Monday)": 1 January 2023 was a Sunday, the seed returns 6). The
programmer then codes against the wrong example, the test writer copies it into its tests, and a verified sample can
carry a problem that contradicts its own tests. When the problem keeps the seed's function (its signature is
comparable with the seed's, as for the tests in ``reference_check``), every example written as a call of the entry
point followed by its value (``f(x) -> v``, ``f(x) == v``, "``f(x)`` should return ``v``", "returns", ``print(f(x))
# Output: v``, or a doctest: ``>>> f(x)`` with ``v`` on the next line) is run against the seed, and a value the seed
contradicts is replaced by the seed's (when its ``repr`` reads back as a literal, ``assert_values.writable``). The text
around it stays as the questioner wrote it, so a prose gloss such as "(Monday)" may still be off; examples the seed
rejects, or that are not written in one of those forms, are left alone. One sandbox run per problem.
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

from ..agents.context import Context
from ..agents.parsing import is_literal
from ..sandbox.engine import run_request
from . import assert_values, reference_check

# What joins an example call to its value: an arrow, ``==``, "should return", "returns", "gives", ``# Output:``; a
# closing backtick or the ``)`` of a ``print(...)`` around the call may come first.
_CONNECTOR = re.compile(
    r"[ \t]*`?[ \t]*\)?[ \t]*(?:->|=>|==|→|(?:should|will|would)[ \t]+(?:return|give|be)|returns|gives|is|#[ \t]*"
    r"(?:output|returns?|result|->|=>)?[ \t]*:?)[ \t]*:?[ \t]*",
    re.IGNORECASE,
)
MAX_LINE_CHARS = 400
# A doctest line and the output line under it.
_DOCTEST = re.compile(r"^[ \t]*>>>[ \t]?(?P<call>[^\n]*)\n[ \t]*(?P<value>[^\s>][^\n]*?)[ \t]*$", re.MULTILINE)
# Examples a problem keeps (the questioner is asked for 2 or 3).
MAX_EXAMPLES = 5


class Example(NamedTuple):
    call: str  # the call as written, ``f(2, [1])``
    value: str  # the value as written, ``[1, 2]``
    start: int  # where ``value`` lies in the problem text
    end: int
    first_line: int  # where the line that holds the call starts (a doctest's value is on the next line)


def examples(problem: str, entry_point: str) -> list[Example]:
    """Every call of ``entry_point`` in ``problem`` that is followed on its line by a connector and a literal, and
    every doctest of such a call whose expected output is a literal, in the order they appear."""
    return sorted([*_inline_examples(problem, entry_point), *_doctest_examples(problem, entry_point)], key=_position)


def _position(example: Example) -> int:
    return example.start


def _inline_examples(problem: str, entry_point: str) -> list[Example]:
    found = []
    for match in re.finditer(rf"(?<![\w.]){re.escape(entry_point)}[ \t]*\(", problem):
        close = _closing_paren(problem, match.end() - 1)
        if close is None or not _is_expression(problem[match.start() : close]):
            continue
        line_end = problem.find("\n", close)
        rest = problem[close : line_end if line_end >= 0 else len(problem)][:MAX_LINE_CHARS]
        connector = _CONNECTOR.match(rest)
        if not connector or not connector.group(0).strip():
            continue
        value = _literal_at(rest, connector.end())
        if value:
            start, end = value
            line = problem.rfind("\n", 0, match.start()) + 1
            found.append(Example(problem[match.start() : close], rest[start:end], close + start, close + end, line))
    return found


def _doctest_examples(problem: str, entry_point: str) -> list[Example]:
    """``>>> f(x)`` with its output on the next line (the form a questioner copies from docstrings): the call must be
    one call of ``entry_point`` and the output line a literal. Read line by line rather than by ``doctest``'s parser,
    which rejects a whole text for one block's inconsistent indentation and reads a closing code fence as output."""
    found = []
    for match in _DOCTEST.finditer(problem):
        call, value = match.group("call").strip(), match.group("value")
        if _calls(call, entry_point) and is_literal(value):
            found.append(Example(call, value, match.start("value"), match.end("value"), match.start()))
    return found


def _calls(source: str, entry_point: str) -> bool:
    """``source`` is one call of ``entry_point``, nothing around it."""
    try:
        node = ast.parse(source, mode="eval").body
    except SyntaxError:
        return False
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry_point


def signature_stub(problem: str, entry_point: str) -> str | None:
    """``def <entry_point>(<parameters>): ...`` as the problem states the signature (in a ``def`` or inline, with
    type hints and a return annotation), or None when no statement of it parses as a signature."""
    for match in re.finditer(rf"(?<![\w.]){re.escape(entry_point)}[ \t]*\(", problem):
        close = _closing_paren(problem, match.end() - 1)
        if close is None:
            continue
        returns = re.match(r"[ \t]*->[ \t]*([^:`\n]+)", problem[close:])
        stub = f"def {problem[match.start() : close]}{' -> ' + returns.group(1).strip() if returns else ''}: ..."
        for candidate in (stub, f"def {problem[match.start() : close]}: ..."):
            try:
                ast.parse(candidate)
            except SyntaxError:
                continue
            return candidate + "\n"
    return None


def checked_problem(problem: str, entry_point: str | None, reference: str, context: Context) -> tuple[str, int]:
    """``problem`` with every example value the reference contradicts replaced by the reference's, and how many were
    replaced; the problem as is (and 0) when it does not keep the reference's function or has no such example."""
    stub = signature_stub(problem, entry_point) if entry_point else None
    if not entry_point or not stub:
        return problem, 0
    found = examples(problem, entry_point)
    tests = "".join(f"assert {example.call} == {example.value}\n" for example in found)
    if not found or not reference_check.comparable(reference, stub, [entry_point], tests):
        return problem, 0
    request = reference_check.request(reference, assert_values.recording(tests), [], context.timeout_s)
    seen = assert_values.recorded(run_request(context.sandbox, request)) or {}
    fixed, count = problem, 0
    for index, example in sorted(enumerate(found), key=lambda pair: pair[1].start, reverse=True):
        kind, text = seen.get(index, ("", ""))
        if kind != "value" or not assert_values.writable(text) or same_value(text, example.value):
            continue
        fixed, count = fixed[: example.start] + text + fixed[example.end :], count + 1
    return fixed, count


def bounded(problem: str, entry_point: str | None, keep: int = MAX_EXAMPLES) -> tuple[str, int]:
    """``problem`` without the lines of examples past the first ``keep`` distinct ones, and how many examples went.

    A small questioner at greedy decoding loops: it was asked for 2 or 3 examples and wrote 28 (``strtobool('true')
    -> 1``, ``strtobool('false') -> 0``, ...) until the token cap cut the last one; the programmer and the test writer
    then copy the list, loop the same way and run into the cap before their code or tests end. A line is removed
    when it repeats an earlier example line word for word, or when it is past the bound (its call repeats an
    earlier one, or ``keep`` distinct calls came before) and holds nothing but the example (list markup,
    backticks, ``print``, a short gloss in parentheses).
    """
    if not entry_point:
        return problem, 0
    seen: set[str] = set()
    lines_seen: set[str] = set()
    doomed: set[int] = set()  # line starts
    gone = 0
    for example in examples(problem, entry_point):
        end = problem.find("\n", example.end)
        lines = problem[example.first_line : end if end >= 0 else len(problem)]  # a doctest's two lines
        repeated = lines.strip() in lines_seen
        if repeated or ((example.call in seen or len(seen) >= keep) and _only_an_example(lines, example)):
            doomed.update(example.first_line + at + 1 for at, char in enumerate(lines) if char == "\n")
            doomed.add(example.first_line)
            gone += 1
        seen.add(example.call)
        lines_seen.add(lines.strip())
    if not doomed:
        return problem, 0
    lines = problem.splitlines(keepends=True)
    starts = [sum(len(line) for line in lines[:index]) for index in range(len(lines))]
    kept = [line for line, start in zip(lines, starts, strict=True) if start not in doomed]
    return "".join(kept), gone


def _only_an_example(line: str, example: Example) -> bool:
    """Nothing but the example on the line: list markup, backticks, ``print``, the connector, and at most a short
    gloss in parentheses at its end ("(Monday)")."""
    rest = line.replace(example.call, "", 1).replace(example.value, "", 1)
    rest = re.sub(r"\([^()]{0,30}\)\s*\.?\s*$", "", rest)
    return not re.sub(r"[-*`'\"()\s:#=>→.,]|print|output|returns?|should|will|would|give|be|is", "", rest, flags=re.I)


def _closing_paren(text: str, opening: int) -> int | None:
    """The index just after the ``)`` matching the ``(`` at ``opening``, on the same line; None when unbalanced."""
    depth = 0
    for index in range(opening, min(len(text), opening + MAX_LINE_CHARS)):
        char = text[index]
        if char == "\n":
            return None
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(char, 0)
        if depth == 0:
            return index + 1
    return None


def _literal_at(rest: str, start: int) -> tuple[int, int] | None:
    """The span in ``rest`` of the longest literal starting at ``start`` (inside backticks when one opens there)."""
    if rest[start : start + 1] == "`":
        end = rest.find("`", start + 1)
        text = rest[start + 1 : end] if end > 0 else ""
        return (start + 1, end) if text.strip() == text and is_literal(text) else None
    for end in range(len(rest), start, -1):
        text = rest[start:end]
        if text.strip() == text and is_literal(text):
            return start, end
    return None


def _is_expression(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return True


def same_value(recorded: str, written: str) -> bool:
    """Whether two literals are equal as Python values (``1.0`` is ``1``), however they are written."""
    return ast.literal_eval(recorded) == ast.literal_eval(written)
