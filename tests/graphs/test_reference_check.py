"""Tests that fail against the seed the problem was derived from are repaired from it, or refused
(``graphs/reference_check.py``).

Seen with the embedded 0.5B model: seed ``safe_name`` maps spaces to ``-``, the questioner's example says
``"Hello_World"``, the test writer copies it. Scripted role models and the real local sandbox: the seed really runs.
"""

from __future__ import annotations

import bz2
import re

import pytest
from scripted_roles import run_seed, speakers

from aiev.agents.context import Context
from aiev.graphs import test_quality
from aiev.graphs.assert_values import RECORD, expectations, recording
from aiev.graphs.pipeline import to_record
from aiev.graphs.reference_check import (
    MARKER,
    REFERENCE_MODULE,
    comparable,
    contradiction,
    explained,
    repaired,
    tolerant,
)
from aiev.graphs.report import compute_stats, render_html
from aiev.graphs.test_quality import check_tests, refusal
from aiev.sandbox.types import ExecResult, Outcome

SEED_CODE = "def safe_name(s):\n    return s.replace(' ', '-')\n"
SEED = {"id": "safe", "snippet": SEED_CODE, "source": "test"}
PROBLEM = (
    "Write `safe_name(s)` that replaces every space of `s` with a hyphen.\n"
    "Example: `safe_name('Hello World')` returns `'Hello_World'`.\n```python\ndef safe_name(s: str) -> str:\n```"
)
RIGHT_CODE = "```python\ndef safe_name(s):\n    return '-'.join(s.split(' '))\n```"
# The wrong tests are not vacuous: ``'Hello World'`` tells every stand-in (None, an error, the input) apart. They
# compare by ``in``, not ``== <literal>``, so the reference cannot repair them: they can only be refused.
WRONG_TESTS = "```python\nassert safe_name('Hello World') in ['Hello_World']\nassert safe_name('ab') == 'ab'\n```"
WRONG_TESTS_AGAIN = "```python\nassert safe_name('a b') == 'a-b'\nassert safe_name('x y z') in ['x_y_z']\n```"
# The same mistake as ``== <literal>``: repairable.
REPAIRABLE_TESTS = "```python\nassert safe_name('Hello World') == 'Hello_World'\nassert safe_name('ab') == 'ab'\n```"
RIGHT_TESTS = "```python\nassert safe_name('Hello World') == 'Hello-World'\nassert safe_name('a b c') == 'a-b-c'\n```"


def code_of(reply: str) -> str:
    return reply.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.fixture
def context() -> Context:
    return Context.from_mapping({"sandbox": "local", "timeout_s": 10.0})


def test_tests_that_contradict_the_seed_go_back_to_the_test_writer_without_its_code(scripted_roles) -> None:
    scripted = scripted_roles(questioner=[PROBLEM], programmer=[RIGHT_CODE], test_writer=[WRONG_TESTS, RIGHT_TESTS])
    state = run_seed(scripted, SEED)
    # the refused round counts, the programmer (whose code was right) is not asked again, no analyst is involved
    assert speakers(state) == [
        "questioner", "programmer", "test_writer", "interpreter", "test_writer", "interpreter", "programmer",
    ]  # fmt: skip
    assert state["verdict"]["status"] == "passed" and state["round"] == 2
    refused, verified = state["executions"]
    assert refused["skipped"] == "tests_contradict_reference" and refused["outcome"] == "error"
    assert refused["test_quality"]["verdict"] == "contradicts_reference"
    assert verified["outcome"] == "passed" and verified["test_quality"]["verdict"] == "verifies"
    told = state["messages"][3].content
    assert told.startswith("The solution was not run: the tests contradict the intended behaviour")
    assert "assert safe_name('Hello World') in ['Hello_World']" in told and "'Hello-World'" in told
    # what the seed produced, never the seed's code (nor the traceback that would quote it)
    assert "s.replace" not in told and "def safe_name" not in told and "Traceback" not in told and MARKER not in told
    assert told in scripted.models["test_writer"].calls[1][-1].content


def test_tests_are_repaired_from_the_seed_and_the_transcript_shows_the_tests_that_ran(scripted_roles) -> None:
    scripted = scripted_roles(questioner=[PROBLEM], programmer=[RIGHT_CODE], test_writer=[REPAIRABLE_TESTS])
    state = run_seed(scripted, SEED)
    assert state["verdict"]["status"] == "passed" and state["round"] == 1
    fixed = "assert safe_name('Hello World') == 'Hello-World'\nassert safe_name('ab') == 'ab'\n"
    assert state["tests"].startswith(fixed)  # then the seed's own cases (``seed_cases``)
    assert all(line.startswith("assert safe_name(") for line in state["tests"].removeprefix(fixed).splitlines())
    [record] = state["executions"]
    assert record["test_quality"]["verdict"] == "verifies" and record["test_quality"]["repaired"] == state["tests"]
    assert speakers(state) == ["questioner", "programmer", "test_writer", "interpreter", "programmer"]
    turn = state["messages"][2]
    assert turn.content == f"```python\n{state['tests']}```" and turn.additional_kwargs["repaired_from_reference"]
    assert record["test_quality"]["reference_passed"]  # the repaired tests, with the seed's cases, passed there too
    stats = compute_stats([to_record(SEED, state, scripted.context, 1.0)], wall_s=1.0)
    assert stats["passed"] == stats["passed_against_seed"] == 1
    assert "<th>samples whose tests also passed against the seed</th><td>1</td>" in render_html(stats)


def test_a_wrong_solution_fails_the_repaired_tests(scripted_roles) -> None:
    underscores = "```python\ndef safe_name(s):\n    return s.replace(' ', '_')\n```"
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[underscores],
        test_writer=[REPAIRABLE_TESTS],
        context={"max_rounds": 1},
    )
    state = run_seed(scripted, SEED)
    assert state["verdict"]["status"] == "discarded" and state["verdict"]["reason"] == "max_rounds"
    [record] = state["executions"]
    assert record["outcome"] == "failed" and record["test_quality"]["repaired"]
    assert "'Hello-World'" in state["messages"][-1].content  # the repaired assert it failed


def test_repaired_tests_that_would_verify_nothing_are_refused_as_contradicting(context) -> None:
    # a reference that returns None: its values would make the tests pass the ``return None`` stand-in
    reference = "def safe_name(s):\n    s.replace(' ', '-')\n"
    verdict, _ = check_tests(code_of(RIGHT_CODE), code_of(REPAIRABLE_TESTS), [], context, [], reference)
    assert verdict["verdict"] == "contradicts_reference" and "repaired" not in verdict


@pytest.mark.parametrize(
    ("tests", "fixed"),
    [
        # either side may be the literal; a message stays; an assert that already holds is not touched
        ("assert 'a_b' == safe_name('a b'), 'msg'\nassert safe_name('') == ''\n",
         "assert 'a-b' == safe_name('a b'), 'msg'\nassert safe_name('') == ''\n"),
        # an input the reference rejects: the assert goes (a block left empty gets ``pass``)
        ("assert safe_name(3) == '3'\nassert safe_name('a b') == 'a b'\n", "assert safe_name('a b') == 'a-b'\n"),
        ("def test_bad():\n    assert safe_name(None) == ''\n\ntest_bad()\nassert safe_name('a b') == ''\n",
         "def test_bad():\n    pass\n\ntest_bad()\nassert safe_name('a b') == 'a-b'\n"),
        # one assert reached with several values (a loop): left as written, so the tests stay contradicting
        ("for s in ['a b', 'c d']:\n    assert safe_name(s) == 'x'\n", None),
        # a value no literal states (an object's repr): left as written, nothing else to repair
        ("assert safe_name.__class__ == 1\n", None),
        # another failing assert stops the run before its end: nothing is repaired
        ("assert safe_name('a b') in ['a_b']\nassert safe_name('c d') == 'c_d'\n", None),
    ],
)  # fmt: skip
def test_repaired_writes_the_references_values_over_the_literals(context, tests, fixed) -> None:
    from aiev.sandbox.engine import run_request
    from aiev.sandbox.types import ExecRequest

    result = run_request(context.sandbox, ExecRequest.python(SEED_CODE, tests=recording(tests), timeout_s=10.0))
    assert repaired(tests, result) == fixed, result.stdout + result.stderr


def test_a_recording_run_prints_only_behind_its_marker_and_a_failed_run_repairs_nothing() -> None:
    tests = "assert safe_name('a b') == 'x'\n"
    assert RECORD not in tests and RECORD in recording(tests)
    printed = f"{RECORD}0 value 'a-b'\n"
    assert repaired(tests, ExecResult(outcome=Outcome.PASSED, stdout=printed)) == "assert safe_name('a b') == 'a-b'\n"
    assert repaired(tests, ExecResult(outcome=Outcome.FAILED, stdout=printed)) is None
    assert repaired(tests, ExecResult(outcome=Outcome.PASSED, stdout=printed, stdout_truncated=True)) is None
    assert repaired(tests, ExecResult(outcome=Outcome.PASSED, stdout="0 value 'a-b'\n")) is None


@pytest.mark.parametrize(
    ("problem", "code", "tests"),
    [
        (  # the problem renames the function
            "Write `slug(s)`: spaces become underscores.",
            "```python\ndef slug(s):\n    return s.replace(' ', '_')\n```",
            "```python\nassert slug('Hello World') == 'Hello_World'\nassert slug('a b c') == 'a_b_c'\n```",
        ),
        (  # the problem keeps the name but renames the parameter, which the tests name
            "Write `safe_name(text)`: spaces become underscores.",
            "```python\ndef safe_name(text):\n    return text.replace(' ', '_')\n```",
            "```python\nassert safe_name(text='Hello World') == 'Hello_World'\n"
            "assert safe_name(text='a b') == 'a_b'\n```",
        ),
        (  # the problem keeps the name but adds a parameter
            "Write `safe_name(s, sep='_')`: spaces become `sep`.",
            "```python\ndef safe_name(s, sep='_'):\n    return s.replace(' ', sep)\n```",
            "```python\nassert safe_name('Hello World') == 'Hello_World'\nassert safe_name('a b', '+') == 'a+b'\n```",
        ),
    ],
)
def test_no_reference_check_when_the_solution_does_not_keep_the_seeds_signature(
    scripted_roles, problem, code, tests
) -> None:
    state = run_seed(scripted_roles(questioner=[problem], programmer=[code], test_writer=[tests]), SEED)
    # the seed's safe_name(s) would fail these tests, but it is not the function they test
    assert state["verdict"]["status"] == "passed" and state["round"] == 1
    assert state["executions"][0]["test_quality"]["verdict"] == "verifies"


@pytest.mark.parametrize(
    "snippet",
    [
        "def safe_name(s):\n    return s.replace(' ', SEPARATOR)\n",  # a module global the seed did not carry
        "import not_a_module_anywhere\n\ndef safe_name(s):\n    return s.replace(' ', '-')\n",
    ],
)
def test_a_seed_that_cannot_run_refuses_nothing(scripted_roles, snippet) -> None:
    # the problem's example agrees with the tests: PROBLEM's wrong one, which this seed cannot repair, would have the
    # tests refused for contradicting the problem (``problem_consistency``)
    problem = PROBLEM.replace("'Hello_World'", "'Hello-World'")
    scripted = scripted_roles(questioner=[problem], programmer=[RIGHT_CODE], test_writer=[RIGHT_TESTS])
    state = run_seed(scripted, {**SEED, "snippet": snippet})
    assert state["verdict"]["status"] == "passed" and state["round"] == 1
    assert state["executions"][0]["test_quality"]["verdict"] == "verifies"


def test_a_dialogue_whose_tests_contradict_the_seed_to_the_end_is_discarded_with_that_reason(scripted_roles) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[RIGHT_CODE],
        test_writer=[WRONG_TESTS, WRONG_TESTS_AGAIN],
        context={"max_rounds": 2},
    )
    state = run_seed(scripted, SEED)
    assert state["verdict"]["status"] == "discarded" and state["verdict"]["reason"] == "tests_contradict_reference"
    assert [e["skipped"] for e in state["executions"]] == ["tests_contradict_reference"] * 2
    assert "'x-y-z'" in state["verdict"]["last_error"]  # the last refusal: what the seed gave for 'x y z'

    stats = compute_stats([to_record(SEED, state, scripted.context, 1.0)], wall_s=1.0)
    assert stats["discard_reasons"] == {"tests_contradict_reference": 1} and stats["contradicting_test_rounds"] == 2
    assert stats["passed_against_seed"] == 0
    assert stats["vacuous_test_rounds"] == 0
    assert "<th>rounds whose tests contradicted the seed&#39;s code</th><td>2</td>" in render_html(stats)


def test_check_tests_refuses_tests_that_fail_against_the_reference(context) -> None:
    verdict, broken = check_tests(code_of(RIGHT_CODE), code_of(WRONG_TESTS), [], context, [], SEED_CODE)
    assert broken is None and verdict["verdict"] == "contradicts_reference"
    assert verdict["contradiction"] == (
        "AssertionError: assert safe_name('Hello World') in ['Hello_World']\n"
        "  left side: 'Hello-World'\n  right side: ['Hello_World']"
    )
    assert "contradict" in test_quality.refusal(verdict) and verdict["contradiction"] in test_quality.refusal(verdict)
    right, _ = check_tests(code_of(RIGHT_CODE), code_of(RIGHT_TESTS), [], context, [], SEED_CODE)
    assert right["verdict"] == "verifies" and right["contradiction"] is None and right["reference_passed"]
    unchecked, _ = check_tests(code_of(RIGHT_CODE), code_of(RIGHT_TESTS), [], context, [])
    assert unchecked["verdict"] == "verifies" and not unchecked["reference_passed"]  # nothing known-correct ran them


def test_the_reference_is_part_of_the_verdicts_key(context, monkeypatch) -> None:
    solution, tests = code_of(RIGHT_CODE), code_of(WRONG_TESTS)
    without, _ = check_tests(solution, tests, [], context, [])
    assert without["verdict"] == "verifies"  # no reference: the wrong tests pass every stand-in check
    with_reference, _ = check_tests(solution, tests, [], context, [{"test_quality": without}], SEED_CODE)
    assert with_reference["verdict"] == "contradicts_reference" and with_reference["key"] != without["key"]

    runs: list[str] = []
    monkeypatch.setattr(test_quality, "run_request", lambda sandbox, request: runs.append(request) or None)
    again, _ = check_tests(solution, tests, [], context, [{"test_quality": with_reference}], SEED_CODE)
    assert again == with_reference and runs == []  # reused, nothing run


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("def safe_name(s):\n    assert isinstance(s, bytes)\n    return s\n", "the reference's own assert"),
        ("def safe_name(s):\n    return s.replace(' ', SEPARATOR)\n", "a name the reference lacks"),
        ("def safe_name(s):\n    raise RuntimeError('no')\n", "an error no function turns an argument down with"),
        ("def safe_name(s):\n    return s.replace(' ', undefined_name)\n", "a NameError in the reference"),
        ("import sys\nsys.exit(0)\n\ndef safe_name(s):\n    return s\n", "tests_incomplete"),
        ("def safe_name(s):\n    while True:\n        pass\n", "a timeout"),
    ],
)
def test_a_reference_that_fails_other_than_on_an_assert_of_the_tests_refuses_nothing(reference, why) -> None:
    context = Context.from_mapping({"sandbox": "local", "timeout_s": 2.0})
    verdict, broken = check_tests(code_of(RIGHT_CODE), code_of(WRONG_TESTS), [], context, [], reference)
    assert broken is None and verdict["verdict"] == "verifies", why
    assert not verdict["reference_passed"], why  # accepted, but not as checked against the seed


def test_a_broken_sandbox_during_the_reference_run_refuses_nothing(context, monkeypatch) -> None:
    real = test_quality.run_request

    def breaks_on_the_reference(sandbox, request):
        if request.files.get(f"{REFERENCE_MODULE}.py") == SEED_CODE:
            return ExecResult(outcome=Outcome.SANDBOX_ERROR, stderr="docker daemon gone")
        return real(sandbox, request)

    monkeypatch.setattr(test_quality, "run_request", breaks_on_the_reference)
    verdict, broken = check_tests(code_of(RIGHT_CODE), code_of(WRONG_TESTS), [], context, [], SEED_CODE)
    assert broken is None and verdict["verdict"] == "verifies"


def test_a_failing_assert_with_a_message_keeps_it(context) -> None:
    tests = (
        "def test_spaces():\n    assert safe_name('a b') == 'a_b', 'spaces become underscores'\n"
        "    assert safe_name('ab') == 'ab'\n\ntest_spaces()\n"
    )
    verdict, _ = check_tests(code_of(RIGHT_CODE), tests, [], context, [], SEED_CODE, repair=False)
    assert verdict["contradiction"] == (
        "AssertionError: assert safe_name('a b') == 'a_b'\n  message: spaces become underscores"
    )


@pytest.mark.parametrize(
    ("solution", "used", "expected"),
    [
        ("def safe_name(s):\n    return s", ["safe_name"], True),
        ("safe_name = lambda s: s", ["safe_name"], True),
        ("def safe_name(text):\n    return text", ["safe_name"], True),  # the tests call it by position
        ("def safe_name(s, sep='-'):\n    return s", ["safe_name"], False),
        ("def safe_name(s, /):\n    return s", ["safe_name"], False),
        ("def safe_name(*s):\n    return s", ["safe_name"], False),
        ("async def safe_name(s):\n    return s", ["safe_name"], False),
        ("def other(s):\n    return s", ["other"], False),
        ("def safe_name(s):\n    return s", [], False),
    ],
)
def test_a_function_is_comparable_by_name_and_signature(solution, used, expected) -> None:
    assert comparable(SEED_CODE, solution, used, "assert safe_name('a b') == 'a-b'\n") is expected


def test_renamed_parameters_are_comparable_only_while_no_call_names_them() -> None:
    renamed = "def safe_name(text):\n    return text"
    assert comparable(SEED_CODE, renamed, ["safe_name"], "assert safe_name(text='a b') == 'a-b'\n") is False
    assert comparable(SEED_CODE, renamed, ["safe_name"], "assert safe_name(**{'text': 'a'}) == 'a'\n") is False
    assert comparable(SEED_CODE, "def safe_name(s):\n    return s", ["safe_name"], "assert safe_name(s='a') == 'a'\n")
    keyword_only = "def f(a, *, sep='-'):\n    return a\n"
    assert comparable(keyword_only, keyword_only.replace("(a,", "(b,"), ["f"], "assert f(1) == 1\n")
    assert not comparable(keyword_only, keyword_only.replace("sep=", "joiner="), ["f"], "assert f(1) == 1\n")
    # methods are compared with their names: a class is called in many ways
    box = "class Box:\n    def get(self, key):\n        ...\n"
    assert not comparable(box, box.replace("key", "name"), ["Box"], "assert Box().get(1) is None\n")


def test_a_class_is_comparable_only_with_the_same_bases_members_and_signatures() -> None:
    box = "class Box:\n    size = {}\n    def __init__(self, x):\n        self.{} = x\n    def get(self):\n        ..."
    reference, same = box.format(1, "x"), box.format(2, "v")  # other values and bodies, the same shape
    assert comparable(reference, same, ["Box"], "")
    assert not comparable(reference, same.replace("def get(self)", "def get(self, default)"), ["Box"], "")
    assert not comparable(reference, same + "\n    def __eq__(self, other):\n        ...", ["Box"], "")
    assert not comparable(reference, same.replace("class Box:", "class Box(dict):"), ["Box"], "")
    assert not comparable(reference, "@dataclass\n" + same, ["Box"], "")
    assert not comparable("class Box(:", same, ["Box"], "")  # a reference that does not parse


def test_explained_asserts_check_the_same_and_say_what_they_compared() -> None:
    calls: list[int] = []
    scope = {"f": lambda: calls.append(1) or 3}
    exec(explained("assert f() == 3\nassert '%d' % 3 in ['3']\n"), scope)  # passes as before
    assert calls == [1]  # each side evaluated once
    with pytest.raises(AssertionError) as failed:
        exec(explained("def test():\n    assert f() == 4  # a comment\n\ntest()\n"), scope)
    assert str(failed.value) == f"{MARKER}assert f() == 4\n  left side: 3\n  right side: 4"
    with pytest.raises(AssertionError) as failed:
        exec(explained("assert '%d' % f() in ['4']"), scope)
    assert str(failed.value) == f"{MARKER}assert '%d' % f() in ['4']\n  left side: '3'\n  right side: ['4']"
    with pytest.raises(AssertionError) as failed:
        exec(explained("assert f() % 2 == 0 < 1"), scope)  # not a single comparison: the assert alone
    assert str(failed.value) == f"{MARKER}assert f() % 2 == 0 < 1"


def test_only_a_failed_run_on_an_explained_assert_is_a_contradiction() -> None:
    raised = f'Traceback (most recent call last):\n  File "main.py", line 4\nAssertionError: {MARKER}assert f() == 4'
    assert contradiction(ExecResult(outcome=Outcome.FAILED, stderr=raised)) == "AssertionError: assert f() == 4"
    assert contradiction(ExecResult(outcome=Outcome.FAILED, stderr="AssertionError: inside the seed")) is None
    assert contradiction(ExecResult(outcome=Outcome.TIMEOUT, stderr=raised)) is None
    long = contradiction(ExecResult(outcome=Outcome.FAILED, stderr=raised + "x" * 5000))
    assert long is not None and len(long) < 1600 and long.endswith("...[truncated]")


SUM_SEED = {"id": "sum", "snippet": "def total(a, b, c):\n    return a + b + c\n", "source": "test"}
SUM_PROBLEM = (
    "Write `total(a, b, c)`, the sum of three numbers.\n"
    "```python\ndef total(a: float, b: float, c: float) -> float:\n```"
)
# The same sum in another order: 0.6 where the seed gives 0.6000000000000001.
SUM_REVERSED = "```python\ndef total(a, b, c):\n    return c + b + a\n```"
SUM_TESTS = "```python\nassert total(0.1, 0.2, 0.3) == 0.6000000000000001\nassert total(1, 2, 3) == 6\n```"


def test_tests_checked_against_the_seed_compare_floats_within_a_tolerance(scripted_roles) -> None:
    scripted = scripted_roles(questioner=[SUM_PROBLEM], programmer=[SUM_REVERSED], test_writer=[SUM_TESTS])
    state = run_seed(scripted, SUM_SEED)
    assert state["verdict"]["status"] == "passed" and state["round"] == 1
    loose = "assert math.isclose(total(0.1, 0.2, 0.3), 0.6000000000000001, rel_tol=1e-09, abs_tol=1e-09)"
    lines = state["tests"].splitlines()
    assert lines[:3] == ["import math", loose, "assert total(1, 2, 3) == 6"]  # an integral value stays exact
    for added in lines[3:]:  # the seed's cases: tolerant where they expect fractions too
        assert "math.isclose" in added or re.fullmatch(r"assert total\(\d+, \d+, \d+\) == \d+", added), added
    assert state["messages"][2].additional_kwargs["repaired_from_reference"] is True
    assert state["executions"][0]["test_quality"]["repaired"] == state["tests"]


def test_tolerant_tests_still_fail_a_wrong_formula(context) -> None:
    from aiev.sandbox.engine import run_request
    from aiev.sandbox.types import ExecRequest

    verdict, _ = check_tests(code_of(SUM_REVERSED), code_of(SUM_TESTS), [], context, [], SUM_SEED["snippet"])
    loose = verdict["repaired"]
    for solution, passes in [("c + b + a", True), ("a + b", False), ("round(a + b + c, 6) + 1e-6", False)]:
        code = f"def total(a, b, c):\n    return {solution}\n"
        assert run_request(context.sandbox, ExecRequest.python(code, tests=loose, timeout_s=10.0)).passed is passes
    exact = run_request(context.sandbox, ExecRequest.python(code_of(SUM_REVERSED), tests=code_of(SUM_TESTS)))
    assert not exact.passed  # what the loosening is for


def test_a_tolerance_a_stand_in_would_pass_is_not_used(context) -> None:
    # 2e-12 is within 1e-9 of the first argument: the ``return a`` stand-in fails the exact tests, not the loose ones
    tests = "x = 1e-12\nassert total(x, x, 0.0) == 2e-12\nassert total(x, 0.0, 0.0) == 1e-12\n"  # no seed cases either
    verdict, _ = check_tests(code_of(SUM_REVERSED), tests, [], context, [], SUM_SEED["snippet"])
    assert verdict["verdict"] == "verifies" and "repaired" not in verdict


@pytest.mark.parametrize(
    ("tests", "loose"),
    [
        # a tuple compares element by element, with equal lengths; a message and a trailing comment stay
        ("assert f(1) == (0.5, 2.6e-17)  # gray\n",
         "import math\nassert all(math.isclose(a, b, rel_tol=1e-09, abs_tol=1e-09) "
         "for a, b in zip(f(1), (0.5, 2.6e-17), strict=True))  # gray\n"),
        ("import math\ndef test_f():\n    assert 0.25 == f(\n        1), 'quarter'\n",
         "import math\ndef test_f():\n    assert math.isclose(f(\n        1), 0.25, rel_tol=1e-09, abs_tol=1e-09), "
         "'quarter'\n"),
        # integral floats, ints, strings, nested or mixed containers, infinities: nothing to loosen
        ("assert f(1) == 2.0\nassert f(2) == [1, 2]\nassert f(3) == 'a'\nassert f(4) == [[0.5]]\n"
         "assert f(5) == (0.5, 'x')\nassert f(6) == float('inf')\nassert f(7) in (0.5,)\n", None),
    ],
)  # fmt: skip
def test_tolerant_rewrites_only_asserts_that_expect_fractions(tests, loose) -> None:
    assert tolerant(tests) == loose


def test_tolerant_asserts_are_expectations_recorded_and_repaired_within_their_tolerance(context) -> None:
    from aiev.sandbox.engine import run_request
    from aiev.sandbox.types import ExecRequest

    loose = tolerant(code_of(SUM_TESTS))
    assert tolerant(loose) is None  # nothing left to loosen
    assert [e.tolerant for e in expectations(loose)] == [True, False]
    # a test writer's own isclose assert with a wrong value, and one that holds within the tolerance
    tests = (
        "import math\nassert math.isclose(total(1, 2, 0.5), 4.0, rel_tol=1e-09, abs_tol=1e-09)\n"
        "assert all(math.isclose(a, b) for a, b in zip([total(0.1, 0.2, 0.3)], [0.6], strict=True))\n"
    )
    assert [e.tolerant for e in expectations(tests)] == [True, True]
    run = run_request(context.sandbox, ExecRequest.python(SUM_SEED["snippet"], tests=recording(tests)))
    assert repaired(tests, run) == tests.replace("4.0", "3.5")


def test_an_error_checked_the_way_the_test_writer_is_told_verifies_and_passes_against_the_seed(context) -> None:
    seed = "def root(x):\n    if x < 0:\n        raise ValueError(x)\n    return x ** 0.5\n"
    solution = "def root(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x ** 0.5\n"
    raises = "try:\n    root(-1)\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError('no error')\n"
    verdict, _ = check_tests(solution, "assert root(4) == 2.0\n" + raises, [], context, [], seed)
    assert verdict["verdict"] == "verifies" and verdict["reference_passed"]
    # alone it still fails every stand-in: one returning None, one raising NotImplementedError, one echoing its input
    alone, _ = check_tests(solution, raises, [], context, [], seed)
    assert alone["verdict"] == "verifies"
    # an exception object compared with a result (what the prompt rules out) never passes against the seed
    compared = "assert root(4) == 2.0\nassert root(-1) == ValueError(-1)\n"
    assert not check_tests(solution, compared, [], context, [], seed)[0]["reference_passed"]


def test_an_assert_on_an_input_the_seed_rejects_is_dropped_and_the_rest_checked(context) -> None:
    seed = "def root(x):\n    if x < 0:\n        raise ValueError(x)\n    return x ** 0.5\n"
    solution = "def root(x):\n    return abs(x) ** 0.5\n"
    # no assert fails against the seed: it raises on -4 first (the 1.5B passed a ``random.Random`` where the seed
    # iterates a range); before, nothing of these tests was checked
    tests = "assert root(4) == 2.0\nassert root(-4) == 2.0\nassert root(9) == 3.0\n"
    verdict, _ = check_tests(solution, tests, [], context, [], seed)
    assert verdict["verdict"] == "verifies" and verdict["reference_passed"]
    assert "\nassert root(4) == 2.0\nassert root(9) == 3.0\n" in verdict["repaired"]  # after ``import math``
    assert "root(-4)" not in verdict["repaired"]


def test_tests_whose_every_input_the_seed_rejects_are_refused_with_the_call_and_the_error(context) -> None:
    # bz2's decompress (session 19's draw): the 0.5B's tests expected decompress(b"Hello, world!") == "Hello, world!"
    # on data that is no bz2 stream, the seed raised OSError on each, and the repair left nothing to check: the tests
    # ran against the solution unchecked, and its ``data.decode()`` was verified
    seed = "import bz2\n\ndef decompress(data):\n    return bz2.BZ2Decompressor().decompress(data)\n"
    solution = "def decompress(data):\n    return data.decode()\n"
    tests = "assert decompress(b'Hello, world!') == 'Hello, world!'\nassert decompress(b'12345') == '12345'\n"
    verdict, _ = check_tests(solution, tests, [], context, [], seed)
    assert verdict["verdict"] == "contradicts_reference"
    assert verdict["contradiction"].startswith("`decompress(b'Hello, world!')` raised OSError in the correct")
    refused = refusal(verdict)
    assert "decompress(b'Hello, world!')" in refused and "BZ2Decompressor" not in refused  # never the seed's code
    # inputs it takes are checked as ever: bz2 data of the same text verifies
    right = "".join(f"assert decompress({bz2.compress(text)!r}) == {text!r}\n" for text in (b"Hello, world!", b"12345"))
    verdict, _ = check_tests(seed, right, [], context, [], seed)
    assert verdict["verdict"] == "verifies" and verdict["reference_passed"]


def test_an_import_of_the_tests_does_not_rebind_a_name_the_seed_reads(context) -> None:
    # the 1.5B's tests for ``time2isoz``: ``from datetime import datetime`` over the seed's ``import datetime``
    seed = "import datetime\n\ndef year(t):\n    return datetime.datetime.fromtimestamp(t, datetime.UTC).year\n"
    solution = "from datetime import UTC, datetime\n\ndef year(t):\n    return datetime.fromtimestamp(t, UTC).year\n"
    wrong = "from datetime import datetime\n\nassert year(0) == 1971\nassert year(86400 * 366) in [1970]\n"
    verdict, _ = check_tests(solution, wrong, [], context, [], seed)
    assert verdict["verdict"] == "contradicts_reference"
    assert "left side: 1970\n  right side: 1971" in verdict["contradiction"]  # the seed ran, and disagreed
    right = "from datetime import datetime\n\nassert year(0) == 1970\nassert year(86400 * 366) in [1971]\n"
    verdict, _ = check_tests(solution, right, [], context, [], seed)
    assert verdict["verdict"] == "verifies" and verdict["reference_passed"]


def test_a_call_the_seed_answers_with_a_generator_is_compared_as_a_list_and_its_values_repaired(context) -> None:
    # importlib.metadata's unique_everseen yields; the 0.5B's problem said "-> list" and its tests compared lists,
    # refused three times in a row as contradicting the seed
    seed = (
        "def unique_everseen(iterable, key=None):\n    seen = set()\n    for element in iterable:\n"
        "        k = element if key is None else key(element)\n        if k not in seen:\n"
        "            seen.add(k)\n            yield element\n"
    )
    solution = "def unique_everseen(iterable, key=None):\n    return list(dict.fromkeys(iterable))\n"
    tests = "assert unique_everseen('AABBC') == ['A', 'B', 'C']\nassert unique_everseen('ABA') == ['A', 'C']\n"
    verdict, _ = check_tests(solution, tests, [], context, [], seed)
    assert verdict["verdict"] == "verifies" and verdict["reference_passed"]
    assert verdict["repaired"].startswith(
        "assert list(unique_everseen('AABBC')) == ['A', 'B', 'C']\nassert list(unique_everseen('ABA')) == ['A', 'B']\n"
    )
