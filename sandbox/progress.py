"""How far a failing program got through its tests, read from the traceback.

The tests run appended to the program (``ExecRequest.program_source``) and stop at the first failure, so the
line of the tests that was running when the program died tells how much of them passed before: the asserts
above it did. Callers that keep several attempts at the same tests (CoderGen, when no attempt passes) use it
to return the attempt that got furthest rather than simply the last one.
"""

from __future__ import annotations

import re

from .types import ExecRequest, ExecResult

_FRAME = re.compile(r'^\s*File "(?P<path>[^"]*)", line (?P<line>\d+), in ', re.MULTILINE)


def line_of_tests_reached(request: ExecRequest, result: ExecResult) -> int:
    """The 1-based line of the tests that was running when the program failed; 0 when the tests never ran
    (a crash or syntax error in the code, a timeout, a failed setup) or the traceback is missing.

    A passed run reached past the last line of the tests. The deepest frame of the entry point that lies in
    the tests counts: with ``def check(candidate): assert ...`` followed by ``check(f)`` it is the assert,
    not the call.
    """
    if not request.tests:
        return 0
    first = request.tests_first_line()
    if result.passed:
        return len(request.tests.strip().splitlines()) + 1
    reached = 0
    for frame in _FRAME.finditer(result.stderr):
        line = int(frame["line"])
        if _names_entrypoint(frame["path"], request.entrypoint) and line >= first:
            reached = line - first + 1
    return reached


def _names_entrypoint(path: str, entrypoint: str) -> bool:
    return path.replace("\\", "/").endswith("/" + entrypoint) or path == entrypoint
