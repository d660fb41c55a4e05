"""A failing assert of the tests says what it compared (``test_runner.Explaining``), for both engines, without changing
any outcome, line number or quoted line: what a repair round needs is how far off the code was, not only where."""

from __future__ import annotations

import pytest

from aiev.sandbox.types import ExecRequest, ExecResult, Outcome

CODE = "import math\n\n\ndef yiq(r):\n    return (r * 0.299, r)\n\n\ndef up(s):\n    return s.upper()\n"


def run(engine, tests: str) -> ExecResult:
    return engine.run(ExecRequest(files={"main.py": CODE}, tests=tests))


@pytest.mark.parametrize(
    ("tests", "message"),
    [
        ("assert yiq(255) == (76.5, 255)\n", "yiq(255) is (76.24499999999999, 255); the test expects (76.5, 255)"),
        ("assert (76.5, 255) == yiq(255)\n", "yiq(255) is (76.24499999999999, 255); the test expects (76.5, 255)"),
        (  # the tolerant forms reference_check.tolerant writes, and a test writer's own isclose
            "assert all(math.isclose(a, b, rel_tol=1e-09) for a, b in zip(yiq(255), (76.5, 255), strict=True))\n",
            "yiq(255) is (76.24499999999999, 255); the test expects (76.5, 255)",
        ),
        ("assert math.isclose(yiq(255)[0], 76.5)\n", "yiq(255)[0] is 76.24499999999999; the test expects 76.5"),
        ("def check(c):\n    assert c('ab') == 'Ab'\n\n\ncheck(up)\n", "c('ab') is 'AB'; the test expects 'Ab'"),
        ("x = up('a')\nassert x == up('b')\n", "x is 'A'; up('b') is 'B'"),
        ("assert up('a') in ['b', 'c']\n", "up('a') is 'A'"),  # no "expects": membership is not equality
        ("if True:\n    assert up('a') == 'A'\n    assert up('a') != 'A'\n", "up('a') is 'A'"),
    ],
    ids=["call-literal", "literal-call", "all-isclose-zip", "isclose", "in-a-function", "two-names", "in", "nested"],
)
def test_a_failing_comparison_says_both_values_on_the_program_s_own_line(engine, tests: str, message: str) -> None:
    result = run(engine, tests)
    assert result.outcome is Outcome.FAILED and result.exit_code == 1
    last = tests.rstrip("\n").splitlines()
    failing = next(i for i in range(len(last) - 1, -1, -1) if last[i].lstrip().startswith("assert"))
    first = ExecRequest(files={"main.py": CODE}, tests=tests).tests_first_line()
    assert f'main.py", line {first + failing}, in ' in result.stderr
    assert f"    {last[failing].strip()}\n" in result.stderr  # the line as the test writer wrote it
    assert result.stderr.rstrip("\n").endswith(f"AssertionError: {message}")


@pytest.mark.parametrize(
    ("tests", "ending"),
    [
        ("assert up('a') == 'B', 'up failed'\n", "AssertionError: up failed"),  # a message of its own stays
        ("assert not up('a')\n", "AssertionError"),  # nothing compared
        ("assert up('a') == 'A' == 'B'\n", "AssertionError"),  # a chained comparison is left as it is
        ("assert up(1) == 'A'\n", "AttributeError: 'int' object has no attribute 'upper'"),  # a side that raises
    ],
    ids=["own-message", "truth", "chained", "raises"],
)
def test_other_asserts_and_errors_read_as_before(engine, tests: str, ending: str) -> None:
    result = run(engine, tests)
    assert result.outcome is Outcome.FAILED and result.stderr.rstrip("\n").endswith(ending)


def test_each_side_runs_once_and_passing_tests_still_pass(engine) -> None:
    counted = "calls = []\n\n\ndef once(v):\n    calls.append(v)\n    return v\n\n\n"
    tests = "assert once(1) == 1\nassert math.isclose(once(2.0), 2.0)\nassert calls == [1, 2.0]\n"
    result = engine.run(ExecRequest(files={"main.py": counted + "import math\n"}, tests=tests))
    assert result.outcome is Outcome.PASSED, result.stderr
    long = run(engine, "assert up('a' * 1000) == 'b'\n")
    assert "'AAAA" in long.stderr and "...; the test expects 'b'" in long.stderr and len(long.stderr) < 1500
