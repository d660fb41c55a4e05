"""The optional parameters of a verified function that its tests never pass: what the verification says nothing about.

``make demo`` verified the 0.5B's ``b64encode(s, altchars=None)`` (session 17): its code replaced NUL bytes by
``altchars`` where the seed translates ``+`` and ``/`` into them, and no test passed ``altchars``. The tests passed
against the seed and the seed gate found nothing, since every check compares the solution with the seed on the calls
the tests make, and none of those calls passes the parameter. No check can say which value such a call should get
without a value to call it with; the sample can say that it was never checked. A verified sample's record lists them
(``unexercised_parameters``), the run's statistics count the samples that have any, and a user can filter on it.

A parameter is exercised when some call of the function in the tests passes it: by keyword, by position (enough
positional arguments), or through ``*args`` / ``**kwargs`` unpacking (read as passing everything). Only the entry
point's top-level function is read; a class, or a solution that does not parse, has none listed.
"""

from __future__ import annotations

import ast


def unexercised_parameters(solution: str, tests: str, entry_point: str | None) -> list[str]:
    """The parameters with a default value of ``entry_point`` in ``solution`` that no call in ``tests`` passes, in
    signature order; none when the function or the tests cannot be read."""
    try:
        function = _function(ast.parse(solution), entry_point) if entry_point else None
        tree = ast.parse(tests)
    except (SyntaxError, ValueError):
        return []
    if function is None:
        return []
    args = function.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    optional = positional[len(positional) - len(args.defaults) :]
    optional += [a.arg for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True) if default is not None]
    passed: set[str] = set()
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == entry_point):
            continue
        if any(isinstance(arg, ast.Starred) for arg in call.args) or any(kw.arg is None for kw in call.keywords):
            return []  # unpacked arguments: anything may be passed
        passed.update(positional[: len(call.args)])
        passed.update(kw.arg for kw in call.keywords if kw.arg)
    return [name for name in optional if name not in passed]


def _function(module: ast.Module, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The last top-level definition of ``name`` (the one a run calls), when it is a function."""
    found = None
    for node in module.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            found = node
    return found if isinstance(found, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
