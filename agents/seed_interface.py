"""The seed's interface spelled out for the questioner: the signatures its problem must keep.

Everything the seed can check (the problem's examples, the tests, the seed's own cases: ``graphs/reference_check``)
needs the problem's function to keep the seed's name and parameters. The questioner prompt asks for that in words,
and the 1.5B still reshaped the function in 3 of the 4 verified samples of a draw (``bisect_left(a, x, lo=0,
hi=None, *, key=None)`` became ``binary_search(a, x)``, a decorator seed became an unrelated filter): verified
samples that nothing known-correct had checked. Small models follow code they are shown better than rules they are
told, so the questioner's request ends with the seed's signatures as stubs, the last thing it reads before it
answers; a problem that still states none gets the seed's (``graphs/aiev_instruct.check_examples``).
"""

from __future__ import annotations

import ast
import copy

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_ELLIPSIS = ast.Expr(ast.Constant(...))


def signatures(snippet: str) -> str:
    """Stubs of the seed's public top-level functions and classes (a class keeps its bases, ``__init__`` and public
    methods), bodies as ``...``; decorators kept (they shape the interface), docstrings dropped. Private definitions
    count only when the seed has no public one. "" when the snippet does not parse or defines nothing."""
    definitions = _definitions(snippet)
    public = [node for node in definitions if not node.name.startswith("_")] or definitions
    return "\n\n".join(_stub(node) for node in public)


def signature(snippet: str, name: str) -> str:
    """The stub of the seed's top-level function or class ``name`` (as ``signatures`` writes it); "" when the seed
    defines none of that name."""
    return next((_stub(node) for node in _definitions(snippet) if node.name == name), "")


def _definitions(snippet: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    try:
        body = ast.parse(snippet).body
    except (SyntaxError, ValueError):
        return []
    return [node for node in body if isinstance(node, (*_FUNCTIONS, ast.ClassDef))]


def _stub(node: ast.stmt) -> str:
    stub = copy.copy(node)  # the seed's own nodes stay whole
    if isinstance(node, ast.ClassDef):
        methods = [
            _stub_node(member)
            for member in node.body
            if isinstance(member, _FUNCTIONS) and (member.name == "__init__" or not member.name.startswith("_"))
        ]
        stub.body = methods or [_ELLIPSIS]
        return ast.unparse(stub)
    return ast.unparse(_stub_node(node))


def _stub_node(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
    stub = copy.copy(node)
    stub.body = [_ELLIPSIS]
    return stub
