"""A problem that contradicts itself is discarded; tests that contradict the problem are refused
(``graphs/problem_consistency.py``).

Seen with the embedded 0.5B on vLLM (session 16): ctypes' ``PYFUNCTYPE`` became a ``name(arg)`` problem whose examples
gave one call several answers, and the dialogue ended verified once the test writer had rewritten its tests to the
analyst's reading. Scripted role models and the real local sandbox.
"""

from __future__ import annotations

from scripted_roles import GOOD_CODE, GOOD_TESTS, PROBLEM, run_seed, speakers

from aiev.graphs.pipeline import to_record
from aiev.graphs.problem_consistency import conflicting_examples, contradicted_examples
from aiev.graphs.report import compute_stats

EXAMPLES = "Examples:\n- `add(1, 2)` should return `3`.\n- `add(0, 0) -> 0`\n"


def test_one_call_with_two_values_is_a_conflict_and_equal_values_are_not() -> None:
    problem = f"{PROBLEM}\n{EXAMPLES}- `add(1,2)` should return `4`.\n- `add(0, 0) -> 0.0`\n>>> add(1, 2)\n3\n"
    # the same call written another way is the same call; 0 and 0.0 are equal values; the doctest agrees with the first
    assert conflicting_examples(problem, "add") == ["`add(1, 2) -> 3` and `add(1,2) -> 4`"]
    assert conflicting_examples(f"{PROBLEM}\n{EXAMPLES}", "add") == []
    assert conflicting_examples(problem, None) == []


def test_a_call_of_variables_is_not_one_call_wherever_it_is_written() -> None:
    # the 1.5B set `a` and `x` anew before each `print(bisect_left(a, x))  # Output: ...` (session 22)
    problem = (
        "Examples:\n```python\na = [1, 3, 5]\nx = 4\nprint(bisect_left(a, x))  # Output: 2\n\nx = 0\n"
        "print(bisect_left(a, x))  # Output: 0\nprint(bisect_left([1, 3], len('ab')))  # Output: 1\n"
        "print(bisect_left([1, 3], len('ab')))  # Output: 2\n```\n"
    )
    assert conflicting_examples(problem, "bisect_left") == [
        "`bisect_left([1, 3], len('ab')) -> 1` and `bisect_left([1, 3], len('ab')) -> 2`"  # builtins name no variable
    ]
    assert contradicted_examples("assert bisect_left(a, x) == 5\n", problem, "bisect_left") == []


def test_an_assert_that_denies_an_example_contradicts_the_problem() -> None:
    problem = f"{PROBLEM}\n{EXAMPLES}"
    tests = "assert add(1, 2) == 4\nassert add(0, 0) == 0\nassert add(5, 5) == 11\n"
    # add(5, 5) is no example of the problem: only what the problem states is held against the tests
    assert contradicted_examples(tests, problem, "add") == [
        "`assert add(1, 2) == 4`, but the problem states `add(1, 2) -> 3`"
    ]
    assert contradicted_examples("assert add(1, 2) == 3.0\nassert 0 == add(0, 0)\n", problem, "add") == []
    # a tolerant assert meets an example within its tolerance
    floats = "Examples:\n- `add(0.1, 0.2) -> 0.30000000000000004`\n"
    tolerant = "import math\nassert math.isclose(add(0.1, 0.2), 0.3, rel_tol=1e-09, abs_tol=1e-09)\n"
    assert contradicted_examples(tolerant, f"{PROBLEM}\n{floats}", "add") == []


def test_a_problem_whose_examples_conflict_is_discarded_before_any_code(scripted_roles) -> None:
    problem = f"{PROBLEM}\n{EXAMPLES}- `add(1, 2)` should return `4`.\n"
    scripted = scripted_roles(questioner=[problem])  # no programmer, test writer or analyst is asked
    state = run_seed(scripted)
    assert speakers(state) == ["questioner"] and not state.get("executions")
    assert state["messages"][0].content == problem.strip()  # as the questioner wrote it, for the discards file
    verdict = state["verdict"]
    assert verdict["status"] == "discarded" and verdict["reason"] == "contradictory_examples"
    assert "`add(1, 2) -> 3` and `add(1, 2) -> 4`" in verdict["last_error"]
    stats = compute_stats([to_record({"id": "s1", "snippet": "", "source": "t"}, state, scripted.context, 1.0)], 1.0)
    assert stats["discard_reasons"] == {"contradictory_examples": 1}


def test_tests_that_deny_the_problems_example_are_refused_and_go_back_to_the_test_writer(scripted_roles) -> None:
    denying = "```python\nassert add(1, 2) == 4\nassert add(2, 2) == 5\n```"  # a wrong solution would pass them
    scripted = scripted_roles(
        questioner=[f"{PROBLEM}\n{EXAMPLES}"], programmer=[GOOD_CODE], test_writer=[denying, GOOD_TESTS]
    )
    state = run_seed(scripted)
    assert speakers(state) == [
        "questioner", "programmer", "test_writer", "interpreter", "test_writer", "interpreter", "programmer",
    ]  # fmt: skip
    refused, verified = state["executions"]
    assert refused["skipped"] == "tests_contradict_problem" and refused["outcome"] == "error"
    assert refused["test_quality"]["verdict"] == "contradicts_problem"
    assert verified["outcome"] == "passed" and state["verdict"]["status"] == "passed"
    told = scripted.models["test_writer"].calls[1][-1].content  # the test writer is shown the example it denied
    assert "the problem states `add(1, 2) -> 3`" in told and "`assert add(1, 2) == 4`" in told


def test_out_of_rounds_on_such_tests_is_discarded_with_that_reason(scripted_roles) -> None:
    seconds = ("assert add(5, 5) == 10", "assert add(0, 0) == 1")
    denying = [f"```python\nassert add(1, 2) == 4\n{second}\n```" for second in seconds]
    scripted = scripted_roles(
        questioner=[f"{PROBLEM}\n{EXAMPLES}"], programmer=[GOOD_CODE], test_writer=denying, context={"max_rounds": 2}
    )
    state = run_seed(scripted)
    assert state["verdict"]["reason"] == "tests_contradict_problem"
    assert [e["skipped"] for e in state["executions"]] == ["tests_contradict_problem"] * 2
    stats = compute_stats([to_record({"id": "s1", "snippet": "", "source": "t"}, state, scripted.context, 1.0)], 1.0)
    assert stats["problem_contradicting_test_rounds"] == 2


def test_tests_that_passed_against_the_seed_outrank_an_example_it_could_not_repair(scripted_roles) -> None:
    # the seed's value is too long to be written into the problem (``assert_values.MAX_VALUE_CHARS``), so the wrong
    # example stays; the tests agree with the seed, which is correct by construction, and are not refused
    seed = {"id": "pad", "snippet": "def pad(n):\n    return 'x' * n\n", "source": "test"}
    problem = "Write `pad(n: int) -> str`: n times the letter x.\nExample: `pad(400)` should return `'y'`."
    code = "```python\ndef pad(n):\n    return 'x' * n\n```"
    tests = f"```python\nassert pad(400) == '{'x' * 400}'\nassert pad(2) == 'xx'\n```"
    scripted = scripted_roles(questioner=[problem], programmer=[code], test_writer=[tests])
    state = run_seed(scripted, seed)
    assert state["problem"] == problem  # not repaired
    assert state["verdict"]["status"] == "passed"
    assert state["executions"][-1]["test_quality"]["reference_passed"] is True
