"""What each ``assert <expr> == <literal>`` of some tests gets from a program: the tests run as a recording.

Two checks need the values behind the asserts rather than a pass or a failure: the repair of tests from the seed
they were derived from (``reference_check.repaired``: the seed's value replaces a wrong literal) and the agreement
among a round's candidates (``agreement``: candidates that give the same values agree). ``recording`` turns every
such assert (the literal on either side) into a call that prints, behind ``RECORD``, what ``<expr>`` gives (its
value's ``repr``, or the name of the exception it raised) and goes on; every other statement stays as it was, so
the run still stops at any other failing assert. ``recorded`` reads the printed values back from the run.
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

from ..sandbox.types import ExecResult

# Opens every line a recording run prints: the index of an assert, then ``value <repr>`` or ``raises <exception>``.
RECORD = "[aiev assert value] "
_RECORDED = re.compile(r"^" + re.escape(RECORD) + r"(\d+) (value|raises) (.*)$", re.MULTILINE)
_RECORDER = "_aiev_assert_value"
# A value whose repr is longer is not written into tests (a test writer would not have written it either).
MAX_VALUE_CHARS = 300
_PRELUDE = f"""\
def {_RECORDER}(index, compute):
    try:
        value = compute()
    except Exception as error:
        print({RECORD!r} + str(index) + " raises " + type(error).__name__, flush=True)
    else:
        print({RECORD!r} + str(index) + " value " + repr(value).replace("\\n", " "), flush=True)
"""


class Expectation(NamedTuple):
    """An ``assert <expr> == <literal>`` of the tests, by position: the assert and its literal side."""

    statement: ast.Assert
    literal: ast.expr
    sole: bool  # the only statement of its block: deleting it would leave the block empty, so it becomes ``pass``


def expectations(tests: str) -> list[Expectation]:
    """Every assert of ``tests`` that compares an expression with a literal by ``==`` (either side), in source
    order; a test that does not parse has none."""
    try:
        tree = ast.parse(tests)
    except (SyntaxError, ValueError):
        return []
    sole = {
        id(block[0])
        for node in ast.walk(tree)
        for field in ("body", "orelse", "finalbody")
        if isinstance(block := getattr(node, field, None), list) and len(block) == 1
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1:
            if isinstance(node.test.ops[0], ast.Eq):
                sides = [node.test.left, node.test.comparators[0]]
                literals = [side for side in sides if _is_literal(side)]
                if len(literals) == 1:
                    found.append(Expectation(node, literals[0], id(node) in sole))
    return sorted(found, key=lambda e: (e.statement.lineno, e.statement.col_offset))


def expected_literals(tests: str) -> list[str]:
    """The literal of each ``expectations`` assert as written, in the same order."""
    return [ast.get_source_segment(tests, expectation.literal) or "" for expectation in expectations(tests)]


def recording(tests: str) -> str:
    """``tests`` with every ``expectations`` assert replaced by a call that prints, behind ``RECORD``, what its
    expression gives (see the module doc); every other statement as it was. Raises ``SyntaxError`` when the tests
    do not parse."""
    tree = ast.parse(tests)
    spots = {(e.statement.lineno, e.statement.col_offset): index for index, e in enumerate(expectations(tests))}
    tree = _Recording(spots).visit(tree)
    return _PRELUDE + ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def recorded(result: ExecResult) -> dict[int, tuple[str, str]] | None:
    """What a ``recording`` run printed: for each assert index reached with one result, ``("value", repr)`` or
    ``("raises", exception name)``; None when the run did not reach the end of the tests or its output was cut."""
    if not result.passed or result.stdout_truncated:
        return None
    seen: dict[int, set[tuple[str, str]]] = {}
    for match in _RECORDED.finditer(result.stdout):
        seen.setdefault(int(match.group(1)), set()).add((match.group(2), match.group(3).strip()))
    return {index: next(iter(outcomes)) for index, outcomes in seen.items() if len(outcomes) == 1}


def writable(text: str) -> bool:
    """Whether a recorded ``repr`` may be written into source: short, and a literal that evaluates to a value with
    the same ``repr`` (numbers, strings, bytes, booleans, None and containers of them; not an object's ``<...>`` or
    ``Name(...)`` form)."""
    if len(text) > MAX_VALUE_CHARS:
        return False
    try:
        return repr(ast.literal_eval(text)) == text
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


class _Recording(ast.NodeTransformer):
    def __init__(self, spots: dict[tuple[int, int], int]) -> None:
        self.spots = spots

    def visit_Assert(self, node: ast.Assert) -> ast.stmt:
        index = self.spots.get((node.lineno, node.col_offset))
        if index is None:
            return node
        test = node.test
        assert isinstance(test, ast.Compare)
        expression = test.comparators[0] if _is_literal(test.left) else test.left
        thunk = ast.Lambda(
            args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]), body=expression
        )
        call = ast.Call(func=ast.Name(id=_RECORDER, ctx=ast.Load()), args=[ast.Constant(index), thunk], keywords=[])
        return ast.copy_location(ast.Expr(value=call), node)
