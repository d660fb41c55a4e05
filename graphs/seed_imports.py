"""The module imports a harvested definition reads, carried into its seed so that the seed is self-contained.

Why: most standard-library functions use a module imported at the top of their file (``re``, ``os``), so judged
alone 1,626 of 5,887 stdlib definitions read a name they do not bind and were dropped as module-global dependent.
An import is not module state: prepending the very statements the module runs makes the snippet behave as it does
in its module, so the seed shows its imports as a self-contained function does. This is done only where it is
sound: every free name of the snippet is bound by a plain top-level ``import`` / ``from ... import`` of an
importable module (standard library or found by the harvesting interpreter), not relative, and not bound any
other way in the module (reassigned, imported conditionally in a ``try``/``if``, declared ``global``). A snippet
that reads any other module global (a constant, a helper, a class) is left as written and dropped by the filters.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import itertools
import symtable
import sys
from dataclasses import dataclass

from .seed_quality import free_names, own_nodes


@dataclass(frozen=True, order=True)
class CarriedImport:
    """One imported name as its module wrote it, ordered by where it stands in the module."""

    statement: int  # index of its statement in the module body
    position: int  # index of the name in that statement
    prefix: str  # "import " or "from <module> import "
    name: str  # as written: "a.b", "Counter as C"


# Bound name -> the top-level imports of the module that bind it.
ModuleImports = dict[str, list[CarriedImport]]


def module_imports(tree: ast.Module, source: str, filename: str) -> ModuleImports:
    """The names a snippet of this module may take with their imports (see the module docstring for which)."""
    rebound = _rebound_names(tree, source, filename)
    carried: ModuleImports = {}
    for index, statement in enumerate(tree.body):
        if isinstance(statement, ast.Import):
            prefix = "import "
        elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
            prefix = f"from {statement.module} import "
        else:
            continue  # not an import, or a relative one: the package around the snippet is not in a sandbox
        for position, alias in enumerate(statement.names):
            module = statement.module if isinstance(statement, ast.ImportFrom) else alias.name
            bound = alias.asname or alias.name.split(".")[0]
            if alias.name == "*" or bound in rebound or not _importable(str(module).split(".")[0]):
                continue
            written = f"{alias.name} as {alias.asname}" if alias.asname else alias.name
            carried.setdefault(bound, []).append(CarriedImport(index, position, prefix, written))
    return carried


def with_module_imports(snippet: str, imports: ModuleImports) -> str:
    """``snippet`` headed by the imports of the names it reads, when they cover every free name; else as written.

    Statements keep the module's order and spelling (``import a.b``, ``as`` aliases) with only the names the
    snippet uses.
    """
    if not imports:
        return snippet
    try:
        names = free_names(snippet)
    except (SyntaxError, ValueError, RecursionError):
        return snippet
    if not names or not names <= imports.keys():
        return snippet
    chosen = sorted({carried for name in names for carried in imports[name]})
    header = [
        group[0].prefix + ", ".join(carried.name for carried in group)
        for group in (list(items) for _, items in itertools.groupby(chosen, key=lambda carried: carried.statement))
    ]
    return "\n".join(header) + "\n\n\n" + snippet


def _rebound_names(tree: ast.Module, source: str, filename: str) -> set[str]:
    """Module names bound other than by a plain top-level import: which binding a function sees is not static."""
    table = symtable.symtable(source, filename, "exec")
    rebound = {symbol.get_name() for symbol in table.get_symbols() if symbol.is_assigned()}
    pending = list(table.get_children())
    while pending:
        child = pending.pop()
        pending.extend(child.get_children())
        rebound.update(symbol.get_name() for symbol in child.get_symbols() if symbol.is_declared_global())
    top_level = {id(statement) for statement in tree.body}
    nested = (
        node for node in own_nodes(tree) if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top_level
    )
    rebound.update(alias.asname or alias.name.split(".")[0] for node in nested for alias in node.names)
    return rebound


@functools.cache
def _importable(root: str) -> bool:
    """A standard-library module, or one the harvesting interpreter finds (located, not executed)."""
    if root in sys.stdlib_module_names:
        return True
    try:
        return importlib.util.find_spec(root) is not None
    except (ImportError, ValueError):
        return False
