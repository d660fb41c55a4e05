"""Tests a test writer wrote as ``unittest.TestCase`` classes run as plain tests (``agents/unittest_tests``): read
from its reply instead of refused as "no unit tests", a wrong solution fails them on the first failed check (with
the values it compared), a right one passes, and nothing that ran them another way (``unittest.main()``, a runner
that reports failures without failing) is left to end the program early or hide a failure."""

from __future__ import annotations

import pytest

from aiev.agents.parsing import extract_tests
from aiev.agents.unittest_tests import as_plain_tests
from aiev.sandbox.types import ExecRequest, Outcome

REPLY = """```python
import unittest

class TestCapitalize(unittest.TestCase):

    def setUp(self):
        self.words = "hello world"

    def test_words(self):
        self.assertEqual(capitalize(self.words), "Hello World", "words are capitalized")
        self.assertTrue(capitalize("a").isupper())

    def test_empty(self):
        self.assertEqual(capitalize(""), "")
        with self.assertRaises(TypeError):
            capitalize(None)

if __name__ == "__main__":
    unittest.main()
```"""

RIGHT = (
    "def capitalize(s):\n    if not isinstance(s, str):\n        raise TypeError(s)\n"
    "    return ' '.join(w[:1].upper() + w[1:] for w in s.split(' '))\n"
)
WRONG = "def capitalize(s):\n    return s.capitalize()\n"


def test_a_test_case_s_checks_become_asserts_and_each_test_method_runs() -> None:
    tests = extract_tests(REPLY, "capitalize")
    assert tests is not None  # before: no `assert`, so "no unit tests"
    assert 'assert capitalize(self.words) == "Hello World"\n' in tests  # its msg goes: the values say more
    assert 'assert capitalize("a").isupper()\n' in tests
    assert "with self.assertRaises(TypeError):" in tests  # no plain equivalent: stays a method
    assert "unittest.main()" not in tests and "__main__" not in tests
    assert tests.rstrip().endswith("TestCapitalize('test_words').debug()\nTestCapitalize('test_empty').debug()")


@pytest.mark.parametrize(
    ("method", "plain"),
    [
        ("self.assertEqual(a or b, c)", "assert (a or b) == c"),
        ("self.assertFalse(a or b)", "assert not (a or b)"),
        ("self.assertTrue(a == b)", "assert a == b"),
        ("self.assertIsNone(f(\n            1))", "assert (f(\n            1)) is None"),  # lines held by the call
        ("self.assertEqual(\n            a,\n            -b)", "assert a == -b"),
        ("self.assertIn(not a, b)", "assert (not a) in b"),
        ("self.assertIsInstance(f(1), int, msg='m')", "assert isinstance(f(1), int)"),
        ("self.assertEqual(*pair)", "self.assertEqual(*pair)"),  # unknowable arguments: left alone
        ("self.assertEqual(a, b, 'm', 1)", "self.assertEqual(a, b, 'm', 1)"),
        ("self.assertSequenceEqual((1,), [1])", "self.assertSequenceEqual((1,), [1])"),  # not `==`: left alone
    ],
)
def test_each_assertion_method_becomes_the_assert_it_means(method: str, plain: str) -> None:
    code = f"import unittest\n\n\nclass T(unittest.TestCase):\n    def test_x(self):\n        {method}\n"
    assert f"        {plain}\n" in as_plain_tests(code)


def test_runners_go_and_code_without_a_test_case_stays_as_it_is() -> None:
    code = (
        "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_x(self):\n        self.assertTrue(f())\n\n\n"
        "suite = unittest.TestLoader().loadTestsFromTestCase(T)\nunittest.TextTestRunner().run(suite)\nassert f()\n"
    )
    plain = as_plain_tests(code)
    assert "TestLoader" not in plain and "TextTestRunner" not in plain  # it reports a failure and exits 0
    assert "\nassert f()\n" in plain and plain.endswith("T('test_x').debug()\n")
    alone = "def test_x():\n    assert f() == 1\n\n\nunittest_like = 1\n"
    assert as_plain_tests(alone) == alone
    assert as_plain_tests("class T(unittest.TestCase:\n") == "class T(unittest.TestCase:\n"  # does not parse


def test_a_wrong_solution_fails_them_with_its_values_and_a_right_one_passes(engine) -> None:
    tests = extract_tests(REPLY, "capitalize")
    wrong = engine.run(ExecRequest(files={"main.py": WRONG}, tests=tests))
    assert wrong.outcome is Outcome.FAILED
    assert "AssertionError: capitalize(self.words) is 'Hello world'; the test expects 'Hello World'" in wrong.stderr
    right = engine.run(ExecRequest(files={"main.py": RIGHT}, tests=tests))
    assert right.outcome is Outcome.PASSED, right.stderr
