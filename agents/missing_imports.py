"""Standard-library imports a reply's code uses and does not write, put into the reply.

Small models forget imports, and a round lost to ``NameError: name 'types' is not defined`` teaches nothing about
the task: in session 23's 1.5B draw, 5 of 30 dialogues hit one (``codecs``, ``types``, ``Tuple``, ``TestCase``,
``ModuleSpec``), and 4 of them ended out of rounds with it as their last error, the programmer or test writer never
adding the line. Evaluation harnesses solve the same slip by prepending a block of star imports to every program
(LiveCodeBench's ``from typing import *; from collections import *; ...``), which can shadow the program's own
names. Here only the names the code leaves undefined (pyflakes' scope analysis, the one Python linters use) are
imported, each from the one module it unambiguously comes from:

* a name used as ``name.attribute`` that is a public module of the standard library: ``import name``;
* a name from a short table of the commonly forgotten exports (typing's annotations, collections' containers,
  functools' helpers, ``dataclass``, ``Enum``, ``TestCase``): ``from module import name``. ``collections`` comes before
  ``typing``, whose ``Counter`` or ``OrderedDict`` cannot be instantiated.

Anything else stays undefined and fails as it would: a name that is the model's own mistake is for the feedback
loop to fix. The imports go into the reply itself, at the top of the block the code came from, so the transcript
and hence the training sample show the code that ran; when that block cannot be found in the reply's text, nothing
is added (the sample would otherwise show code that does not run).
"""

from __future__ import annotations

import ast
import re
import sys
import typing
from collections.abc import Collection, Sequence

from pyflakes import checker, messages

# Commonly forgotten exports, by module, in priority order (the first module that exports a name wins).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "collections": ("ChainMap", "Counter", "OrderedDict", "defaultdict", "deque", "namedtuple"),
    "functools": ("cache", "cached_property", "lru_cache", "partial", "reduce", "total_ordering", "wraps"),
    "dataclasses": ("dataclass",),
    "enum": ("Enum", "IntEnum"),
    "unittest": ("TestCase",),
    "typing": tuple(name for name in typing.__all__ if name[:1].isupper() or name in ("cast", "overload")),
}
_EXPORTER = {name: module for module, names in reversed(_EXPORTS.items()) for name in names}
_MODULES = frozenset(name for name in sys.stdlib_module_names if not name.startswith("_")) - {"this", "antigravity"}
_FUTURE = re.compile(r"(?:^from __future__ import [^\n]*\n)+")


def missing_imports(code: str, bound: Collection[str] = ()) -> list[str]:
    """The import lines ``code`` needs for the names it uses without defining them (see the module doc), one line
    per module, in module order; ``bound``: names defined elsewhere in the program (never imported over)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    undefined = {
        message.message_args[0]
        for message in checker.Checker(tree).messages
        if isinstance(message, messages.UndefinedName)
    } - set(bound)
    if not undefined:
        return []
    qualifiers = {
        node.value.id for node in ast.walk(tree) if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    }
    plain = sorted(name for name in undefined if name in qualifiers and name in _MODULES)
    taken: dict[str, list[str]] = {}
    for name in sorted(undefined - set(plain)):
        if name in _EXPORTER:
            taken.setdefault(_EXPORTER[name], []).append(name)
    return [f"import {name}" for name in plain] + [
        f"from {module} import {', '.join(names)}" for module, names in sorted(taken.items())
    ]


def with_imports(reply: str, blocks: Sequence[str], bound: Collection[str] = ()) -> str:
    """``reply`` with the imports missing from the code of ``blocks`` (its code blocks that run together, in order)
    put at the top of the first of them, after any ``from __future__`` lines; as is when none are missing or the first
    block is not in the reply's text."""
    if not blocks:
        return reply
    lines = missing_imports("\n\n".join(blocks), bound)
    at = reply.find(blocks[0])
    if not lines or at < 0:
        return reply
    if future := _FUTURE.match(blocks[0]):
        at += future.end()
    return reply[:at] + "\n".join(lines) + "\n" + reply[at:]
