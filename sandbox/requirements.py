"""Setup lines are package installs, nothing else: the one parser from a line to pip requirement specifiers.

AutoCoder's interpreter runs the programmer's ``pip install ...`` lines before the code, with network access.
A line is therefore never handed to a shell: it is parsed here into requirement specifiers (each validated with
``packaging``), and both engines install exactly those. Anything else - another command, a shell operator
(``pip install x && curl ...``, ``;``, ``|``, backticks, ``$(...)``, a redirection), an option that points pip
elsewhere (``-r``, ``-e``, ``--index-url``) - is refused with an error naming the line. The local engine keys a
cached virtualenv on the requirement set, so the same packages are installed once per machine.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from typing import NamedTuple

from packaging.requirements import InvalidRequirement, Requirement

_PIP_PREFIXES = (
    ("pip", "install"), ("pip3", "install"), ("python", "-m", "pip", "install"), ("python3", "-m", "pip", "install")
)  # fmt: skip
# Options that only narrow or steer what gets installed from the usual index: passed on to pip.
PASSED_OPTIONS = frozenset({"-U", "--upgrade", "--pre", "--no-index", "--no-deps"})
# Options about output, caches and where pip puts things, which each engine decides itself: accepted and dropped.
DROPPED_OPTIONS = frozenset({
    "-q", "-qq", "-qqq", "--quiet", "-v", "--verbose", "--user", "--no-cache-dir", "--disable-pip-version-check",
    "--no-warn-script-location", "--break-system-packages",
})  # fmt: skip
# Shell syntax a setup line may not carry, even quoted: no requirement specifier needs it.
_SHELL_OPERATOR = re.compile(r"&&|\|\||[;&|`\n\r]|\$\(|\$\{|\$")
_REDIRECTION = re.compile(r"^(\d*|&)(>>?|<<?|>&|<&)")


class PipInstall(NamedTuple):
    requirements: list[str]  # specifiers, each valid for ``packaging``
    options: list[str]  # the ``PASSED_OPTIONS`` the line gave

    @property
    def args(self) -> list[str]:
        """What follows ``pip install`` when an engine runs it."""
        return [*self.options, *self.requirements]


class SetupLineError(ValueError):
    """A setup line that is not a plain ``pip install`` of requirement specifiers; the message names the line."""

    def __init__(self, line: str, reason: str) -> None:
        super().__init__(
            f"setup line {line!r} refused: {reason}; a setup line is `pip install` with requirement specifiers"
        )
        self.line = line
        self.reason = reason


def parse_install(line: str) -> PipInstall:
    """The requirement specifiers and options of a ``pip install`` line (``!pip install ...`` and
    ``$ pip install ...`` too).

    Raises ``SetupLineError`` for anything else: the line is never run by a shell, so what a shell would make of
    it is refused rather than guessed. A specifier such as ``numpy>=1.24`` may stand unquoted: it is parsed here.
    """
    text = line.strip().removeprefix("!").removeprefix("$").strip()  # a notebook's ``!``, a shell prompt's ``$``
    operator = _SHELL_OPERATOR.search(text)
    if operator:
        raise SetupLineError(line, f"shell syntax {operator.group()!r} is not allowed")
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise SetupLineError(line, f"it does not parse ({error})") from None
    prefix = next((p for p in _PIP_PREFIXES if tuple(words[: len(p)]) == p), None)
    if prefix is None:
        raise SetupLineError(line, "only package installs run before the program")
    requirements, options = [], []
    for word in words[len(prefix) :]:
        if _REDIRECTION.match(word):
            raise SetupLineError(line, f"the redirection {word!r} is not allowed")
        if word.startswith("-"):
            if word not in PASSED_OPTIONS | DROPPED_OPTIONS:
                raise SetupLineError(line, f"the option {word!r} is not allowed")
            if word in PASSED_OPTIONS and word not in options:
                options.append(word)
            continue
        try:
            Requirement(word)
        except InvalidRequirement as error:
            reason = str(error).splitlines()[0]
            raise SetupLineError(line, f"{word!r} is not a requirement specifier ({reason})") from None
        requirements.append(word)
    if not requirements:
        raise SetupLineError(line, "it names no package")
    return PipInstall(requirements, options)


def is_install(line: str) -> bool:
    """Whether ``parse_install`` accepts the line."""
    try:
        parse_install(line)
    except SetupLineError:
        return False
    return True


def with_setup(base: list[str], extra: list[str]) -> list[str]:
    """``base`` setup lines (a task's environment), then the ``extra`` ones (an answer's installs) not already in it."""
    return [*base, *(line for line in extra if line not in base)]


def requirement_key(args: list[str]) -> str:
    """A stable key for a set of ``pip install`` arguments (requirements and options), independent of order and case."""
    canonical = "\n".join(sorted({a.strip().lower() for a in args if a.strip()}))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
