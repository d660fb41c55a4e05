"""More cases for tests checked against the seed: calls near the tests' own, with the values the seed gives.

Tests a small test writer writes check a handful of inputs, and a programmer can pass them without solving the
problem: the 1.5B, told its ``waitstatus_to_exitcode`` failed ``f(128 + 1) == -1``, answered with ``elif status ==
128 + 1: return -1`` for each tested input and was "verified" (the seed gives -1 for a status of 1, the hard-coded
answer 1). The seed a problem was derived from is a known-correct implementation, so it can judge inputs the test
writer did not think of: differential testing, as EvalPlus extends HumanEval's tests with mutated inputs judged by
the reference solution.

``near_calls`` takes each ``assert <f>(<args>) == <literal>`` of the tests (``assert_values.expectations``) whose
function is one of the solution's and whose arguments are constants (or arithmetic on numbers), and changes one argument
passed by position at a time (keyword arguments are passed as the test passed them), keeping it of the same kind and, as
far as a change can, within the same domain: an int ``n`` becomes ``n + 1`` and ``2 * n``, a float ``x * 2`` and ``x +
0.5``, a string or a list loses its last element or repeats it (a prefix of a sorted list is sorted, of a list without
duplicates has none), a dict loses its last item or has its last value again under a new key, a string with letters has
them in the other case, and a string of three or more characters also gets an inner character doubled (its first
separator, else its middle one), and one with line ends gets them written ``\\r\\n``, and bytes get three bytes above
127 appended; the last string of a list, tuple or dict (an element, a value) is varied as a string argument is; half of
the cases, when there are that many, put around a string (or bytes) argument, or that last string of a container, what
the seed spells out: a character appended (``'"'`` for ``html.escape``, ``'<'`` for code that writes ``'<font>'`` around
its input), what it tests an input's ends for prepended or appended (``'"'`` on both sides for ``unquote``), an empty
and a whitespace-only line when it calls ``splitlines``, whitespace at the ends when it strips or splits on whitespace,
directories in front when it takes a path apart (``os.path.basename``), characters beyond ASCII when it encodes, decodes
or reads code points, and, when it splits an input at a separator, what it tests a part's start for (and a space) right
after the separator, and, when it tells a list or tuple apart from other values (``isinstance(x, list)``), a list or
tuple argument with its last element, and its tail, nested one level: what the seed treats specially is where a solution
differs, and a test writer's inputs may never hold it. First of all, up to a third of the cases pass an optional
parameter of the seed's function that the call leaves out, by keyword: a boolean default's other value, else a value
near its literal default, each value once; a ``None`` default has none to try, unless the seed calls the parameter with
one argument (a ``key``): then a few one-argument callables (``_CALLABLES``), or puts something in its place
(``sep or ' '``, ``hi = len(a)``): then values of that kind. A call the tests collect (``list(gen(...))``) is varied
inside and collected the same way. When the seed changes a list or dict argument in place (``a += b``, ``a.append``),
each case binds that argument to the parameter's name and compares it after the call too, ``(iconcat((a := [1]), [2]),
a)``, and the tested input itself becomes such a case. No sign flips, no empty inputs, which a problem may rule out
although the seed accepts them. ``with_seed_cases`` appends the new calls the seed answers (a value whose ``repr`` reads
back as a literal; calls the seed rejects are left out) as asserts of that value. The result goes through every check
again (stand-ins, the seed) before it runs (``test_quality``)."""

from __future__ import annotations

import ast
import builtins
import random
from collections.abc import Callable, Iterable
from functools import partial
from typing import NamedTuple

from ..sandbox.types import ExecResult
from . import assert_values

# At most this many calls are added: enough to catch answers that hard-code the tested inputs, few enough that the
# tests stay readable in the training sample.
MAX_CASES = 6


def near_calls(tests: str, functions: Iterable[str], seed: str = "", limit: int = MAX_CASES) -> list[str]:
    """Up to ``limit`` calls (source text) near the tests' own (see the module doc), none already in the tests: up to a
    third passing an optional parameter of the ``seed``'s function that the tests' calls leave out, then half of the
    rest (when there are that many) with what the ``seed`` spells out around a string argument; the choice among more
    is random but fixed by the tests' text, so a rerun of a check adds the same cases."""
    functions, marks, optional, changed = set(functions), _marks(seed), _optional_values(seed), _changed_in_place(seed)
    nesting = _nesting(seed)
    present, found, marked, unpassed = set(), [], [], {}
    for expectation in assert_values.expectations(tests):
        present.add(ast.unparse(expectation.expression))
        call = _tested_call(expectation.expression, functions, changed)
        if call is None:
            continue
        found.extend(map(call.text, _variants(call.values, _near)))
        marked.extend(map(call.text, _variants(call.values, partial(_all_marked, marks))))
        marked.extend(map(call.text, _variants(call.values, partial(_nested, nesting))))
        if call.observed:  # the tested input itself, its arguments now seen after the call
            found.append(call.text([repr(value) for value in call.values]))
        left_out = [option for option in optional.get(call.name, []) if option[0] not in dict(call.keywords)]
        for key, arguments in _unpassed(call.values, left_out):
            unpassed.setdefault(key, call.text(arguments))  # each parameter's value once, on the first call taking it
    choose = random.Random(tests)
    fresh = [list(dict.fromkeys(text for text in texts if text not in present)) for texts in (marked, found)]
    for texts in fresh:
        choose.shuffle(texts)
    marked, found = fresh[0], [text for text in fresh[1] if text not in fresh[0]]
    first = [text for text in unpassed.values() if text not in present][: max(1, limit // 3)]
    left = limit - len(first)
    taken = marked[: max(left // 2, left - len(found))]
    return first + taken + found[: left - len(taken)]


class _TestedCall(NamedTuple):
    """A call of the tests that ``near_calls`` varies: the function, its constant arguments, the builtin the test
    collects its result with (``list(gen(...))``), the arguments the seed changes in place, by position, with the
    name a case binds each to so that it can compare it after the call, and the constant keyword arguments, which every
    case passes as the test did (only the positional ones are varied)."""

    name: str
    values: list[object]
    collector: str | None
    observed: dict[int, str]
    keywords: tuple[tuple[str, object], ...] = ()

    def text(self, arguments: list[str]) -> str:
        """The case calling the function with ``arguments`` (source texts), written as the test wrote its call:
        collected as it was, or, when the seed changes an argument in place, as ``(f((a := [1]), [2]), a)`` (the
        parentheses ``ast.unparse`` writes, so a case read back from tests is the same text)."""
        written = [
            f"({self.observed[at]} := {text})" if at in self.observed else text for at, text in enumerate(arguments)
        ] + [f"{key}={value!r}" for key, value in self.keywords]
        call = f"{self.name}({', '.join(written)})"
        if self.collector:
            return f"{self.collector}({call})"
        return f"({call}, {', '.join(self.observed.values())})" if self.observed else call


# Builtins a test collects a generator's (or any iterable's) result with before comparing it with a literal.
_COLLECTORS = frozenset({"list", "tuple", "sorted", "set", "dict"})


def _tested_call(expression: ast.expr, functions: set[str], changed: dict[str, dict[int, str]]) -> _TestedCall | None:
    """The call of one of ``functions`` that ``expression`` is (or collects, ``list(f(...))``), when every argument
    is a constant, passed by position or by name (not ``**``); None otherwise. Calls passing a keyword were left out
    until session 24: the 1.5B's ``b64encode``, which ignores ``altchars``, was verified on a call passing
    ``altchars=b"!@"`` that none of its cases varied. A list or dict argument at a position the seed changes in place
    (``changed``) is observed, under the parameter's name, unless a case would then rebind a name the tests call."""
    collector = None
    if (
        isinstance(expression, ast.Call)
        and isinstance(expression.func, ast.Name)
        and expression.func.id in _COLLECTORS
        and len(expression.args) == 1
        and not expression.keywords
        and isinstance(expression.args[0], ast.Call)
    ):
        collector, expression = expression.func.id, expression.args[0]
    if not (isinstance(expression, ast.Call) and isinstance(expression.func, ast.Name)):
        return None
    name = expression.func.id
    if name not in functions or any(keyword.arg is None for keyword in expression.keywords):
        return None
    values = [_constant(argument) for argument in expression.args]
    keywords = tuple((str(keyword.arg), _constant(keyword.value)) for keyword in expression.keywords)
    if any(value is _NOT_CONSTANT for value in [*values, *(value for _, value in keywords)]):
        return None
    observed = {
        at: parameter
        for at, parameter in changed.get(name, {}).items()
        if not collector
        and at < len(values)
        and isinstance(values[at], (list, dict))
        and parameter not in functions
        and not hasattr(builtins, parameter)
    }
    return _TestedCall(name, values, collector, observed, keywords)


def _optional_values(seed: str) -> dict[str, list[tuple[str, int | None, list[str]]]]:
    """For each top-level function of the seed, its parameters that may be passed by keyword and have a literal
    default, as (name, position among the positional parameters or None, values to pass it, as source text): the other
    boolean, else the default's near values (``_near``). A ``None`` default says nothing of the parameter's kind by
    itself: when the seed calls the parameter with one argument (a ``key``, a ``predicate``) it gets ``_CALLABLES``,
    when the seed puts something in its place, values of that thing's kind (``_fallback_values``)."""
    try:
        tree = ast.parse(seed)
    except (SyntaxError, ValueError):
        return {}
    found: dict[str, list[tuple[str, int | None, list[str]]]] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        with_defaults: list[tuple[ast.arg, ast.expr | None, int | None]] = [
            (positional[at], default, at)
            for at, default in enumerate(args.defaults, start=len(positional) - len(args.defaults))
        ]
        with_defaults += [(arg, default, None) for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
        options = []
        for arg, default, position in with_defaults:
            value = _constant(default) if default is not None else _NOT_CONSTANT  # a keyword-only without one
            if value is _NOT_CONSTANT or arg in args.posonlyargs:
                continue
            if value is None:
                values = list(_CALLABLES) if _called_with_one(node, arg.arg) else _fallback_values(node, arg.arg)
            else:
                values = [repr(not value)] if isinstance(value, bool) else [repr(near) for near in _near(value)]
            if values:
                options.append((arg.arg, position, values))
        found[node.name] = options
    return found


# What a parameter the seed calls with one argument gets: callables for numbers, sequences and strings (a ``key`` that
# keeps numbers in order, so that a sorted input stays sorted by it). The seed rejects those that do not fit an input.
# bisect's ``key`` is applied to the list's items only: the 0.5B's ``bisect_left`` also applied it to ``x`` and was
# verified in session 18 with no test passing a ``key`` (the same value as ``x`` for every ``key=None`` call).
_CALLABLES = ("lambda v: v * 2", "len", "abs", "str.lower")


def _called_with_one(function: ast.FunctionDef | ast.AsyncFunctionDef, parameter: str) -> bool:
    """Whether ``function`` calls its ``parameter`` with one positional argument somewhere."""
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == parameter
        and len(node.args) == 1
        and not node.keywords
        for node in ast.walk(function)
    )


def _fallback_values(function: ast.FunctionDef | ast.AsyncFunctionDef, parameter: str) -> list[str]:
    """Values (source texts) for a ``parameter`` whose default is None, of the kind of what ``function`` uses in its
    place (``_fallback``): a literal's near values, a one-character string doubled (string's ``capwords`` joins with
    ``sep or ' '``), the count 1 for ``len(...)`` or arithmetic on it (bisect's ``hi = len(a)``). Before, no case
    passed such a parameter at all (sessions 19-20 noted bisect's ``hi`` and ``capwords``' ``sep``), so a solution
    that ignored it stood. Empty values are left out, as everywhere in this module; none when the seed puts nothing in
    the parameter's place, or nothing of a kind this reads."""
    for node in ast.walk(function):
        fallback = _fallback(node, parameter)
        if fallback is None:
            continue
        if _counts(fallback):
            return ["1"]
        value = _constant(fallback)
        if isinstance(value, (str, bytes)) and len(value) == 1:
            return [repr(value * 2)]
        if value is _NOT_CONSTANT:
            return []
        return [repr(near) for near in _near(value) if near or near == 0]
    return []


def _fallback(node: ast.AST, parameter: str) -> ast.expr | None:
    """What ``node`` puts in the place of ``parameter`` when it is None: ``E`` of ``if p is None: p = E``, of ``E if
    p is None else ...`` (or ``... if p is not None else E``), of ``p or E``; None for any other node."""
    if isinstance(node, ast.If) and _is_none_test(node.test, parameter, ast.Is):
        for statement in node.body:
            if (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(target := statement.targets[0], ast.Name)
                and target.id == parameter
            ):
                return statement.value
    if isinstance(node, ast.IfExp):
        if _is_none_test(node.test, parameter, ast.Is):
            return node.body
        if _is_none_test(node.test, parameter, ast.IsNot):
            return node.orelse
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) == 2:
        first, other = node.values
        if isinstance(first, ast.Name) and first.id == parameter:
            return other
    return None


def _is_none_test(test: ast.expr, parameter: str, operator: type[ast.cmpop]) -> bool:
    """Whether ``test`` is ``parameter is None`` (``operator`` ``ast.Is``) or ``parameter is not None``
    (``ast.IsNot``)."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == parameter
        and len(test.ops) == 1
        and isinstance(test.ops[0], operator)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    )


def _counts(node: ast.expr) -> bool:
    """Whether ``node`` is a ``len(...)`` call or arithmetic on one: a count, so the parameter is an int."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len":
        return True
    return isinstance(node, ast.BinOp) and (_counts(node.left) or _counts(node.right))


# Methods that change a list, dict or set in place.
_MUTATORS = frozenset(
    {"append", "extend", "insert", "pop", "remove", "sort", "reverse", "clear", "update", "setdefault", "popitem",
     "add", "discard"}
)  # fmt: skip


def _changed_in_place(seed: str) -> dict[str, dict[int, str]]:
    """For each top-level function of the seed, the positional parameters it changes in place, by position: called
    with a mutating method (``_MUTATORS``), an item or slice assigned or deleted, or augmented (``a += b`` extends a
    list). What a function does to its arguments is behaviour no return value shows (operator's ``iconcat`` is ``a +=
    b``: the 0.5B's returned ``a + b`` and was verified in session 18 on return values alone)."""
    try:
        tree = ast.parse(seed)
    except (SyntaxError, ValueError):
        return {}
    found: dict[str, dict[int, str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        at = {arg.arg: position for position, arg in enumerate([*node.args.posonlyargs, *node.args.args])}
        changed = set()
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr in _MUTATORS:
                changed.add(inner.func.value)
            elif isinstance(inner, ast.AugAssign):
                changed.add(inner.target)
            if isinstance(inner, (ast.Assign, ast.AugAssign, ast.Delete)):
                targets = inner.targets if isinstance(inner, (ast.Assign, ast.Delete)) else [inner.target]
                changed.update(target.value for target in targets if isinstance(target, ast.Subscript))
        names = {target.id for target in changed if isinstance(target, ast.Name) and target.id in at}
        found[node.name] = {at[name]: name for name in sorted(names, key=at.__getitem__)}
    return found


def _unpassed(
    values: list[object], optional: list[tuple[str, int | None, list[str]]]
) -> list[tuple[tuple[str, str], list[str]]]:
    """The arguments of a call passing ``values`` (constants) with one optional parameter it does not pass given by
    keyword, once for each of that parameter's values, as ``((parameter, value's text), arguments' texts)``. A
    parameter no test passes is behaviour no test checks (``parameter_coverage``: make demo's ``b64encode`` ignored
    ``altchars``); where the seed's default gives a value of the parameter's kind, the seed can judge a call that
    passes another."""
    head = [repr(value) for value in values]
    return [
        ((parameter, text), [*head, f"{parameter}={text}"])
        for parameter, position, options in optional
        if position is None or position >= len(values)
        for text in options
    ]


def probe(calls: list[str]) -> str:
    """Tests that ask the seed for each call's value (run as an ``assert_values.recording``): one ``assert <call> ==
    None`` per call, in order."""
    return "".join(f"assert {call} == None\n" for call in calls)


def with_seed_cases(tests: str, calls: list[str], result: ExecResult) -> str | None:
    """``tests`` with ``assert <call> == <value>`` appended for each call the recording run of ``probe(calls)``
    against the seed answered with a writable value; None when there is none (or the run did not reach its end)."""
    cases = seed_answers(calls, result)
    return appended(tests, cases) if cases else None


def appended(tests: str, cases: list[str]) -> str:
    """``tests`` with the ``cases`` (asserts, one per line) after their last line."""
    return tests.rstrip("\n") + "\n" + "".join(cases)


def seed_answers(calls: list[str], result: ExecResult) -> list[str]:
    """``assert <call> == <value>\n`` for each call the recording run of ``probe(calls)`` against the seed answered
    with a writable value, in the calls' order; none when the run did not reach its end."""
    seen = assert_values.recorded(result)
    if seen is None:
        return []
    return [
        f"assert {call} == {seen[index][1]}\n"
        for index, call in enumerate(calls)
        if index in seen and seen[index][0] == "value" and assert_values.writable(seen[index][1])
    ]


class _Mark(NamedTuple):
    """What ``near_calls`` puts into a string input: ``prefix`` before it and ``suffix`` after it, or, with ``after``,
    ``prefix`` right after the first ``after`` in it (the start of the part the seed splits off there)."""

    prefix: str
    suffix: str = ""
    after: str = ""


def _variants(values: list[object], change: Callable[[object], list[object]]) -> list[list[str]]:
    """The arguments ``values`` with one of them replaced at a time by each value ``change`` makes of it (``_near``,
    ``_all_marked``, ``_nested``), as source texts."""
    return [
        [repr(argument) for argument in [*values[:position], changed, *values[position + 1 :]]]
        for position, value in enumerate(values)
        for changed in change(value)
    ]


def _all_marked(marks: Iterable[_Mark], value: object) -> list[object]:
    """``value`` with each of ``marks`` in it (``_marked``), where it can hold one."""
    return [marked for mark in marks if (marked := _marked(value, mark)) is not None]


# The containers a seed can tell apart from the other elements of a sequence it walks, by the names it tests for.
_CONTAINERS: dict[str, type] = {"list": list, "tuple": tuple}


def _nesting(seed: str) -> list[type]:
    """The containers the seed tells apart from other values (``isinstance(x, list)``, ``type(x) is tuple``), in the
    order it names them: it treats one found inside a sequence specially (recursing into it, flattening it), and a
    test writer's inputs may all be flat (lib2to3's ``tuple_name`` joins the names of a nested parameter list: the
    1.5B's, which makes a tuple of a nested list and then fails to join it, was verified in session 23 on flat lists
    alone)."""
    try:
        tree = ast.parse(seed)
    except (SyntaxError, ValueError):
        return []
    named: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 2:
            if node.func.id == "isinstance":
                kinds = node.args[1]
                named += kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Call) and isinstance(node.left.func, ast.Name):
            if node.left.func.id == "type":
                named += node.comparators
    return list(dict.fromkeys(_CONTAINERS[n.id] for n in named if isinstance(n, ast.Name) and n.id in _CONTAINERS))


def _nested(nesting: list[type], value: object) -> list[object]:
    """A list or tuple ``value`` nested one level: its last element put inside a container of the first kind the seed
    tells apart (``_nesting``), and, when it has two or more, all its elements after the first; nothing for any other
    value, or when the seed tells none apart."""
    if not nesting or not isinstance(value, (list, tuple)) or not value:
        return []
    inner = nesting[0]
    nested = [value[:-1] + type(value)([inner(value[-1:])])]
    if len(value) >= 2:
        nested.append(type(value)([value[0], inner(value[1:])]))
    return nested


def _marked(value: object, mark: _Mark) -> object:
    """``value`` with a mark in it (``_put``) when it is a string or bytes, in its last element when it is a list or
    tuple ending in one, in its last value when it is a dict whose last value is one; None otherwise.
    Strings inside a container are inputs too (urllib's ``parse_keqv_list`` splits each of a list's ``k=v`` strings at
    its first ``=``: the 0.5B's split at every ``=`` was verified, no element of its tests having a second one)."""
    if isinstance(value, (str, bytes)):
        return _put(value, mark)
    inner = _last_string(value)
    if inner is None:
        return None
    changed = _put(inner, mark)
    return None if changed is None else _with_last(value, changed)


def _last_string(value: object) -> str | bytes | None:
    """The last element of a non-empty list or tuple, or the last value of a non-empty dict, when it is a string or
    bytes; None otherwise."""
    if isinstance(value, (list, tuple)) and value:
        last = value[-1]
    elif isinstance(value, dict) and value:
        last = list(value.values())[-1]
    else:
        return None
    return last if isinstance(last, (str, bytes)) else None


def _with_last(value: list | tuple | dict, changed: object) -> list | tuple | dict:
    """``value`` with its last element (a dict: its last key's value) replaced by ``changed``."""
    if isinstance(value, dict):
        return {**value, list(value)[-1]: changed}
    return value[:-1] + type(value)([changed])


def _put(value: str | bytes, mark: _Mark) -> str | bytes | None:
    """``value`` with ``mark`` in it; for bytes, the mark in Latin-1. None when bytes cannot hold the mark, or the
    value has no ``after`` to put the prefix behind."""
    parts: tuple = tuple(mark)
    if isinstance(value, bytes):
        try:
            parts = tuple(text.encode("latin-1") for text in mark)
        except UnicodeEncodeError:
            return None
    prefix, suffix, after = parts
    if not after:
        return prefix + value + suffix
    at = value.find(after)
    if at < 0:
        return None
    at += len(after)
    return value[:at] + prefix + value[at:]


def _near(value: object) -> list[object]:
    """Values of the same kind as ``value``, in the same domain as far as a change can tell (see the module doc)."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [value + 1, 2 * value] if value else [1]
    if isinstance(value, float):
        return [value * 2, value + 0.5]
    near: list[object] = []
    if isinstance(value, (str, bytes, tuple, list)) and len(value) >= 2:
        near = [value[:-1], value + value[-1:], *_inner_repeat(value), *_crlf(value)]
    elif isinstance(value, dict) and value:
        near = _dict_near(value)
    return [*near, *_case_changed(value), *_high_bytes(value), *_last_string_near(value)]


def _last_string_near(value: object) -> list[object]:
    """A list, tuple or dict whose last string (``_last_string``) is changed as a string argument would be: the
    strings inside a container are where the seed's rules apply too (wsgiref's ``guess_scheme`` reads
    ``environ['HTTPS']`` in ``('yes', 'on', '1')``: the 0.5B's, which lower-cases the value and returns None for any
    other, was verified on a dict of lower-case values; ``{'HTTPS': 'YES'}`` and ``{'HTTPS': 'ye'}`` tell it apart)."""
    inner = _last_string(value)
    if inner is None:
        return []
    return [_with_last(value, changed) for changed in _near(inner)]  # type: ignore[arg-type]


def _dict_near(value: dict) -> list[dict]:
    """A dict without its last item (when it has two or more), and with its last value repeated under a new key of
    the same kind: the analogue of a list's repeated element. A value under two keys is where code that inverts or
    groups a mapping differs (the 0.5B's ``make_encoding_map`` was verified twice, in session 15 and 16, inverting
    ``{k: v}`` without the seed's ``None`` for a target that occurs twice: every test input had one item)."""
    items = list(value.items())
    near = [dict(items[:-1])] if len(items) >= 2 else []
    key, last = items[-1]
    fresh = next((k for k in _near(key) if k not in value), None)  # of a key's kind, so hashable too
    if fresh is not None:
        near.append({**value, fresh: last})
    return near


def _case_changed(value: object) -> list[str]:
    """A string with letters in upper case (in lower case when they all are upper already): where case-folding code
    differs (the 0.5B's ``strtobool``, ``val in ['y', 'yes', ...]`` without the seed's ``val.lower()``, was verified by
    ``make demo`` in session 15 on lower-case inputs only, and the seed's cases had none: the seed rejects every other
    variant of ``'yes'``)."""
    if not isinstance(value, str):
        return []
    changed = value.upper() if value != value.upper() else value.lower()
    return [changed] if changed != value else []


# Bytes above 127 whose bits are all but all set: what a byte string of text never holds, and, in base64, the two
# characters an alphabet may replace ('++//').
_HIGH_BYTES = b"\xfb\xef\xff"


def _high_bytes(value: object) -> list[bytes]:
    """Bytes with ``_HIGH_BYTES`` appended: where code that treats bytes as ASCII text, or maps their bits, differs,
    and a test writer's byte strings are text (the 1.5B's ``b64encode``, which ignores ``altchars``, was verified in
    session 24 on ASCII inputs, whose encoding has no ``+`` or ``/`` for ``altchars`` to replace)."""
    return [value + _HIGH_BYTES] if isinstance(value, bytes) else []


def _crlf(value: str | bytes | tuple | list) -> list[str | bytes]:
    """A string with its line ends written ``\\r\\n``, when it has a ``\\n`` and no ``\\r``: the other newline
    convention is where decoding and line-splitting code differs (the 0.5B's ``decode_source`` was verified without
    the universal-newline decoding its seed does, since every input ended its lines with ``\\n`` alone)."""
    if isinstance(value, str) and "\n" in value and "\r" not in value:
        return [value.replace("\n", "\r\n")]
    if isinstance(value, bytes) and b"\n" in value and b"\r" not in value:
        return [value.replace(b"\n", b"\r\n")]
    return []


def _inner_repeat(value: str | bytes | tuple | list) -> list[str | bytes]:
    """A string with one inner character doubled: the first separator (not a letter or digit) inside it, or else
    its middle character. Runs of separators are where splitting and normalising code goes wrong (the 1.5B's
    ``normalize_encoding`` was verified although it left ``"utf--8"`` alone) and the other variants never make one."""
    if not isinstance(value, (str, bytes)) or len(value) < 3:
        return []
    inner = range(1, len(value) - 1)
    at = next((i for i in inner if not value[i : i + 1].isalnum()), len(value) // 2)
    return [value[: at + 1] + value[at:]]


_NOT_CONSTANT = object()


def _marks(seed: str) -> list[_Mark]:
    """What the seed's code spells out, as marks to put in a string input (``_Mark``), as a fuzzer takes its
    dictionary from the program's constants and comparisons. Its one-character strings, then the punctuation inside
    its longer strings (docstrings aside), each appended: what it treats specially (``html.escape``'s quotes: the
    1.5B's escape was verified escaping quotes twice, since no test had one) or writes around its input (cgitb's
    ``grey(text)`` wraps it in ``'<font color="#909090">'``: the 0.5B's grey, which HTML-escapes its input, was
    verified on inputs without a ``<``). Then what it tests an input's ends for: each ``startswith`` argument (or string
    compared with ``x[0]``, ``x[:n]``) prepended, each ``endswith`` argument (``x[-1]``, ``x[-n:]``) appended, and each
    pair of them around it (email's ``unquote`` strips ``"..."`` and ``<...>``: the 0.5B's tests, repaired from the
    seed, held no such input and verified nothing). Then what its method calls treat specially (``_method_marks``), and
    the starts it tests for put after each separator it splits at (``_split_marks``)."""
    try:
        tree = ast.parse(seed)
    except (SyntaxError, ValueError):
        return []
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    strings = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]
    single = [text for text in strings if len(text) == 1]
    inside = [c for text in strings if len(text) > 1 for c in text if not (c.isalnum() or c.isspace())]
    ends: dict[str, list[str]] = {"startswith": [], "endswith": []}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ends:
            if node.args and isinstance(value := _constant(node.args[0]), (str, tuple)):
                options = value if isinstance(value, tuple) else (value,)
                ends[node.func.attr].extend(text for text in options if isinstance(text, str) and text)
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.NotEq):
            for side, other in ((node.left, node.comparators[0]), (node.comparators[0], node.left)):
                end = _end_tested(side)
                if end and isinstance(text := _constant(other), str) and text:
                    ends[end].append(text)
    prefixes, suffixes = (list(dict.fromkeys(found)) for found in ends.values())
    marks = [_Mark("", c) for c in single + inside]
    marks += [_Mark(p) for p in prefixes] + [_Mark("", q) for q in suffixes]
    marks += [_Mark(p, q) for p in prefixes for q in suffixes]
    return list(dict.fromkeys(marks + _method_marks(tree) + _split_marks(tree, prefixes)))


# Line ends as text-splitting code meets them: an empty line, and a line of whitespace alone.
_LINE_MARKS = [_Mark("", "\n\n"), _Mark("", "\n \t\n")]
# Whitespace at either end, spaces and tabs and a line end mixed.
_WHITESPACE_MARKS = [_Mark(" \t"), _Mark("", "\t \n")]
# The str methods that treat whitespace specially when called without arguments.
_WHITESPACE_METHODS = frozenset({"strip", "lstrip", "rstrip", "split", "rsplit", "isspace"})
# Directories in front of a file name, relative and absolute.
_PATH_MARKS = [_Mark("pkg/"), _Mark("/tmp/pkg/")]
# The ``os.path`` functions that take a path apart or normalise it (names no str method has).
_PATH_FUNCTIONS = frozenset({"basename", "dirname", "abspath", "normpath", "relpath", "splitext"})
# Characters beyond ASCII: one in Latin-1 (two bytes in UTF-8); then one outside it (the euro sign) before that one, out
# of code point order.
_CODEC_MARKS = [_Mark("", "\xe9"), _Mark("", "\u20ac\xe9")]
# The str and bytes methods, and the builtins, that go between text and bytes or code points.
_CODEC_METHODS = frozenset({"encode", "decode", "isascii"})
_CODEC_BUILTINS = frozenset({"ord", "chr"})
# The str methods that split at a separator given as their first argument.
_SPLIT_METHODS = frozenset({"split", "rsplit", "partition", "rpartition"})


def _method_marks(tree: ast.Module) -> list[_Mark]:
    """What the string methods the seed calls treat specially: lines for ``splitlines``, whitespace for ``strip``
    and its kin called without arguments, directories for the ``os.path`` functions that take a path apart
    (inspect's ``getmodulename`` takes the ``basename`` first: the 0.5B's, which does not, was verified in sessions
    11 and 18 on bare file names), characters beyond ASCII for ``encode`` and ``decode`` (email's ``header_encode``
    encodes a str with its charset, Latin-1 by default: the 1.5B's, which decodes bytes with the charset and encodes
    them again as UTF-8, was verified in session 22 on ASCII inputs alone, where the two agree), and for ``ord`` and
    ``chr`` (punycode's ``segregate`` splits a string at code point 128 and sorts the characters above it: the
    1.5B's, which neither sorts them nor drops repeats, was verified in session 23 on ASCII inputs alone). Text that
    reaches them is where a solution splitting at ``"\\n"`` or testing ``line == ""`` differs (textwrap's ``indent``
    leaves whitespace-only lines alone, as ``line.strip()`` is false for them: the 0.5B's, which prefixes every
    line, was verified on one-line inputs, and no character its seed spells out would have made a second line)."""
    calls = [
        (node.func.attr, bool(node.args or node.keywords))
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]
    marks = list(_LINE_MARKS) if any(name == "splitlines" for name, _ in calls) else []
    if any(name in _WHITESPACE_METHODS and not given for name, given in calls):
        marks += _WHITESPACE_MARKS
    if any(name in _PATH_FUNCTIONS for name, _ in calls):
        marks += _PATH_MARKS
    functions = {
        node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    if any(name in _CODEC_METHODS for name, _ in calls) or functions & _CODEC_BUILTINS:
        marks += _CODEC_MARKS
    return marks


def _split_marks(tree: ast.Module, prefixes: list[str]) -> list[_Mark]:
    """For each separator the seed splits an input at (``s.split('=', 1)``, ``partition``), what it tests a start for
    (``prefixes``) and a space, each put right after the separator: the start of the part the seed goes on with,
    which a mark around the whole input never reaches. urllib's ``parse_keqv_list`` splits ``k=v`` at ``=`` and takes
    the quotes off a value that starts and ends with ``"``: the 1.5B's took them off a value that merely starts with
    one (``k="b`` gave ``''``) and stripped the spaces after ``=``, and was verified in session 22, its tests' values
    either quoted whole or bare."""
    separators = [
        value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _SPLIT_METHODS
        and node.args
        and isinstance(value := _constant(node.args[0]), str)
        and value
    ]
    return [_Mark(start, after=separator) for separator in dict.fromkeys(separators) for start in [*prefixes, " "]]


def _end_tested(node: ast.expr) -> str | None:
    """``startswith`` for ``x[0]`` or ``x[:n]``, ``endswith`` for ``x[-1]`` or ``x[-n:]``: an end of the input compared
    with a string, the same test as those methods make (multiprocessing's ``address[0] == "\\0"``: the 0.5B's
    ``address[0] == '0x'``, never true, was verified on inputs none of which began with a NUL)."""
    if not isinstance(node, ast.Subscript):
        return None
    index = node.slice
    if isinstance(index, ast.Slice):
        lower, upper = (_constant(bound) if bound else None for bound in (index.lower, index.upper))
        if index.step is None and lower in (None, 0) and isinstance(upper, int) and upper > 0:
            return "startswith"
        if index.step is None and upper is None and isinstance(lower, int) and lower < 0:
            return "endswith"
        return None
    at = _constant(index)
    return {0: "startswith", -1: "endswith"}.get(at) if isinstance(at, int) and not isinstance(at, bool) else None


def _constant(node: ast.expr) -> object:
    """The value of a literal, or of arithmetic on numbers (``128 + 1``); ``_NOT_CONSTANT`` otherwise."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
        left, right = _constant(node.left), _constant(node.right)
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
        if numbers and max(abs(left), abs(right)) < 10**9:  # type: ignore[arg-type]
            match node.op:
                case ast.Add():
                    return left + right  # type: ignore[operator]
                case ast.Sub():
                    return left - right  # type: ignore[operator]
                case _:
                    return left * right  # type: ignore[operator]
    return _NOT_CONSTANT
