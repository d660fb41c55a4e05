"""Wrong stand-ins of a solution, to tell tests that verify it from tests that would pass anyway.

A test of a solution has to fail when the solution is wrong. The cheapest wrong solutions with the same names are
the solution itself with every function and method body replaced: by ``return None`` (tests such as ``assert f(1) is
None or True`` still pass), by ``raise NotImplementedError`` (tests that only expect *some* exception, or wrap their
asserts in ``try/except Exception``, still pass), and by returning the first argument unchanged (tests whose every
expected value is the input itself: a small test writer asked to test a function that sorts or normalises writes
``assert f({'a': 1}) == {'a': 1}``, and a programmer's ``return params`` passed them), and by returning an object
that takes whatever is done to it (``_StandInAnything``: any attribute, call, item, iteration or ``with`` block gives
it back or nothing, and it equals nothing but itself): tests that only check that using the result raises nothing
(the 0.5B's tests of a ``DictWriter(f, fieldnames)``, session 18: ``writer.writeheader()``, ``writer.writerow(...)``
in ``with open(...)`` blocks and not one assert on what was written, verified a function wrapping ``csv.DictWriter``)
pass against it. Tests that pass against any of them, or that use no name the solution defines, verify nothing
(issue 12). The stand-ins depend only on the
solution's shape (names, signatures, imports, classes, constants), not on its bodies, so a revision of the code that
keeps its shape needs no new check.

Everything here is a pure function of source text; ``graphs/test_quality.py`` runs the stand-ins in the sandbox.
A stand-in must load wherever the solution loads, so it keeps only what cannot fail at import: imports, classes,
and assignments built from names already bound (not from the solution's own functions, which now return None or
raise); decorators and defaults that would need a dropped name are dropped (defaults become ``None``), and
annotations are never evaluated (``from __future__ import annotations``).
"""

from __future__ import annotations

import ast
import builtins
import copy
from typing import Literal

StandInKind = Literal["returns_none", "raises", "returns_input", "returns_anything", "returns_constant"]
STAND_IN_KINDS: tuple[StandInKind, ...] = ("returns_none", "raises", "returns_input", "returns_anything")

# The object the ``returns_anything`` stand-in returns, defined in its module (see the module doc). Not ``__len__``
# or ``__bool__``: a test that takes its length or asks for a falsy result is asking for a value, and fails.
_ANYTHING = """
class _StandInAnything:
    def __getattr__(self, name):
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def __setitem__(self, key, value):
        pass

    def __iter__(self):
        return iter(())

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False
"""

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_BUILTINS = frozenset(dir(builtins))


class UnparsableSource(ValueError):
    """The solution or the tests are not valid Python, so neither stand-ins nor names can be read from them."""


def stand_ins(solution: str, constant: str | None = None) -> dict[StandInKind, str]:
    """The solution with every function and method body replaced, one source per kind; empty when the solution
    has no function or method (a class of plain fields, constants): its stand-in would be the solution itself.
    With ``constant`` (a literal's source), a fourth stand-in returns it from every function: tests whose every
    expected value is that one constant pass it (the 0.5B asserted ``isfuture(x) == False`` for 26 floats, and a
    programmer's ``isinstance`` on a wrong class was verified by them).

    Raises ``UnparsableSource`` when the solution does not parse.
    """
    tree = _parse(solution, "solution")
    if not _has_functions(tree.body):
        return {}
    kinds = [*STAND_IN_KINDS, *(["returns_constant"] if constant is not None else [])]
    return {kind: ast.unparse(_StandInModule(tree, kind, constant).build()) + "\n" for kind in kinds}


def solution_names(solution: str, *, callables: bool = False) -> frozenset[str]:
    """What the solution itself defines at module level: functions, classes and, unless ``callables``, assigned names,
    not imports (a test that only uses ``math`` through the solution's ``import math`` tests ``math``)."""
    tree = _parse(solution, "solution")
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
            names.add(node.name)
        elif not callables and isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)}
    return frozenset(names)


def names_used(tests: str, solution: str) -> frozenset[str]:
    """The solution's names (``solution_names``) that the tests read or call anywhere.

    Raises ``UnparsableSource`` naming whichever of the two does not parse.
    """
    tree = _parse(tests, "tests")
    read = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return frozenset(read & solution_names(solution))


def _parse(source: str, what: str) -> ast.Module:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError) as error:
        where = f" (line {error.lineno})" if isinstance(error, SyntaxError) and error.lineno else ""
        raise UnparsableSource(f"the {what} cannot be parsed as Python{where}: {error}") from None


def _has_functions(statements: list[ast.stmt]) -> bool:
    """Whether a stand-in would replace any body: a module-level function (``def`` or a name bound to a lambda), or
    a method of a module-level class."""
    return any(
        isinstance(node, _FUNCTIONS)
        or _as_def(node) is not None
        or (isinstance(node, ast.ClassDef) and _has_functions(node.body))
        for node in statements
    )


def _as_def(node: ast.stmt) -> ast.FunctionDef | None:
    """``name = lambda args: expr`` as the ``def`` it spells (a solution written as a lambda is still a function
    whose body a stand-in replaces); None for any other statement."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
    elif isinstance(node, ast.AnnAssign):
        target = node.target
    else:
        return None
    if not isinstance(target, ast.Name) or not isinstance(node.value, ast.Lambda):
        return None
    body = [ast.Return(value=node.value.body)]
    return ast.FunctionDef(name=target.id, args=node.value.args, body=body, decorator_list=[], returns=None,
                           type_params=[], lineno=node.lineno)  # fmt: skip


def _free_names(node: ast.AST) -> set[str]:
    """Names an expression reads that it does not bind itself (comprehension targets, lambda parameters)."""
    read, bound = set(), set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            (read if isinstance(child.ctx, ast.Load) else bound).add(child.id)
        elif isinstance(child, ast.arg):
            bound.add(child.arg)
    return read - bound


def _assigned_names(node: ast.Assign | ast.AnnAssign) -> set[str] | None:
    """The names a plain assignment binds; None when it stores into anything else (``obj.x = ``, ``d[k] = ``)."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names: set[str] = set()
    for target in targets:
        for child in ast.walk(target):
            if isinstance(child, ast.Name):
                names.add(child.id)
            elif not isinstance(child, (ast.Tuple, ast.List, ast.Store, ast.Starred)):
                return None
    return names


def _is_generator(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function's own body yields (a yield inside a nested def or lambda belongs to that one)."""
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(node, _SCOPES):
            pending.extend(ast.iter_child_nodes(node))
    return False


class _StandInModule:
    """Builds one stand-in module. ``bound`` tracks the names defined so far, in source order, so that a kept
    statement never reads a name the stand-in dropped; ``defined`` are the solution's own functions and classes,
    which no kept top-level code may call (they now return None or raise)."""

    def __init__(self, tree: ast.Module, kind: StandInKind, constant: str | None = None) -> None:
        self.tree = tree
        self.kind = kind
        self.constant = constant
        self.defined = {node.name for node in tree.body if isinstance(node, (*_FUNCTIONS, ast.ClassDef))} | {
            spelled.name for spelled in map(_as_def, tree.body) if spelled is not None
        }

    def build(self) -> ast.Module:
        future = ast.ImportFrom(module="__future__", names=[ast.alias(name="annotations")], level=0)
        body = self._block(self.tree.body, set(_BUILTINS), top_level=True)
        anything = ast.parse(_ANYTHING).body if self.kind == "returns_anything" else []
        return ast.Module(body=[future, *anything, *[n for n in body if not _is_future_import(n)]], type_ignores=[])

    def _block(self, statements: list[ast.stmt], bound: set[str], *, top_level: bool) -> list[ast.stmt]:
        kept: list[ast.stmt] = []
        for node in statements:
            if top_level and isinstance(node, (ast.Import, ast.ImportFrom)):
                kept.append(node)
                bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
            elif isinstance(node, _FUNCTIONS) or _as_def(node) is not None:
                function = node if isinstance(node, _FUNCTIONS) else _as_def(node)
                kept.append(self._function(function, bound, method=not top_level))
                bound.add(function.name)
            elif isinstance(node, ast.ClassDef):
                kept.append(self._class(node, bound))
                bound.add(node.name)
            elif isinstance(node, ast.AnnAssign) and node.value is None and isinstance(node.target, ast.Name):
                kept.append(node)  # a declared field (dataclasses): never evaluated
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                names = _assigned_names(node)
                if names is not None and _free_names(node.value) <= bound - self.defined:
                    kept.append(node)
                    bound |= names
        return kept

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, bound: set[str], *, method: bool) -> ast.stmt:
        stub = copy.deepcopy(node)
        safe = bound - self.defined
        stub.decorator_list = [d for d in node.decorator_list if _free_names(d) <= safe]
        stub.args.defaults = [self._default(d, safe) for d in stub.args.defaults]
        stub.args.kw_defaults = [d if d is None else self._default(d, safe) for d in stub.args.kw_defaults]
        stub.body = self._body(
            generator=_is_generator(node),
            echoed=_first_argument(node, method=method),
            initialiser=method and node.name == "__init__",
        )
        return stub

    def _class(self, node: ast.ClassDef, bound: set[str]) -> ast.stmt:
        stub = copy.deepcopy(node)
        stub.bases = [b for b in node.bases if _free_names(b) <= bound]
        stub.keywords = [k for k in node.keywords if _free_names(k.value) <= bound]
        stub.decorator_list = [d for d in node.decorator_list if _free_names(d) <= bound - self.defined]
        stub.body = self._block(node.body, set(bound), top_level=False) or [ast.Pass()]
        return stub

    @staticmethod
    def _default(value: ast.expr, safe: set[str]) -> ast.expr:
        return value if _free_names(value) <= safe else ast.Constant(value=None)

    def _body(self, *, generator: bool, echoed: str | None, initialiser: bool = False) -> list[ast.stmt]:
        """``return None``, ``raise NotImplementedError``, ``return <first argument>`` (None without one),
        ``return _StandInAnything()`` (None from an ``__init__``, which may return nothing else) or
        ``return <constant>``; a generator stays one (an unreachable ``yield``) so that it still returns a
        generator, which yields nothing or raises on the first ``next``, or, for the constant, yields its items (the
        0.5B's ``generate_matches`` was verified by ``list(generate_matches([], [])) == [(0, {})]`` alone)."""
        if self.kind == "raises":
            message = ast.Constant(value="stand-in: the solution is not implemented here")
            error = ast.Call(func=ast.Name(id="NotImplementedError", ctx=ast.Load()), args=[message], keywords=[])
            body: list[ast.stmt] = [ast.Raise(exc=error)]
        elif self.kind == "returns_input" and echoed and not generator:
            body = [ast.Return(value=ast.Name(id=echoed, ctx=ast.Load()))]
        elif self.kind == "returns_anything" and not generator and not initialiser:
            anything = ast.Call(func=ast.Name(id="_StandInAnything", ctx=ast.Load()), args=[], keywords=[])
            body = [ast.Return(value=anything)]
        elif self.kind == "returns_constant" and self.constant is not None:
            constant = ast.parse(self.constant, mode="eval").body
            if generator:  # yields the constant's items: ``list(gen(...)) == [(0, {})]`` expects them
                return [ast.Expr(value=ast.YieldFrom(value=constant))]
            body = [ast.Return(value=constant)]
        else:
            body = [ast.Return(value=None if generator else ast.Constant(value=None))]
        if generator:
            body.append(ast.Expr(value=ast.Yield(value=None)))
        return body


def _first_argument(function: ast.FunctionDef | ast.AsyncFunctionDef, *, method: bool) -> str | None:
    """The parameter an echoing stand-in returns: the first positional one, after ``self`` / ``cls`` for a method
    that is not a ``staticmethod``."""
    positional = [arg.arg for arg in (*function.args.posonlyargs, *function.args.args)]
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list)
    if method and not static:
        positional = positional[1:]
    return positional[0] if positional else None


def _is_future_import(node: ast.stmt) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__"
