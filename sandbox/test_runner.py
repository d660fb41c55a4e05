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

A failing assert of the tests says what it compared, as pytest's assertion rewriting does: ``assert <a> == <b>``
without a message (any single comparison, ``math.isclose(a, b)``, or ``all(... for x, y in zip(a, b))``) is compiled
so that both sides are evaluated once, in their order, into names, and the ``AssertionError`` carries their values
(``rgb_to_yiq(255, 0, 0) is (76.245, ...); the test expects (76.5, ...)``). A bare ``AssertionError`` tells a small
programmer and the error analyst which line failed but not how far off the code was: the 1.5B resent the same
coefficients twice against one, in session 21's first draw. Only the compiled code changes: the file on disk, which
tracebacks quote, and every line number stay the program's, and so does every outcome.

Usage: ``python3 -c SOURCE ENTRYPOINT FIRST_TEST_LINE NONCE_FD VERDICT_FD``; the program's stdin is its own.
"""

import ast
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
            code = compiled(source.read(), path, first_test_line)
        module.__dict__[EXPLAIN] = explain
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


# The names an explained assert keeps its two sides in, and the function that writes its message.
LEFT, RIGHT, EXPLAIN = "_aiev_left", "_aiev_right", "_aiev_explain"
# Longest value shown in full in a message.
MAX_SHOWN = 300


def compiled(source: bytes, path: str, first_test_line: int):
    """The program's code, its tests' asserts explained (see the module doc). A program that does not parse is
    compiled as it is, so that its SyntaxError is the interpreter's own."""
    try:
        tree = ast.parse(source, path)
    except (SyntaxError, ValueError):
        return compile(source, path, "exec", dont_inherit=True)
    Explaining(source.decode("utf-8", "replace"), first_test_line).visit(tree)
    return compile(ast.fix_missing_locations(tree), path, "exec", dont_inherit=True)


class Explaining(ast.NodeTransformer):
    """Rewrites each assert of the tests without a message whose two compared values ``sides`` finds into
    ``LEFT = <a>``, ``RIGHT = <b>``, ``assert <test on LEFT and RIGHT>, EXPLAIN(...)``, every new node at the
    assert's own position, so a traceback names the same line."""

    def __init__(self, text: str, first_test_line: int) -> None:
        self.text, self.first_test_line = text, first_test_line

    def visit_Assert(self, node):
        found = sides(node.test) if node.msg is None and node.lineno >= self.first_test_line else None
        if found is None:
            return node
        statements, texts = [], []
        for (holder, field, index), name in zip(found, (LEFT, RIGHT), strict=True):
            value = getattr(holder, field) if index is None else getattr(holder, field)[index]
            texts.append(ast.get_source_segment(self.text, value) or ast.unparse(value))
            texts.append(literal(value))
            statements.append(ast.Assign(targets=[ast.Name(name, ast.Store())], value=value))
            replaced = ast.Name(name, ast.Load())
            if index is None:
                setattr(holder, field, replaced)
            else:
                getattr(holder, field)[index] = replaced
        equal = not isinstance(node.test, ast.Compare) or isinstance(node.test.ops[0], ast.Eq)
        arguments = [ast.Constant(texts[0]), ast.Name(LEFT, ast.Load()), ast.Constant(texts[1])]
        arguments += [ast.Constant(texts[2]), ast.Name(RIGHT, ast.Load()), ast.Constant(texts[3]), ast.Constant(equal)]
        node.msg = ast.Call(ast.Name(EXPLAIN, ast.Load()), arguments, [])
        for statement in [*statements, node]:
            for inner in ast.walk(statement):
                ast.copy_location(inner, node)
        return [*statements, node]


def sides(test):
    """Where the two values an assert's ``test`` compares sit in it, as two ``(node, field, index)`` places: the
    sides of one comparison, the first two arguments of ``isclose``, the two iterables of ``all(... for x, y in
    zip(a, b))``; None for any other test."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return [(test, "left", None), (test, "comparators", 0)]
    if called(test, "all") and len(test.args) == 1 and isinstance(test.args[0], ast.GeneratorExp):
        loops = test.args[0].generators
        if len(loops) == 1 and called(loops[0].iter, "zip") and len(loops[0].iter.args) == 2:
            return [(loops[0].iter, "args", 0), (loops[0].iter, "args", 1)]
    if called(test, "isclose") and len(test.args) >= 2:
        return [(test, "args", 0), (test, "args", 1)]
    return None


def called(node, name: str) -> bool:
    """Whether ``node`` calls ``name`` (a bare name or an attribute: ``isclose`` and ``math.isclose``) without
    unpacking."""
    if not isinstance(node, ast.Call) or any(isinstance(arg, ast.Starred) for arg in node.args):
        return False
    function = node.func
    return (isinstance(function, ast.Name) and function.id == name) or (
        isinstance(function, ast.Attribute) and function.attr == name
    )


def literal(node) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def explain(left_text: str, left, left_literal: bool, right_text: str, right, right_literal: bool, equal: bool) -> str:
    """The message of an explained assert: the value of each side that is not a literal (a literal reads in the
    quoted line already), and, for an equality with a literal side, that literal as what the test expects."""
    if equal and left_literal != right_literal:
        computed, expected = (left_text, left), right
        if left_literal:
            computed, expected = (right_text, right), left
        return f"{computed[0]} is {shown(computed[1])}; the test expects {shown(expected)}"
    both = [(left_text, left, left_literal), (right_text, right, right_literal)]
    computed = [f"{text} is {shown(value)}" for text, value, fixed in both if not fixed]
    return "; ".join(computed or [f"{text} is {shown(value)}" for text, value, _ in both])


def shown(value) -> str:
    try:
        text = repr(value)
    except BaseException:
        return f"a {type(value).__name__} whose repr failed"
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "..."


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
