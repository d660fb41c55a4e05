"""The interpreter's entry when a request has tests (stdlib only: both engines pass it to ``python3 -c`` as source).

Why it exists: a pass used to be an exit status, and a program can exit 0 without its tests ever finishing
(``sys.exit(0)`` or ``os._exit(0)`` at module level, an exit handler or ``sys.excepthook`` that ends the process
with status 0 after a failed assert). So the program (its source with the tests appended) runs under this runner,
which first reads a per-run random nonce from a private channel (an inherited fd it reads and closes) before any
program code exists, then runs ``main.py`` as ``__main__`` and writes the nonce to a dedicated verdict fd only
when the module - and therefore the tests' last statement - finished. The engine passes a run only with the
nonce and exit status 0 (``types.verdict``); anything that ends the process on the way is not a pass.

Every exception is caught here, ``SystemExit`` included: the traceback is printed (without this runner's frames,
so it names ``main.py`` lines as a plain ``python3 main.py`` run does; ``progress.py`` reads them) and the
process ends with ``os._exit``, so no excepthook or exit handler of the program can rewrite the status. One exit
counts as the tests' end: ``unittest.main()`` called by the tests themselves (not by the program above them)
after a successful run, since that is how unittest ends every run.

Usage: ``python3 -c SOURCE ENTRYPOINT FIRST_TEST_LINE NONCE_FD VERDICT_FD``; the program's stdin is its own.
"""

import os
import sys
import traceback
import types

# Bound before the program runs: a program that replaces os._exit or os.write changes nothing here.
from os import _exit, write

NONCE_BYTES = 32
# unittest's own main.py, located before the program could plant a fake ``unittest.main`` module.
UNITTEST_MAIN = os.path.join(os.path.dirname(os.__file__), "unittest", "main.py")


def main() -> None:
    entrypoint, first_test_line, nonce_fd, verdict_fd = (
        sys.argv[1],
        int(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]),
    )
    nonce = read_nonce(nonce_fd)
    path = os.path.abspath(entrypoint)
    sys.argv[:] = [entrypoint]
    sys.path[0] = os.path.dirname(path)  # as for ``python3 main.py``: the script's directory, not ''
    module = types.ModuleType("__main__")
    module.__file__ = path
    sys.modules["__main__"] = module  # pickle, unittest.main() and ``__name__`` checks find the program's module
    try:
        with open(path, "rb") as source:  # bytes: compile() honours a PEP 263 coding line, as the interpreter does
            code = compile(source.read(), path, "exec", dont_inherit=True)
        exec(code, module.__dict__)
    except SystemExit as stop:
        if not unittest_finished(stop, path, first_test_line):
            end(stop, exit_status(stop.code))
    except BaseException as error:
        end(error, 1)
    try:
        write(verdict_fd, nonce)  # reached only when the module, tests included, ran to its end
    except OSError:
        pass  # the program closed the verdict fd: no verdict, so no pass


def read_nonce(fd: int) -> bytes:
    """The nonce, read before any program code runs; the fd is closed at once, so the program never sees it."""
    nonce = b""
    while len(nonce) < NONCE_BYTES:
        chunk = os.read(fd, NONCE_BYTES - len(nonce))
        if not chunk:
            break
        nonce += chunk
    os.close(fd)
    return nonce


def program_frames(tb):
    """The traceback from the program's first frame on (this runner's own frames dropped)."""
    while tb is not None and tb.tb_frame.f_globals is globals():
        tb = tb.tb_next
    return tb


def unittest_finished(stop: SystemExit, path: str, first_test_line: int) -> bool:
    """``unittest.main()``'s exit after a successful run, called at module level from the tests' lines: every frame
    between that call and the exit lies in unittest's own ``main.py``."""
    if not (stop.code is None or stop.code is False or stop.code == 0):
        return False
    frames, tb = [], program_frames(stop.__traceback__)
    while tb is not None:  # the traceback's own attributes: a program cannot replace them as it could a function
        frames.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    if len(frames) < 2:
        return False
    (caller, line), inner = frames[0], frames[1:]
    return caller == path and line >= first_test_line and all(filename == UNITTEST_MAIN for filename, _ in inner)


def exit_status(code) -> int:
    """The status ``sys.exit(code)`` gives a plain interpreter."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    return 1


def end(error: BaseException, status: int) -> None:
    """Prints the traceback as Python would (to the real stderr, whatever ``sys.stderr`` now is) and exits at
    once: no exit handler, excepthook or non-daemon thread of the program runs after this."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    try:
        text = "".join(traceback.format_exception(type(error), error, program_frames(error.__traceback__)))
    except BaseException:
        text = f"{type(error).__name__} (its message could not be formatted)\n"
    try:
        write(2, text.encode("utf-8", "backslashreplace"))
    except OSError:
        pass
    _exit(status)


if __name__ == "__main__":
    main()
