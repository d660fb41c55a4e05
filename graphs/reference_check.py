"""The seed as a reference: tests that fail against the known-correct code a problem was derived from are wrong.

An AIEV-Instruct problem is derived from a seed snippet that is correct by construction (library code). A small
questioner still writes wrong example values into the problem (seed ``safe_name`` maps spaces to ``-``, the
problem's example says ``"Hello_World"``), the test writer copies them into the tests, and then either nothing
passes or a solution that matches the wrong tests is "verified". When the solution keeps the seed's names and
signatures, the seed must pass the tests, so an assert of the tests that fails against it contradicts the intended
behaviour. ``graphs/test_quality.py`` runs the tests against the seed; this module holds the pure parts: whether the
seed is comparable with the solution, the tests rewritten so that a failing assert says what it compared, and the
failure read back from the run.

Comparable means every name of the solution the tests use is defined at the seed's top level with the same shape:
a function (``def``, ``async def`` or a name bound to a lambda) with the same parameter names, in order, and the same
decorators; a class with the same bases and decorators whose members (methods, compared as functions, and class
attributes, by name) are exactly the solution's, since a method or dunder the solution adds (``__eq__``) changes
what the tests see; any other name by existence. Stricter than needed on purpose: a pair that is not comparable
only goes without this check, while a false contradiction would refuse good tests. One exception, because a call
that names no parameter cannot tell names apart: a top-level function whose parameters were renamed (the 1.5B's
``decode_source(source_code)`` for the seed's ``decode_source(source_bytes)``) is comparable when everything else
of its signature is the same (how many parameters, how many defaults, ``*args``, keyword-only names, ``**kwargs``)
and the tests never call it with a keyword argument.

The refusal is shown to the test writer and stays in the dialogue (the training sample), so it must never show the
seed's code: only the failing assert (written by the test writer) and the values it compared are read back from the
run, never the traceback, whose source lines would quote the seed when a frame lies in it.

Before refusing, the tests are *repaired* where the reference can say what they should expect: small test writers
pick good inputs and wrong outputs (the 0.5B asserted ``weekday(2023, 1, k) == k`` for k = 1..24, and resent the
same tests after each refusal). A recording run (``assert_values``) of the tests against the reference says what
each ``assert <expr> == <literal>`` gets there; ``repaired`` writes each value whose ``repr`` reads back as a literal
over the literal the test writer wrote, and deletes an assert whose expression raised against the reference (a case
the reference does not accept, so nothing can be expected of it; when the repaired tests then verify nothing,
``raised`` names the first such call for the refusal). Inputs stay the test writer's, expected values
become the reference's: differential testing against a known-correct implementation. Asserts of other shapes stay as
written, so repaired tests still go through every check (``test_quality``) and are refused when they still
contradict the reference.
"""

from __future__ import annotations

import ast
import builtins
import math
import re
from collections.abc import Iterable

from ..sandbox.types import ExecRequest, ExecResult, Limits, Outcome
from . import assert_values

# The module the reference runs as (``request``): a name no test or solution uses.
REFERENCE_MODULE = "_aiev_reference"
# Opens the message of every rewritten assert: an AssertionError carrying it was raised by an assert of the tests,
# not by the seed's own code (whose asserts, and errors of any other kind, say nothing about the tests).
MARKER = "[aiev reference check] "
_RAISED = f"AssertionError: {MARKER}"
MAX_FAILURE_CHARS = 1500
# Where a rewritten ``assert a == b`` keeps both sides for its message (the walrus evaluates each once, in order).
_LEFT, _RIGHT = "_aiev_reference_left", "_aiev_reference_right"

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# The repr of a lazy iterator a function may return instead of a list: a generator, map, filter, zip, an itertools one.
_ITERATOR = re.compile(r"<(?:generator|map|filter|zip|enumerate|reversed|itertools\.\w+|\w*iterator) object\b")
# The builtin exceptions a function raises on an argument it does not take (``rejects_input``).
_INPUT_ERRORS = (ValueError, TypeError, LookupError, ArithmeticError, OSError, EOFError)
Shape = tuple  # what a definition looks like from outside (kind, parameters, decorators, members): equal is comparable


def comparable(reference: str, solution: str, used: Iterable[str], tests: str) -> bool:
    """Whether ``tests``, which use the solution's names ``used``, can run against the reference as they are
    meant to run against the solution (see the module doc); False when either does not parse or nothing is used."""
    try:
        ours, theirs = _definitions(ast.parse(reference).body), _definitions(ast.parse(solution).body)
        by_keyword = _called_by_keyword(tests)
    except (SyntaxError, ValueError):
        return False
    used = list(used)
    return bool(used) and all(
        name in ours and name in theirs and _same_outside(ours[name], theirs[name], name in by_keyword) for name in used
    )


def _same_outside(ours: Shape, theirs: Shape, by_keyword: bool) -> bool:
    """Equal shapes, or functions that differ only in the names of parameters that calls pass by position."""
    if ours == theirs:
        return True
    functions = ours[0] == theirs[0] == "function"
    return functions and not by_keyword and ours[:2] + ours[3:] == theirs[:2] + theirs[3:]


def _called_by_keyword(tests: str) -> set[str]:
    """Names the tests call with a keyword argument (or ``**mapping``) somewhere."""
    return {
        node.func.id
        for node in ast.walk(ast.parse(tests))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.keywords
    }


def request(reference: str, tests: str, setup: list[str], timeout_s: float) -> ExecRequest:
    """The run of ``tests`` against the reference, which is kept in a module of its own (``REFERENCE_MODULE``) whose
    every name but the dunders the program binds before the tests run.

    Why not one file, as the solution runs: tests are written for the solution and share its namespace, so an import
    of theirs rebinds a name the reference reads. The 1.5B's tests for ``time2isoz`` began ``from datetime import
    datetime``, the seed (``import datetime``) then failed on ``datetime.datetime`` before any assert could say
    anything, and tests that contradicted it ran unchecked. In its own module the reference keeps its globals."""
    main = (
        f"import {REFERENCE_MODULE} as _aiev_reference_module\n\n"
        "globals().update(\n"
        "    {k: v for k, v in vars(_aiev_reference_module).items() if not (k.startswith('__') and k.endswith('__'))}\n"
        ")\n"
    )
    files = {"main.py": main, f"{REFERENCE_MODULE}.py": reference}
    return ExecRequest(files=files, tests=tests, setup=setup, limits=Limits(timeout_s=timeout_s))


def explained(tests: str) -> str:
    """The tests with every ``assert`` made to say, when it fails, what it asserted and (``assert a <op> b``
    without a message) the values of both sides, behind ``MARKER``. Same checks, same order, same outcome;
    the source is regenerated (``ast.unparse``), so comments and layout are not kept.

    Raises ``SyntaxError`` when the tests do not parse (callers check them first).
    """
    tree = _Explained(tests).visit(ast.parse(tests))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def contradiction(result: ExecResult) -> str | None:
    """The failing assert and the values it compared, when the run of the ``explained`` tests against the
    reference failed on one of their asserts; None for a pass or for any other failure (the reference could not
    load, raised something else, timed out, ...): those say nothing against the tests."""
    if result.outcome is not Outcome.FAILED:
        return None
    at = result.stderr.rfind(_RAISED)
    if at < 0:
        return None
    text = "AssertionError: " + result.stderr[at + len(_RAISED) :].strip()
    return text if len(text) <= MAX_FAILURE_CHARS else text[:MAX_FAILURE_CHARS] + "\n...[truncated]"


def raised(tests: str, result: ExecResult) -> str | None:
    """The first assert of the tests whose expression raised, in a ``recording`` run against the reference, an error
    a function turns an argument down with (``rejects_input``), with the exception's name, as a failure to show the
    test writer; None when none raised or the run did not reach the end of
    the tests. A known-correct implementation that rejects an input the tests expect a value for says the input is not
    one the function takes: the 0.5B's tests of bz2's ``decompress`` expected ``decompress(b"Hello, world!") ==
    "Hello, world!"`` (no bz2 data), and a solution returning ``data.decode()`` was verified. Only the tests' own text
    and the exception's name are shown, never the reference's traceback."""
    seen = assert_values.recorded(result)
    if seen is None:
        return None
    for index, expectation in enumerate(assert_values.expectations(tests)):
        if seen.get(index, ("", ""))[0] == "raises" and rejects_input(seen[index][1]):
            call = ast.get_source_segment(tests, expectation.expression) or ast.unparse(expectation.expression)
            expected = ast.get_source_segment(tests, expectation.literal) or ast.unparse(expectation.literal)
            text = (
                f"`{call}` raised {seen[index][1]} in the correct implementation, where the test "
                f"expects {expected}. That input is not one the function accepts: test it on inputs it accepts."
            )
            return text if len(text) <= MAX_FAILURE_CHARS else text[:MAX_FAILURE_CHARS] + "\n...[truncated]"
    return None


def rejects_input(exception: str) -> bool:
    """Whether an exception of this name is how a function turns down an argument (a builtin ``ValueError``,
    ``TypeError``, ``LookupError``, ``ArithmeticError``, ``OSError`` or ``EOFError``, or a subclass of one), rather
    than a sign that the reference itself cannot run here (a ``NameError`` for a global it did not carry, an
    ``ImportError``, its own ``assert``, ``NotImplementedError``): those refuse nothing."""
    kind = getattr(builtins, exception, None)
    return isinstance(kind, type) and issubclass(kind, _INPUT_ERRORS)


def repaired(tests: str, result: ExecResult) -> str | None:
    """``tests`` with the values a ``recording`` run against the reference printed written in (see the module doc);
    None when the run did not reach the end of the tests, or when nothing could be repaired."""
    seen = assert_values.recorded(result)
    if seen is None:
        return None
    lines = tests.splitlines(keepends=True)
    edits: list[tuple[tuple[int, int], tuple[int, int], str]] = []  # (start, end, text), 1-based lines
    for index, expectation in enumerate(assert_values.expectations(tests)):
        if index not in seen:
            continue  # never reached, or reached with different results (a loop): left as written
        kind, text = seen[index]
        statement, literal = expectation.statement, expectation.literal
        end = statement.end_lineno or statement.lineno
        if kind == "raises":
            if _alone_on_its_lines(statement, lines):
                indent = lines[statement.lineno - 1][: statement.col_offset]
                edits.append(((statement.lineno, 0), (end, -1), f"{indent}pass\n" if expectation.sole else ""))
            continue
        said = assert_values.Expected(ast.get_source_segment(tests, literal) or "", expectation.tolerant)
        listed = _listed(tests, expectation, text)
        if listed:
            expression = expectation.expression
            span = (expression.end_lineno or 0, expression.end_col_offset or 0)
            edits.append(((expression.lineno, expression.col_offset), span, listed))
            continue
        if not assert_values.writable(text) or assert_values.holds(text, said):
            continue  # a value no literal can state, or the assert already holds
        edits.append(
            ((literal.lineno, literal.col_offset), (literal.end_lineno or 0, literal.end_col_offset or 0), text)
        )
    if not edits:
        return None
    fixed = _applied(lines, edits)
    try:
        ast.parse(fixed)
    except SyntaxError:
        return None
    return fixed


def _listed(tests: str, expectation: assert_values.Expectation, recorded: str) -> str | None:
    """The expression wrapped in ``list(...)`` (``tuple(...)``) when the reference gave an iterator for it and the test
    expects a list (a tuple), else None: a seed that yields (``unique_everseen``) became a problem stating ``-> list``,
    its tests compared the call with a list, and the reference's generator contradicted them three times in a row
    (session 15), while a solution returning a list passes the wrapped assert just as well. The wrapped assert's value
    is written in by the next repair (``test_quality`` repairs twice)."""
    literal = expectation.literal
    if not _ITERATOR.match(recorded) or not isinstance(literal, ast.List | ast.Tuple):
        return None
    kind = "list" if isinstance(literal, ast.List) else "tuple"
    return f"{kind}({ast.get_source_segment(tests, expectation.expression)})"


def tolerant(tests: str) -> str | None:
    """``tests`` with each ``assert <expr> == <literal>`` whose literal is a finite non-integral float, or a flat
    tuple or list of numbers holding one, written as a ``math.isclose`` comparison (element by element, with equal
    lengths), and ``import math`` added when the tests lack it; None when there is no such assert.

    Why: a value recorded from the reference is exact to the last bit, and a correct solution that adds the same
    terms in another order differs there (``0.49999999999999994`` against ``0.5``). Tests that hold the reference to
    its last bit fail such a solution, so every program that "passes" them is a copy of the reference's arithmetic.
    The tolerance (``assert_values.REL_TOL``, ``ABS_TOL``) is far below any difference a wrong formula makes, and the
    rewritten tests still go through every check (stand-ins, reference) before they run. Asserts already in a
    tolerant form (``assert_values.expectations``) stay as written."""
    lines = tests.splitlines(keepends=True)
    tolerance = f"rel_tol={assert_values.REL_TOL!r}, abs_tol={assert_values.ABS_TOL!r}"
    edits: list[tuple[tuple[int, int], tuple[int, int], str]] = []
    for statement, expression, literal, _sole, already in assert_values.expectations(tests):
        if already or not _has_fraction(ast.literal_eval(literal)):
            continue
        actual, expected = ast.get_source_segment(tests, expression), ast.get_source_segment(tests, literal)
        if isinstance(ast.literal_eval(literal), float):
            check = f"math.isclose({actual}, {expected}, {tolerance})"
        else:
            pairs = f"zip({actual}, {expected}, strict=True)"
            check = f"all(math.isclose(a, b, {tolerance}) for a, b in {pairs})"
        message = f", {ast.get_source_segment(tests, statement.msg)}" if statement.msg else ""
        end = (statement.end_lineno or statement.lineno, statement.end_col_offset or 0)
        edits.append(((statement.lineno, statement.col_offset), end, f"assert {check}{message}"))
    if not edits:
        return None
    fixed = _applied(lines, edits)
    imports = (node for node in ast.parse(tests).body if isinstance(node, ast.Import))
    if not any(alias.name == "math" and alias.asname is None for node in imports for alias in node.names):
        fixed = "import math\n" + fixed
    return fixed


def _has_fraction(value: object) -> bool:
    """A finite float with a fractional part, or a flat tuple or list of numbers with one (see ``tolerant``)."""
    if isinstance(value, float):
        return math.isfinite(value) and not value.is_integer()
    return (
        isinstance(value, (tuple, list))
        and all(isinstance(item, (int, float)) for item in value)
        and any(_has_fraction(item) for item in value)
    )


def _applied(lines: list[str], edits: list[tuple[tuple[int, int], tuple[int, int], str]]) -> str:
    """``lines`` with each edit made, from the last to the first so earlier positions stay valid; an end column of
    -1 replaces whole lines (by nothing, or by a line of its own). Columns are UTF-8 byte offsets, as ``ast``
    reports them."""
    encoded = [line.encode() for line in lines]
    for (start_line, start_col), (end_line, end_col), text in sorted(edits, reverse=True):
        if end_col == -1:
            encoded[start_line - 1 : end_line] = [text.encode()] if text else []
            continue
        head, tail = encoded[start_line - 1][:start_col], encoded[end_line - 1][end_col:]
        encoded[start_line - 1 : end_line] = [head + text.encode() + tail]
    return b"".join(encoded).decode()


def _alone_on_its_lines(statement: ast.stmt, lines: list[str]) -> bool:
    """Nothing but the statement is on its lines."""
    end = statement.end_lineno or statement.lineno
    first, last = lines[statement.lineno - 1], lines[end - 1]
    return not first[: statement.col_offset].strip() and not last.encode()[statement.end_col_offset or 0 :].strip()


def _definitions(body: list[ast.stmt]) -> dict[str, Shape]:
    """Each name a block binds by ``def``, ``class`` or assignment, with its shape; a later binding wins, as at run
    time."""
    shapes: dict[str, Shape] = {}
    for node in body:
        if isinstance(node, _FUNCTIONS):
            is_async = isinstance(node, ast.AsyncFunctionDef)
            shapes[node.name] = _function(node.args, node.decorator_list, is_async=is_async)
        elif isinstance(node, ast.ClassDef):
            shapes[node.name] = (
                "class",
                tuple(ast.dump(base) for base in [*node.bases, *node.keywords]),
                tuple(ast.dump(decorator) for decorator in node.decorator_list),
                tuple(sorted(_definitions(node.body).items())),
            )
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            lambda_ = node.value if isinstance(node.value, ast.Lambda) else None
            for name in (n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)):
                shapes[name] = _function(lambda_.args, [], is_async=False) if lambda_ else ("value",)
    return shapes


def parameters(args: ast.arguments) -> tuple[str, ...]:
    """A signature's parameter names in order, ``*args`` and ``**kwargs`` marked: what calls by name depend on."""
    params = [a.arg for a in (*args.posonlyargs, *args.args)]
    params += [f"*{args.vararg.arg}"] if args.vararg else []
    params += [a.arg for a in args.kwonlyargs]
    params += [f"**{args.kwarg.arg}"] if args.kwarg else []
    return tuple(params)


def _function(args: ast.arguments, decorators: list[ast.expr], *, is_async: bool) -> Shape:
    """``("function", async, parameter names, decorators, how it is called)``: the last part is the signature
    without positional parameters' names (``_same_outside``)."""
    positional = [*args.posonlyargs, *args.args]
    keyword_only = tuple((a.arg, d is not None) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True))
    called = (len(args.posonlyargs), len(positional), len(args.defaults), bool(args.vararg), keyword_only)
    decorated = tuple(ast.dump(decorator) for decorator in decorators)
    return ("function", is_async, parameters(args), decorated, (*called, bool(args.kwarg)))


class _Explained(ast.NodeTransformer):
    def __init__(self, source: str) -> None:
        self.source = source

    def visit_Assert(self, node: ast.Assert) -> ast.Assert:
        said = ast.get_source_segment(self.source, node.test) or ast.unparse(node.test)
        head = f"{MARKER}assert {said}"
        if node.msg is None and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1:
            left = ast.NamedExpr(target=ast.Name(id=_LEFT, ctx=ast.Store()), value=node.test.left)
            right = ast.NamedExpr(target=ast.Name(id=_RIGHT, ctx=ast.Store()), value=node.test.comparators[0])
            test: ast.expr = ast.Compare(left=left, ops=node.test.ops, comparators=[right])
            message = _formatted(head, "\n  left side: %r\n  right side: %r", _LEFT, _RIGHT)
        elif node.msg is not None:
            test, message = node.test, _formatted(head, "\n  message: %s", node.msg)
        else:
            test, message = node.test, ast.Constant(head)
        return ast.copy_location(ast.Assert(test=test, msg=message), node)


def _formatted(head: str, template: str, *values: str | ast.expr) -> ast.expr:
    """``head + template`` filled in with ``values`` (names or expressions) by ``%`` (no name the tests could
    shadow, such as ``repr``, is looked up)."""
    elements = [ast.Name(id=v, ctx=ast.Load()) if isinstance(v, str) else v for v in values]
    text = ast.Constant(head.replace("%", "%%") + template)
    return ast.BinOp(left=text, op=ast.Mod(), right=ast.Tuple(elts=elements, ctx=ast.Load()))
