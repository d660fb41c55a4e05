"""Which setup lines are package installs.

AutoCoder's interpreter runs the programmer's ``pip install ...`` lines before the code. Both engines need to know
the requested requirement set: the local engine keys a cached virtualenv on it, so the same packages are installed
once per machine rather than once per program.
"""

from __future__ import annotations

import hashlib
import shlex

_PIP_PREFIXES = (("pip", "install"), ("pip3", "install"), ("python", "-m", "pip", "install"), ("python3", "-m", "pip", "install"))


def pip_requirements(line: str) -> list[str] | None:
    """The requirement specifiers of a ``pip install`` line, or None when the line is something else.

    Options (``-q``, ``--upgrade``, ...) are dropped; lines with options that take a value we cannot reason about
    (``-r file``, ``-e path``, ``--index-url``) are not treated as plain installs.
    """
    try:
        words = shlex.split(line.strip().removeprefix("!"))
    except ValueError:
        return None
    for prefix in _PIP_PREFIXES:
        if tuple(words[: len(prefix)]) == prefix:
            args = words[len(prefix) :]
            if any(a in {"-r", "--requirement", "-e", "--editable", "-i", "--index-url", "--extra-index-url"} for a in args):
                return None
            return [a for a in args if not a.startswith("-")]
    return None


def with_setup(base: list[str], extra: list[str]) -> list[str]:
    """``base`` setup lines (a task's environment), then the ``extra`` ones (an answer's installs) not already in it."""
    return [*base, *(line for line in extra if line not in base)]


def requirement_key(requirements: list[str]) -> str:
    """A stable key for a set of requirements, independent of order and case."""
    canonical = "\n".join(sorted({r.strip().lower() for r in requirements if r.strip()}))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
