"""A pass proves the tests ran to their end (issue 12), for both engines: a wrong ``add`` with failing tests is never
passed, however the program ends the process, and an early exit has its own reason, ``tests_incomplete``."""

from __future__ import annotations

import pytest

from aiev.sandbox.types import ExecRequest, ExecResult, Outcome

WRONG = "def add(a, b):\n    return a - b\n"
RIGHT = "def add(a, b):\n    return a + b\n"
TESTS = "assert add(2, 3) == 5\nassert add(-1, 1) == 0\n"
UNITTEST = """import unittest


class TestAdd(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(2, 3), 5)


if __name__ == "__main__":
    unittest.main()
"""
FAKE_VERDICT = """import os, secrets
for fd in range(3, 256):  # a made-up nonce on every fd the program may hold, then a clean exit
    try:
        os.write(fd, secrets.token_hex(16).encode())
    except OSError:
        pass
print("OK: all tests passed")
os._exit(0)
"""


def run(engine, code: str, tests: str = TESTS, **fields) -> ExecResult:
    return engine.run(ExecRequest(files={"main.py": code}, tests=tests, **fields))


@pytest.mark.parametrize(
    "ending",
    [
        "import sys\nsys.exit(0)\n",
        "import os\nos._exit(0)\n",
        "raise SystemExit(0)\n",
        "exit()\n",
        "import sys\nprint('passed')\nsys.stdout.flush()\nsys.exit()\n",
        FAKE_VERDICT,
    ],
    ids=["sys.exit", "os._exit", "raise SystemExit", "exit()", "prints passed", "fake nonce"],
)
def test_an_early_exit_with_status_0_is_tests_incomplete(engine, ending: str) -> None:
    result = run(engine, WRONG + ending)
    assert result.outcome is Outcome.TESTS_INCOMPLETE and result.exit_code == 0 and not result.passed
    assert "the tests did not run to their end" in result.stderr
    assert result.feedback().startswith("The tests did not run to their end")


def test_a_right_answer_that_exits_before_its_tests_is_not_passed_either(engine) -> None:
    assert run(engine, RIGHT + "import sys\nsys.exit(0)\n").outcome is Outcome.TESTS_INCOMPLETE


@pytest.mark.parametrize(
    "hook",
    [
        "import atexit, os\natexit.register(lambda: os._exit(0))\n",
        "import os, sys\nsys.excepthook = lambda *exc: os._exit(0)\n",
    ],
    ids=["atexit", "sys.excepthook"],
)
def test_a_hook_cannot_rewrite_a_failed_assert_into_a_pass(engine, hook: str) -> None:
    """The runner reports the exception and ends the process itself: the program's hooks never run."""
    result = run(engine, WRONG + hook)
    assert result.outcome is Outcome.FAILED and result.exit_code == 1 and "AssertionError" in result.stderr


def test_a_killed_interpreter_is_tests_incomplete(engine) -> None:
    result = run(engine, WRONG + "import ctypes\nctypes.string_at(0)\n")  # SIGSEGV before the tests
    assert result.outcome is Outcome.TESTS_INCOMPLETE and "killed by signal 11" in result.stderr


def test_a_program_that_sends_itself_sigkill_is_not_passed(engine) -> None:
    """Under the local engine's PID namespace the program is the namespace's init, which ignores its own SIGKILL,
    so there the tests run and fail; in Docker the kill lands. Neither is a pass."""
    result = run(engine, WRONG + "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    assert result.outcome in {Outcome.TESTS_INCOMPLETE, Outcome.FAILED}


def test_right_answer_with_real_tests_passes(engine) -> None:
    result = run(engine, RIGHT)
    assert result.outcome is Outcome.PASSED and result.exit_code == 0 and result.stderr == ""


def test_wrong_answer_fails_with_the_traceback_naming_main_py(engine) -> None:
    result = run(engine, WRONG)
    assert result.outcome is Outcome.FAILED and result.exit_code == 1
    assert result.stderr.startswith("Traceback") and 'main.py", line 5, in <module>' in result.stderr
    assert "<string>" not in result.stderr  # the runner's own frames are not shown


def test_a_nonzero_exit_after_the_tests_ended_fails(engine) -> None:
    result = run(engine, RIGHT + "import atexit, os\natexit.register(lambda: os._exit(3))\n")
    assert result.outcome is Outcome.FAILED and result.exit_code == 3 and "tests ran to their end" in result.stderr


def test_the_program_runs_as_main_with_its_stdin(engine) -> None:
    code = RIGHT + (
        "import pickle, sys\n\nclass Box:\n    pass\n\n\n"
        "assert __name__ == '__main__' and sys.argv == ['main.py']\n"
        "assert type(pickle.loads(pickle.dumps(Box()))) is Box\n"
        "print(input())\n"
    )
    result = run(engine, code, stdin="from stdin\n")
    assert result.outcome is Outcome.PASSED, result.stderr
    assert result.stdout == "from stdin\n"


@pytest.mark.parametrize(
    ("code", "outcome"), [(RIGHT, Outcome.PASSED), (WRONG, Outcome.FAILED)], ids=["right", "wrong"]
)
def test_unittest_main_in_the_tests_ends_them(engine, code: str, outcome: Outcome) -> None:
    """unittest.main() ends every run with SystemExit: called by the tests after a successful run, that is their end."""
    result = run(engine, code, tests=UNITTEST)
    assert result.outcome is outcome, result.stderr
    assert "Ran 1 test" in result.stderr


def test_unittest_main_called_by_the_program_before_the_tests_is_not_their_end(engine) -> None:
    result = run(engine, "import unittest\n" + WRONG + "unittest.main()\n", tests=UNITTEST)
    assert result.outcome is Outcome.TESTS_INCOMPLETE and "Ran 0 tests" in result.stderr


def test_a_program_without_tests_keeps_exit_status_semantics(engine) -> None:
    result = engine.run(ExecRequest.python("import sys\nprint('done')\nsys.exit(0)\n"))
    assert result.outcome is Outcome.PASSED and result.stdout == "done\n"


def test_the_verdict_holds_after_setup_lines(engine) -> None:
    """A request with setup lines runs another way in Docker (a ``docker exec`` after the installs); ``pip install
    pip`` is satisfied without a network."""
    setup = {"setup": ["pip install pip"], "limits": {"timeout_s": 20}}
    assert run(engine, WRONG + "import sys\nsys.exit(0)\n", **setup).outcome is Outcome.TESTS_INCOMPLETE
    assert run(engine, RIGHT, **setup).outcome is Outcome.PASSED
