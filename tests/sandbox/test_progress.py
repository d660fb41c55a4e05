"""How far failing code got through its tests, read from real tracebacks of both engines."""

from __future__ import annotations

import pytest

from aiev.sandbox.progress import line_of_tests_reached
from aiev.sandbox.types import ExecRequest

CODE = "def f(x):\n    return x + 1\n"


@pytest.mark.parametrize(
    ("code", "tests", "reached"),
    [
        (CODE, "assert f(1) == 2\nassert f(2) == 4\nassert f(3) == 4\n", 2),  # the second assert failed
        (CODE, "assert f(1) == 2\nassert f(2) == 3\n", 3),  # passed: past the last line
        # inside a check(candidate) function: the assert that failed, not the call at the bottom
        (CODE, "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(5) == 0\n\n\ncheck(f)\n", 3),
        (CODE, "assert g(1) == 2\n", 1),  # a NameError at the first test
        ("def f(x)\n    return 1\n", "assert f(1) == 2\n", 0),  # a syntax error: no test ran
        ("raise SystemExit(3)\n", "assert True\n", 0),  # the code exits before the tests
        ("def f(x):\n    while True:\n        pass\n", "assert f(1) == 2\n", 0),  # a timeout leaves no traceback
    ],
)
def test_tests_reached(engine, code: str, tests: str, reached: int) -> None:
    request = ExecRequest.python(code, tests=tests, timeout_s=2)
    assert line_of_tests_reached(request, engine.run(request)) == reached


def test_a_crash_inside_the_code_counts_at_the_test_that_called_it(engine) -> None:
    request = ExecRequest.python("def f(x):\n    return 1 / x\n", tests="assert f(1) == 1\nassert f(0) == 0\n")
    result = engine.run(request)
    assert "ZeroDivisionError" in result.stderr and line_of_tests_reached(request, result) == 2
