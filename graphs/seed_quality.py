"""Which harvested snippets make testable problems: named, AST-based rejection reasons for seed snippets.

Why: with the embedded model in every role, 1 of 20 seeds drawn from the standard library got verified; most
stdlib code prints, parses ``sys.argv``, opens files or sockets, or leans on module globals, and the problems the
questioner makes from it cannot be checked by unit tests. SelfCodeAlign (Wei et al., 2024) filters its seeds
hard for the same reason: self-contained functions with inputs and a return value, no risky imports. Every check
here is one named reason, so a harvest can report what it dropped and why, and a user who wants the raw seeds
turns the quality checks off (the size bounds and stub check stay: they define what a harvested seed is).

The checks read the snippet alone, exactly as the questioner will see it: a name it uses but neither defines,
imports nor gets from ``builtins`` is a module global it depends on (scopes resolved by Python's own
``symtable``), so a snippet that calls ``re.match`` without importing ``re`` is not self-contained. The harvest
first carries the module's own top-level imports into the snippet where that is sound (``seed_imports``); the
import lines then go through these checks like any other (a carried ``import socket`` is ``network``).
"""

from __future__ import annotations

import ast
import builtins
import symtable
import textwrap
from typing import Literal

RejectionReason = Literal[
    "does_not_parse",
    "too_short",
    "too_long",
    "stub",
    "private",
    "gui",
    "network",
    "subprocess",
    "argparse",
    "uses_io",
    "depends_on_module_globals",
    "no_parameters",
    "no_return",
    "returns_its_input",
    "takes_objects",
    "abstract",
    "mixin",
]
# Checked and reported in this order: a dropped seed is counted under its first reason.
REASONS: tuple[RejectionReason, ...] = RejectionReason.__args__  # type: ignore[attr-defined]

# Module roots whose use makes the task about the outside world rather than a value computed from inputs.
_MODULES: dict[RejectionReason, frozenset[str]] = {
    "gui": frozenset({"tkinter", "turtle", "curses", "idlelib", "turtledemo"}),
    "network": frozenset(
        {"socket", "urllib", "http", "requests", "httpx", "ftplib", "smtplib", "poplib", "imaplib", "ssl"}
        | {"socketserver", "xmlrpc", "asyncio", "selectors", "webbrowser"}
    ),
    "subprocess": frozenset({"subprocess", "pty", "multiprocessing"}),
    "argparse": frozenset({"argparse", "optparse", "getopt"}),
}
_OS_PROCESS_CALLS = frozenset({"system", "popen", "fork", "forkpty", "kill", "startfile"})
_OS_PROCESS_PREFIXES = ("exec", "spawn")
_IO_CALLS = frozenset({"print", "input", "open", "breakpoint"})
_SYS_STREAMS = frozenset({"stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__"})
# Modules whose every use reads or changes the machine: files and directories, shared libraries, OS handles.
_IO_MODULES = frozenset({"ctypes", "shutil", "glob", "tempfile", "mmap", "fcntl", "winreg", "msvcrt", "_winapi"})
# ``os`` / ``os.path`` functions that ask the file system or the environment (``os.path.join`` and its other
# string functions stay pure).
_OS_IO = frozenset(
    {"listdir", "scandir", "walk", "stat", "lstat", "remove", "unlink", "rmdir", "mkdir", "makedirs", "rename"}
    | {"replace", "chdir", "getcwd", "environ", "getenv", "putenv", "access", "chmod", "chown", "readlink", "open"}
    | {"symlink", "link", "utime", "truncate", "removedirs", "fwalk", "get_terminal_size", "urandom"}
)
_OS_PATH_IO = frozenset(
    {"exists", "lexists", "isfile", "isdir", "islink", "ismount", "getsize", "getmtime", "getatime", "getctime"}
    | {"realpath", "abspath", "expanduser", "expandvars", "samefile"}
)
_BUILTIN_NAMES = frozenset(dir(builtins)) | {"__class__"}
# Attributes of the values a test can write as literals (and of their types' instances): reading any other attribute
# of a parameter means it takes an object of some other protocol (``_takes_objects``).
_VALUE_ATTRIBUTES = frozenset(
    name
    for kind in (str, bytes, bytearray, list, tuple, dict, set, frozenset, int, float, complex, bool, type(None))
    for name in dir(kind)
)
_Definition = ast.FunctionDef | ast.AsyncFunctionDef
_Scope = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda


def rejection_reasons(
    snippet: str, *, min_lines: int = 5, max_lines: int = 40, quality: bool = True
) -> list[RejectionReason]:
    """Why ``snippet`` makes a poor seed, in ``REASONS`` order; empty when it is kept.

    The shape checks (parses, size bounds, not a stub) come first and, when one fails, are all that is reported;
    otherwise every quality reason is listed. ``quality=False`` keeps only the shape checks: the seed taken as is.
    """
    code = textwrap.dedent(snippet)
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        return ["does_not_parse"]
    definitions = [node for node in tree.body if isinstance(node, _Definition | ast.ClassDef)]
    size = _definition_lines(definitions) or len(snippet.strip("\n").splitlines())
    reasons: list[RejectionReason] = []
    if size < min_lines:
        reasons.append("too_short")
    if size > max_lines:
        reasons.append("too_long")
    if definitions and all(_is_stub(node) for node in definitions):
        reasons.append("stub")
    if reasons or not quality:
        return reasons  # the quality checks judge well-shaped snippets only (and are the costly part)
    return _quality_reasons(tree, code, definitions)


def _definition_lines(definitions: list[_Definition | ast.ClassDef]) -> int:
    """Lines from the first definition (its decorators included) to the end of the last; 0 when there is none.

    The size bounds measure the function or class itself: the imports a harvest carries in front of it
    (``seed_imports``) are not counted, so a carried ``import re`` neither lifts a 4-line function over
    ``min_lines`` nor pushes a 40-line one over ``max_lines``: a definition is in or out of the bounds the same
    way with the quality filters (which carry imports) as with ``--no-filter`` (which takes it as written).
    """
    if not definitions:
        return 0
    start = min(min([node.lineno] + [d.lineno for d in node.decorator_list]) for node in definitions)
    return max(node.end_lineno or node.lineno for node in definitions) - start + 1


def _quality_reasons(
    tree: ast.Module, code: str, definitions: list[_Definition | ast.ClassDef]
) -> list[RejectionReason]:
    reasons: list[RejectionReason] = []
    if definitions and all(_is_private(node) for node in definitions):
        reasons.append("private")
    roots = _used_module_roots(tree)
    reasons.extend(reason for reason, modules in _MODULES.items() if roots & modules)
    if "subprocess" not in reasons and _calls_os_process(tree):
        reasons.append("subprocess")
    if "argparse" not in reasons and _uses_sys_attribute(tree, {"argv"}):
        reasons.append("argparse")
    if _does_io(tree):
        reasons.append("uses_io")
    if free_names(code):
        reasons.append("depends_on_module_globals")
    callables = [node for node in definitions if not _is_private(node)] or definitions
    if callables and not any(_takes_inputs(node) for node in callables):
        reasons.append("no_parameters")
    if callables and not any(_returns_value(node) for node in callables):
        reasons.append("no_return")
    elif callables and all(_passes_through(node) for node in callables if _returns_value(node)):
        reasons.append("returns_its_input")
    if callables and all(_takes_objects(node) for node in callables):
        reasons.append("takes_objects")
    if any(_is_abstract(node) for node in callables):
        reasons.append("abstract")
    if any(_is_mixin(node) for node in callables):
        reasons.append("mixin")
    return sorted(reasons, key=REASONS.index)


def free_names(code: str) -> set[str]:
    """Names ``code`` reads (or declares ``global``) that it neither binds nor imports and that are not builtins."""
    top = symtable.symtable(code, "<seed>", "exec")
    bound = {symbol.get_name() for symbol in top.get_symbols() if symbol.is_assigned() or symbol.is_imported()}
    free: set[str] = set()
    tables = [top]
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        free.update(
            symbol.get_name()
            for symbol in table.get_symbols()
            if (symbol.is_referenced() and symbol.is_global() and not symbol.is_assigned())
            or symbol.is_declared_global()
        )
    return free - bound - _BUILTIN_NAMES


def _is_private(node: _Definition | ast.ClassDef) -> bool:
    """A ``_name`` (private, or a dunder at top level) or a class whose every method is private or a dunder."""
    if node.name.startswith("_"):
        return True
    if isinstance(node, ast.ClassDef):
        methods = [item for item in node.body if isinstance(item, _Definition)]
        return bool(methods) and all(method.name.startswith("_") for method in methods)
    return False


def _is_abstract(node: _Definition | ast.ClassDef) -> bool:
    """A class to subclass: a public method (or ``__init__``) that raises ``NotImplementedError`` or is an
    ``@abstractmethod``. The seed cannot run what such a problem asks for, so nothing checks it: codecs'
    ``IncrementalEncoder``, whose ``encode`` raises, became an "incremental encoder" no 0.5B round could pass."""
    if not isinstance(node, ast.ClassDef):
        return False
    for method in node.body:
        if not isinstance(method, _Definition) or (method.name.startswith("_") and method.name != "__init__"):
            continue
        if any(_dotted(d).rpartition(".")[2] == "abstractmethod" for d in method.decorator_list):
            return True
        for stmt in ast.walk(method):
            if isinstance(stmt, ast.Raise) and stmt.exc is not None:
                raised = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
                if _dotted(raised) == "NotImplementedError":
                    return True
    return False


def _is_mixin(node: _Definition | ast.ClassDef) -> bool:
    """A class without bases that needs another class to work: it reads ``self.<name>`` that nothing in it defines or
    assigns, or calls a ``super()`` method that ``object`` lacks. email's ``ContentTransferEncodingHeader`` (reads
    ``self._parse_tree``, calls ``super().init``) became a problem no 0.5B round could even write tests for. A class
    that sets attributes by name (``setattr``, ``__dict__``) is given the benefit of the doubt."""
    if not isinstance(node, ast.ClassDef) or any(_dotted(base) != "object" for base in node.bases):
        return False
    provided = set(dir(object))
    for item in node.body:
        if isinstance(item, _Definition | ast.ClassDef):
            provided.add(item.name)
        elif isinstance(item, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = item.targets if isinstance(item, ast.Assign) else [item.target]
            provided.update(sub.id for target in targets for sub in ast.walk(target) if isinstance(sub, ast.Name))
    read: set[str] = set()
    for sub in ast.walk(node):
        if _dotted(sub) == "setattr" or (isinstance(sub, ast.Attribute) and sub.attr == "__dict__"):
            return False
        if not isinstance(sub, ast.Attribute):
            continue
        owner = sub.value
        if isinstance(owner, ast.Call) and _dotted(owner.func) == "super" and not hasattr(object, sub.attr):
            return True
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            (read if isinstance(sub.ctx, ast.Load) else provided).add(sub.attr)
    return bool(read - provided)


def _takes_inputs(node: _Definition | ast.ClassDef) -> bool:
    """A function with a parameter, or a class whose ``__init__`` or a public method takes one besides ``self``."""
    if isinstance(node, ast.ClassDef):
        methods = [item for item in node.body if isinstance(item, _Definition)]
        return any(_parameter_count(m) > 1 for m in methods if m.name == "__init__" or not m.name.startswith("_"))
    return _parameter_count(node) > 0


def _parameter_count(node: _Definition) -> int:
    args = node.args
    return len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs) + bool(args.vararg) + bool(args.kwarg)


def _returns_value(node: _Definition | ast.ClassDef) -> bool:
    """A ``return <value>`` or ``yield`` in the function's own body; for a class, in any method but ``__init__``."""
    if isinstance(node, ast.ClassDef):
        return any(
            _returns_value(item) for item in node.body if isinstance(item, _Definition) and item.name != "__init__"
        )
    return any(
        (isinstance(inner, ast.Return) and inner.value is not None) or isinstance(inner, ast.Yield | ast.YieldFrom)
        for inner in own_nodes(node)
    )


def _takes_objects(node: _Definition | ast.ClassDef, *, method: bool = False) -> bool:
    """A function that reads an attribute of a parameter that no built-in value has (``frame.f_lineno``,
    ``code.co_lines()``, ``compiler.library_dir_option(d)``, ``msg.get_payload()``): its inputs are objects of some
    library's protocol, which no test can build from literals. The 0.5B's problems and tests for such seeds (bdb's
    ``checkfuncname(b, frame)``, dis's ``findlinestarts(code)``, distutils' ``gen_lib_options(compiler, ...)``) passed
    strings and numbers in their place, and were refused or failed every round (session 15's draw: 4 of its first 9
    seeds). A method of a class: the same, ``self`` and ``cls`` aside; a class: when every public method does. A
    top-level function's ``self`` is a parameter like any other: enum's ``global_str(self)`` reads ``self._name_``,
    and the 0.5B's problem for it was a made-up one its seed could not check, verified all the same (session 16).
    A local taken out of a parameter (``_taken_from``) counts as the parameter: lib2to3's ``generate_matches(patterns,
    nodes)`` calls ``p.generate_matches(nodes)`` on ``p = patterns[0]``, and the 0.5B's problem for it compared
    strings (session 17)."""
    if isinstance(node, ast.ClassDef):
        methods = [m for m in node.body if isinstance(m, _Definition) and not m.name.startswith("_")]
        return bool(methods) and all(_takes_objects(m, method=True) for m in methods)
    args = node.args
    names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]} - ({"self", "cls"} if method else set())
    names = _taken_from(node, names)
    return any(
        isinstance(item, ast.Attribute)
        and isinstance(item.value, ast.Name)
        and item.value.id in names
        and isinstance(item.ctx, ast.Load)  # a decorator marking its input (``f.__isabstract__ = True``) reads nothing
        and item.attr not in _VALUE_ATTRIBUTES
        for item in ast.walk(node)
    )


# Calls that give the items of their argument back, one by one or in another order: what they yield is of its items.
_ITEM_CALLS = frozenset({"enumerate", "reversed", "sorted", "list", "tuple", "iter", "zip"})


def _taken_from(node: _Definition, names: set[str]) -> set[str]:
    """``names`` and every local bound from one of them: by plain assignment or unpacking (``p, rest = patterns[0],
    patterns[1:]``) or as a ``for`` target, from the name itself, an item or slice of it, or an ``_ITEM_CALLS`` call on
    it; repeated until nothing is added, so that an item of an item counts too. Such a local holds what the caller
    passed (or part of it), and reading a protocol's attribute on it says the caller passed objects."""
    taken = set(names)

    def of_input(value: ast.expr) -> bool:
        if isinstance(value, ast.Name):
            return value.id in taken
        if isinstance(value, ast.Subscript | ast.Starred):
            return of_input(value.value)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _ITEM_CALLS:
            return any(of_input(argument) for argument in value.args)
        return False

    def bound(target: ast.expr, value: ast.expr) -> set[str]:
        if isinstance(target, ast.Tuple | ast.List) and isinstance(value, ast.Tuple | ast.List):
            if len(target.elts) == len(value.elts):
                return set().union(*(bound(t, v) for t, v in zip(target.elts, value.elts, strict=True)))
        if not of_input(value):
            return set()
        return {name.id for name in ast.walk(target) if isinstance(name, ast.Name)}

    body = own_nodes(node)
    pairs = [(target, item.value) for item in body if isinstance(item, ast.Assign) for target in item.targets]
    pairs += [(item.target, item.iter) for item in body if isinstance(item, ast.For | ast.AsyncFor)]
    while True:
        grown = taken.union(*(bound(target, value) for target, value in pairs))
        if grown == taken:
            return taken
        taken = grown


def _passes_through(node: _Definition | ast.ClassDef) -> bool:
    """Whether the function gives back an input untouched: every ``return <value>`` returns one and the same
    parameter, which the body never rebinds, changes by item or passes to a call (which may change it), and it
    neither yields nor raises (a validator that returns its input or raises has a behaviour to test); setting an
    attribute on it, as a decorator marks a function, changes nothing a value shows. For a class: every method but
    ``__init__`` and the ``__repr__``/``__str__`` display that returns a value does so, or returns an attribute of the
    instance that every method stores a parameter in untouched (``_stored``): a class that keeps what it is given and
    hands it back (multiprocessing's ``Value``: the 0.5B's, drawn in sessions 17 and 18, invented ``get``/``set`` and
    ``__eq__``, which no seed check can compare).

    Why a reason: such a function computes nothing to test. Tests of one that returns its first argument cannot
    tell it from that stand-in and are refused whatever they are (``agents/stand_ins``), and the questioner, shown a
    pass-through, invents a problem the seed cannot check (configparser's dummy ``Interpolation`` became an
    ``interpolate(value)`` whose tests the 1.5B then made sort lists; ``abc.abstractmethod`` a temperature converter).
    """
    if isinstance(node, ast.ClassDef):
        methods = [m for m in node.body if isinstance(m, _Definition)]
        returning = [m for m in methods if m.name not in _NOT_RETURNING and _returns_value(m)]
        stored = _stored(methods)
        return bool(returning) and all(_passes_through(m) or _returns_attributes(m, stored) for m in returning)
    own = own_nodes(node)
    if any(isinstance(inner, ast.Yield | ast.YieldFrom | ast.Raise) for inner in own):
        return False
    returned = {
        inner.value.id if isinstance(inner.value, ast.Name) else None
        for inner in own
        if isinstance(inner, ast.Return) and inner.value is not None
    }
    args = node.args
    parameters = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    if len(returned) != 1 or not returned <= parameters:
        return False
    (name,) = returned
    return not any(_may_change(inner, name) for inner in own)


# A class's display, and with construction the methods whose value says nothing of what a class computes.
_DISPLAY = frozenset({"__repr__", "__str__"})
_NOT_RETURNING = _DISPLAY | {"__init__"}


def _stored(methods: list[_Definition]) -> set[str]:
    """The attributes of the instance (``self.<name>``) used only to keep a value: assigned somewhere, every store
    assigns a parameter of its method as it came, and every read outside the display is a method's whole ``return``
    value."""
    plain: dict[str, bool] = {}
    assigned: set[str] = set()
    for method in methods:
        if not method.args.args:
            continue
        instance = method.args.args[0].arg
        parameters = {a.arg for a in (*method.args.posonlyargs, *method.args.args[1:], *method.args.kwonlyargs)}
        kept = set()
        for inner in own_nodes(method):
            if isinstance(inner, ast.Assign) and len(inner.targets) == 1:
                if isinstance(inner.value, ast.Name) and inner.value.id in parameters:
                    kept.add(id(inner.targets[0]))
            elif isinstance(inner, ast.Return) and inner.value is not None:
                kept.add(id(inner.value))
        for inner in own_nodes(method):
            if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name) and inner.value.id == instance:
                shown = method.name in _DISPLAY and isinstance(inner.ctx, ast.Load)
                plain[inner.attr] = plain.get(inner.attr, True) and (id(inner) in kept or shown)
                if isinstance(inner.ctx, ast.Store):
                    assigned.add(inner.attr)
    return {name for name, only_kept in plain.items() if only_kept and name in assigned}


def _returns_attributes(method: _Definition, stored: set[str]) -> bool:
    """Whether every ``return`` of the method gives back one of the instance's ``stored`` attributes, and it neither
    yields nor raises."""
    own = own_nodes(method)
    if not method.args.args or any(isinstance(inner, ast.Yield | ast.YieldFrom | ast.Raise) for inner in own):
        return False
    instance = method.args.args[0].arg
    returned = [inner.value for inner in own if isinstance(inner, ast.Return)]
    return bool(returned) and all(
        isinstance(value, ast.Attribute)
        and isinstance(value.value, ast.Name)
        and value.value.id == instance
        and value.attr in stored
        for value in returned
    )


def _may_change(node: ast.AST, name: str) -> bool:
    """``node`` rebinds ``name``, stores an item of it, calls a method of it or passes it to a call."""
    if isinstance(node, ast.Name):
        return node.id == name and not isinstance(node.ctx, ast.Load)
    if isinstance(node, ast.Subscript):
        return isinstance(node.value, ast.Name) and node.value.id == name and not isinstance(node.ctx, ast.Load)
    if isinstance(node, ast.Call):
        method = isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
        passed = [*node.args, *(keyword.value for keyword in node.keywords)]
        return (method and node.func.value.id == name) or any(  # type: ignore[union-attr]
            isinstance(argument, ast.Name) and argument.id == name for argument in passed
        )
    return False


def own_nodes(node: _Definition | ast.Module) -> list[ast.AST]:
    """The nodes of a function's (or module's) body, not those of the functions, classes and lambdas nested in it."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(node.body)
    while pending:
        current = pending.pop()
        found.append(current)
        if not isinstance(current, _Scope):
            pending.extend(ast.iter_child_nodes(current))
    return found


def _used_module_roots(tree: ast.Module) -> set[str]:
    """Top-level package names the snippet imports or reads as a name (``socket.socket``, ``import http.client``)."""
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Name):
            roots.add(node.id)
    return roots


def _calls_os_process(tree: ast.Module) -> bool:
    """``os.system``, ``os.popen``, ``os.exec*``, ``os.spawn*``, ``os.fork``, ``os.kill``: running other programs."""
    return any(
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
        and (node.attr in _OS_PROCESS_CALLS or node.attr.startswith(_OS_PROCESS_PREFIXES))
        for node in ast.walk(tree)
    )


def _uses_sys_attribute(tree: ast.Module, attributes: set[str] | frozenset[str]) -> bool:
    return any(
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
        and node.attr in attributes
        for node in ast.walk(tree)
    )


def _does_io(tree: ast.Module) -> bool:
    """Calls ``print``/``input``/``open``, touches a stream (``sys.stdout``, a process's ``p.stdout``), the file
    system, the environment or a shared library (``_IO_MODULES``, ``os.listdir``, ``os.path.exists``, ...): a
    result a test cannot compare as a value computed from the inputs (SelfCodeAlign's filter is as blunt: any use
    counts). Seen in yield runs: ``ctypes.CDLL(name)`` became "load example.dll", ``p.stdout`` a ``subprocess``
    test."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _IO_CALLS:
            return True
        if isinstance(node, ast.Attribute) and node.attr in _SYS_STREAMS:
            return True
        if isinstance(node, ast.Attribute) and _dotted(node.value) == "os" and node.attr in _OS_IO:
            return True
        if isinstance(node, ast.Attribute) and _dotted(node.value) == "os.path" and node.attr in _OS_PATH_IO:
            return True
    return bool(_used_module_roots(tree) & _IO_MODULES)


def _dotted(node: ast.expr) -> str:
    """``os.path`` for the expression ``os.path``; "" for anything but names joined by dots."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else ""
    return ""


def _is_stub(node: _Definition | ast.ClassDef) -> bool:
    """A body that is only a docstring, ``pass``, ``...`` or (for a function) ``raise NotImplementedError``."""
    body = list(node.body)
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    trivial = (ast.Pass, ast.Raise) if not isinstance(node, ast.ClassDef) else (ast.Pass,)
    return all(
        isinstance(stmt, trivial) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
        for stmt in body
    )
