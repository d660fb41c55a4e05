"""What each ``assert <expr> == <literal>`` of some tests gets from a program: the tests run as a recording.

Two checks need the values behind the asserts rather than a pass or a failure: the repair of tests from the seed
they were derived from (``reference_check.repaired``: the seed's value replaces a wrong literal) and the agreement
among a round's candidates (``agreement``: candidates that give the same values agree). ``recording`` turns every
such assert (the literal on either side) into a call that prints, behind ``RECORD``, what ``<expr>`` gives (its
value's ``repr``, or the name of the exception it raised) and goes on; every other statement stays as it was, so
the run still stops at any other failing assert. ``recorded`` reads the printed values back from the run.

The forms ``reference_check.tolerant`` writes count as such asserts too, a value meeting them within ``REL_TOL`` and
``ABS_TOL`` (the tolerance that function writes): ``assert math.isclose(<expr>, <literal>, ...)`` (either order) and
``assert all(math.isclose(a, b, ...) for a, b in zip(<expr>, <literal>, strict=True))``; so does a test writer's own
``math.isclose`` assert, whatever tolerance it states.
"""

from __future__ import annotations

import ast
import math
import re
from typing import NamedTuple

from ..agents.context import Context
from ..agents.parsing import is_literal
from ..sandbox.engine import run_request
from ..sandbox.types import ExecRequest, ExecResult

# Opens every line a recording run prints: the index of an assert, then ``value <repr>`` or ``raises <exception>``.
RECORD = "[aiev assert value] "
_RECORDED = re.compile(r"^" + re.escape(RECORD) + r"(\d+) (value|raises) (.*)$", re.MULTILINE)
_RECORDER = "_aiev_assert_value"
# A value whose repr is longer is not written into tests (a test writer would not have written it either).
MAX_VALUE_CHARS = 300
# The tolerance of tolerant asserts (``reference_check.tolerant`` writes it): about nine significant digits, or within
# 1e-9 of zero.
REL_TOL = ABS_TOL = 1e-09
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
    """An assert of the tests that expects a literal of an expression, by position (see the module doc)."""

    statement: ast.Assert
    expression: ast.expr
    literal: ast.expr
    sole: bool  # the only statement of its block: deleting it would leave the block empty, so it becomes ``pass``
    tolerant: bool  # compared by ``math.isclose`` (``REL_TOL``, ``ABS_TOL``), not ``==``


class Expected(NamedTuple):
    """What an ``Expectation`` expects: its literal as written, and whether it is compared within the tolerance."""

    literal: str
    tolerant: bool


def expectations(tests: str) -> list[Expectation]:
    """Every assert of ``tests`` that expects a literal of an expression (see the module doc), in source order; a
    test that does not parse has none."""
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
        if isinstance(node, ast.Assert) and (matched := _matched(node.test)):
            expression, literal, tolerant = matched
            found.append(Expectation(node, expression, literal, id(node) in sole, tolerant))
    return sorted(found, key=lambda e: (e.statement.lineno, e.statement.col_offset))


def expected(tests: str) -> list[Expected]:
    """What each ``expectations`` assert expects, in the same order."""
    return [
        Expected(ast.get_source_segment(tests, expectation.literal) or "", expectation.tolerant)
        for expectation in expectations(tests)
    ]


def holds(value: str, expectation: Expected) -> bool:
    """Whether a recorded ``repr`` meets what an assert expects: equal values, as the assert compares them (within
    the tolerance for a tolerant one); the text itself when either side is not a literal."""
    try:
        got, wanted = ast.literal_eval(value), ast.literal_eval(expectation.literal)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return value == expectation.literal
    if not expectation.tolerant:
        return got == wanted
    pairs = zip(got, wanted, strict=True) if isinstance(wanted, (tuple, list)) else [(got, wanted)]
    try:
        return all(math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL) for a, b in pairs)
    except (TypeError, ValueError):  # not numbers, or not as many
        return False


def meets(output: tuple[str, str] | None, expectation: Expected) -> bool:
    """Whether one recorded outcome (``recorded``; None: the assert was not reached) is a value the assert accepts."""
    return output is not None and output[0] == "value" and holds(output[1], expectation)


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


def solution_values(solution: str, tests: str, setup: list[str], context: Context) -> dict[int, tuple[str, str]] | None:
    """What ``solution`` gets for each expectation of ``tests``: their ``recording`` run in the context's sandbox,
    ``recorded``; None when the tests do not parse or the run did not reach their end."""
    try:
        recorder = recording(tests)
    except SyntaxError:
        return None
    request = ExecRequest.python(solution, tests=recorder, setup=setup, timeout_s=context.timeout_s)
    return recorded(run_request(context.sandbox, request))


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


def _matched(test: ast.expr) -> tuple[ast.expr, ast.expr, bool] | None:
    """``(expression, literal, tolerant)`` when an assert's test expects a literal of an expression (see the
    module doc); None otherwise."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        pair = _one_literal(test.left, test.comparators[0])
        return (*pair, False) if pair else None
    if _is_isclose(test):
        assert isinstance(test, ast.Call)
        pair = _one_literal(*test.args)
        return (*pair, True) if pair else None
    if (
        isinstance(test, ast.Call)
        and isinstance(test.func, ast.Name)
        and test.func.id == "all"
        and len(test.args) == 1
        and isinstance(generator := test.args[0], ast.GeneratorExp)
        and _is_isclose(generator.elt)
        and len(generator.generators) == 1
        and isinstance(zipped := generator.generators[0].iter, ast.Call)
        and isinstance(zipped.func, ast.Name)
        and zipped.func.id == "zip"
        and len(zipped.args) == 2
        and is_literal(zipped.args[1])
        and not is_literal(zipped.args[0])
    ):
        return zipped.args[0], zipped.args[1], True
    return None


def _one_literal(*sides: ast.expr) -> tuple[ast.expr, ast.expr] | None:
    """``(expression, literal)`` when exactly one of two sides is a literal."""
    literals = [side for side in sides if is_literal(side)]
    if len(sides) != 2 or len(literals) != 1:
        return None
    return sides[1] if literals[0] is sides[0] else sides[0], literals[0]


def _is_isclose(node: ast.expr) -> bool:
    """``math.isclose(x, y, ...)``: two positional arguments, tolerances by keyword."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "isclose"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "math"
        and len(node.args) == 2
    )


class _Recording(ast.NodeTransformer):
    def __init__(self, spots: dict[tuple[int, int], int]) -> None:
        self.spots = spots

    def visit_Assert(self, node: ast.Assert) -> ast.stmt:
        index = self.spots.get((node.lineno, node.col_offset))
        matched = _matched(node.test)
        if index is None or matched is None:
            return node
        expression = matched[0]
        thunk = ast.Lambda(
            args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]), body=expression
        )
        call = ast.Call(func=ast.Name(id=_RECORDER, ctx=ast.Load()), args=[ast.Constant(index), thunk], keywords=[])
        return ast.copy_location(ast.Expr(value=call), node)
