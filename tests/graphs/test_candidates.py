"""Several candidates per programmer turn (``Context.candidates``): scripted models, the real local sandbox.

The programmer's script is consumed in call order: the turn's reply is asked first, the sampled others at once
when it failed, so which of them gets which scripted reply is not fixed and the tests accept any order among them;
every script must be used up, so the number of model calls per turn is asserted too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage
from scripted_roles import (
    BAD_CODE,
    BAD_CODES,
    BAD_TESTS,
    BLAME_CODE,
    BLAME_TEST,
    GOOD_CODE,
    GOOD_TESTS,
    PROBLEM,
    SEED,
    run_seed,
    speakers,
)
from typer.testing import CliRunner

from aiev.agents.context import ROLES
from aiev.cli import app
from aiev.graphs.aiev_instruct import build_graph
from aiev.graphs.codergen import solve
from aiev.graphs.pipeline import to_record
from aiev.graphs.report import compute_stats
from aiev.training.samples import sample_from_state

VACUOUS_TESTS = "```python\nassert 1 + 2 == 3\n```"


def test_a_second_candidate_that_passes_answers_the_round(scripted_roles, temperatures) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[BAD_CODE, GOOD_CODE, BAD_CODES[1]],
        test_writer=[GOOD_TESTS],
        context={"candidates": 3, "candidate_temperature": 0.6},
    )
    state = run_seed(scripted)
    assert state["verdict"]["status"] == "passed" and state["round"] == 1
    # one programmer turn for the round, now the passing candidate's, in the first one's place
    assert speakers(state) == ["questioner", "programmer", "test_writer", "interpreter", "programmer"]
    # the sampled candidates are requested at once, so the passing one is the second or the third
    turn = state["messages"][1]
    chosen = turn.additional_kwargs["candidate"]
    assert turn.content == GOOD_CODE and chosen in (1, 2)
    assert turn.additional_kwargs["has_code"] is True
    assert "return a + b" in state["solution"] and "return a + b" in state["messages"][-1].content
    # candidates after the passing one were sampled but never ran
    [record] = state["executions"]
    assert (record["outcome"], record["candidate"], record["candidates_run"]) == ("passed", chosen, chosen + 1)
    programmer = scripted.context.programmer_model
    assert [t for name, t in temperatures if name == programmer] == [0.0, 0.6, 0.6]
    # the training sample is the dialogue: the passing code, no trace of the candidates that failed
    sample = sample_from_state(state)
    assert "a - b" not in str(sample.row()) and "return a + b" in sample.code


def test_when_no_candidate_passes_the_first_ones_failure_is_analysed_and_revised(scripted_roles) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[*BAD_CODES[:3], GOOD_CODE],  # a revision that passes has no others sampled
        test_writer=[GOOD_TESTS],
        error_analyst=[BLAME_CODE],
        context={"candidates": 3},
    )
    state = run_seed(scripted)
    assert state["verdict"]["status"] == "passed" and state["round"] == 2
    assert speakers(state) == [
        "questioner", "programmer", "test_writer", "interpreter",
        "error_analyst", "programmer", "interpreter", "programmer",
    ]  # fmt: skip
    assert state["messages"][1].content == BAD_CODES[0] and state["messages"][5].content == GOOD_CODE
    assert [(e["outcome"], e["candidate"], e["candidates_run"]) for e in state["executions"]] == [
        ("failed", 0, 3),
        ("passed", 0, 1),
    ]
    analyst_view = str(scripted.models["error_analyst"].calls[0])
    assert "a - b - 0" in analyst_view and "a - b - 1" not in analyst_view and "a - b - 2" not in analyst_view
    # the revision and the candidates sampled with it saw one view, closed by the request for corrected code
    views = [call[-1].content for call in scripted.models["programmer"].calls]
    assert views[1] == views[2] and views[3].endswith("in one ```python block.") and "add subtracts" in views[3]


def test_a_revisions_other_candidates_start_afresh_and_one_that_passes_is_counted_as_such(scripted_roles) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[*BAD_CODES[:4], GOOD_CODE, BAD_CODES[4]],
        test_writer=[GOOD_TESTS],
        error_analyst=[BLAME_CODE],
        context={"candidates": 3},
    )
    state = run_seed(scripted)
    assert state["verdict"]["status"] == "passed" and state["round"] == 2
    revision = state["executions"][-1]
    assert revision["outcome"] == "passed" and revision["candidate"] in (1, 2)
    assert state["messages"][5].content == GOOD_CODE  # the round's turn, now the passing candidate's
    # round 1's others answered the turn's view; round 2's were drawn from the task and the check its turn failed
    calls = [str(call) for call in scripted.models["programmer"].calls]
    assert calls[1] == calls[2] and "add(1, 2) is" not in calls[1]
    assert calls[4] == calls[5] != calls[3]
    assert "a - b - 0" in calls[3] and "add subtracts" in calls[3]
    assert not any(f"a - b - {i}" in calls[4] for i in range(4)) and "add subtracts" not in calls[4]
    assert "add(1, 2) is -1; the test expects 3" in calls[4]  # round 1's, the one in the dialogue
    stats = compute_stats([to_record(SEED, state, scripted.context, 1.0)], 1.0)
    assert stats["revision_passes"] == {"turn": 0, "sampled": 1} and stats["multi_round_share"] == 1.0


def test_a_candidate_runs_when_the_first_reply_has_no_code_and_duplicates_run_once(scripted_roles) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=["I would add the two numbers.", BAD_CODE, BAD_CODE, GOOD_CODE],
        test_writer=[GOOD_TESTS],
        context={"candidates": 4},
    )
    state = run_seed(scripted)
    assert state["verdict"]["status"] == "passed" and state["round"] == 1
    [record] = state["executions"]
    # the sampled replies come in any order: GOOD_CODE right away, or after BAD_CODE ran once (its copy never runs)
    assert (record["candidate"], record["candidates_run"]) in {(1, 1), (2, 2), (3, 2)}
    assert state["messages"][1].content == GOOD_CODE


def test_tests_refused_as_vacuous_are_not_retried_with_other_candidates(scripted_roles) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[BAD_CODE],  # none sampled: no code ran
        test_writer=[VACUOUS_TESTS],
        context={"candidates": 2, "max_rounds": 1},
    )
    state = run_seed(scripted)
    assert state["verdict"]["reason"] == "vacuous_tests"
    [record] = state["executions"]
    assert (record["skipped"], record["candidate"], record["candidates_run"]) == ("vacuous_tests", 0, 0)
    assert state["messages"][1].content == BAD_CODE


def test_studio_shows_the_candidate_settings() -> None:
    properties = build_graph().get_context_jsonschema()["properties"]
    assert properties["candidates"]["default"] == 1 and "SelfCodeAlign" in properties["candidates"]["description"]
    assert properties["candidate_temperature"]["default"] == 0.7 and properties["candidate_temperature"]["description"]


def test_one_candidate_is_todays_single_reply(scripted_roles) -> None:
    state = run_seed(scripted_roles(questioner=[PROBLEM], programmer=[GOOD_CODE], test_writer=[GOOD_TESTS]))
    assert state["verdict"]["status"] == "passed"
    assert not {"candidate", "candidates_run"} & set(state["executions"][0])


def test_a_first_reply_that_passes_costs_no_other_candidate(scripted_roles) -> None:
    reply = AIMessage(content=GOOD_CODE, usage_metadata={"input_tokens": 9, "output_tokens": 4, "total_tokens": 13})
    scripted = scripted_roles(
        questioner=[PROBLEM], programmer=[reply], test_writer=[GOOD_TESTS], context={"candidates": 4}
    )
    state = run_seed(scripted)  # the programmer was asked once
    assert state["verdict"]["status"] == "passed"
    assert (state["executions"][0]["candidate"], state["executions"][0]["candidates_run"]) == (0, 1)


def test_tests_rewritten_after_a_blame_do_not_resample_the_turn(scripted_roles) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[GOOD_CODE, BAD_CODE],  # the turn, and its one other candidate after the wrong tests fail it
        test_writer=[BAD_TESTS, GOOD_TESTS],
        error_analyst=[BLAME_TEST],
        context={"candidates": 2},
    )
    state = run_seed(scripted)
    assert state["verdict"]["status"] == "passed" and state["round"] == 2
    assert [(e["outcome"], e["candidate"], e["candidates_run"]) for e in state["executions"]] == [
        ("failed", 0, 2),
        ("passed", 0, 1),
    ]


TASK = "Write `fizz(n)` that returns 'Fizz' when n is divisible by 3 and str(n) otherwise."
WRONG = "```python\ndef fizz(n):\n    return 'Fizz' if n % 5 == 0 else str(n)\n```"
HALF = "```python\ndef fizz(n):\n    return 'Fizz' if n % 3 == 0 else 'x'\n```"
RIGHT = "```python\ndef fizz(n):\n    return 'Fizz' if n % 3 == 0 else str(n)\n```"
USER_TESTS = "assert fizz(3) == 'Fizz'\nassert fizz(4) == '4'\n"


def test_codergen_answers_with_the_passing_candidate(scripted_roles) -> None:
    scripted = scripted_roles(programmer=[WRONG, RIGHT], context={"candidates": 2})
    result = solve(TASK, tests=USER_TESTS, context=scripted.context)
    assert result.passed and result.rounds == 1 and result.chosen_round == 1
    assert "n % 3" in result.code and "str(n)" in result.code
    assert [m["data"]["name"] for m in result.messages] == ["user", "programmer", "interpreter"]
    assert result.messages[1]["data"]["content"] == RIGHT
    assert result.executions[0]["candidate"] == 1


def test_codergen_without_a_pass_returns_the_first_candidate_it_analysed(scripted_roles) -> None:
    # HALF gets further through the tests than WRONG, but WRONG is the round's answer: its failure is the feedback
    # the transcript records, and the code returned must be the code that feedback is about.
    scripted = scripted_roles(programmer=[WRONG, HALF], context={"candidates": 2, "max_rounds": 1})
    result = solve(TASK, tests=USER_TESTS, context=scripted.context)
    assert not result.passed and result.chosen_round == 1
    assert "n % 5" in result.code and "fizz(3)" in result.report
    assert (result.executions[0]["candidate"], result.executions[0]["candidates_run"]) == (0, 2)


@pytest.mark.parametrize(
    ("failure", "spoke"),
    [("first", ["questioner"]), ("second", ["questioner", "programmer", "test_writer"])],
)
def test_a_model_failure_on_any_candidate_ends_the_dialogue(scripted_roles, failure, spoke) -> None:
    calls = iter([BAD_CODE, None] if failure == "second" else [None])

    def programmer(messages):
        reply = next(calls)
        if reply is None:
            raise ConnectionError("Connection refused")
        return reply

    scripted = scripted_roles(
        questioner=[PROBLEM], programmer=programmer, test_writer=[GOOD_TESTS], context={"candidates": 2}
    )
    state = build_graph().invoke({"seed": SEED, "stage": "teaching"}, context=scripted.context)
    assert state["verdict"]["reason"] == "model_error" and speakers(state) == spoke


def test_aiev_generate_takes_candidates_and_writes_the_dialogue_only(scripted_roles, tmp_path: Path) -> None:
    scripted = scripted_roles(questioner=[PROBLEM], programmer=[BAD_CODE, GOOD_CODE], test_writer=[GOOD_TESTS])
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(json.dumps(SEED) + "\n")
    roles = [f"--role-model={role}={scripted.context.model_for(role)}" for role in ROLES]
    args = ["generate", "--seeds", str(seeds), "--out", str(tmp_path / "out"), *roles, "--sandbox", "local"]
    result = CliRunner().invoke(app, [*args, "--candidates", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    [record] = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert record["status"] == "passed" and record["executions"][0]["candidate"] == 1
    [sample] = [json.loads(line) for line in (tmp_path / "out" / "samples.jsonl").read_text().splitlines()]
    assert sample["messages"][1]["data"]["content"] == GOOD_CODE and "a - b" not in json.dumps(sample)
    refused = CliRunner().invoke(app, [*args, "--candidates", "0"])
    assert refused.exit_code == 2 and "--candidates" in refused.output


def test_when_none_passes_the_candidate_that_agrees_with_more_candidates_and_tests_answers_the_round(
    scripted_roles,
) -> None:
    # the second assert is wrong (2 + 2 is not 5): nothing passes, but two candidates agree on the outputs and meet
    # the first assert; the first candidate meets none and agrees with none (CodeT's dual agreement)
    tests = "```python\nassert add(1, 2) == 3\nassert add(2, 2) == 5\n```"
    plus = "```python\ndef add(a, b):\n    return a + b\n```"
    plus_too = "```python\ndef add(a, b):\n    return b + a\n```"
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[BAD_CODE, plus, plus_too],
        test_writer=[tests],
        context={"candidates": 3, "max_rounds": 1},
    )
    state = run_seed(scripted)
    [record] = state["executions"]
    assert record["outcome"] == "failed" and record["candidate"] == 1 and record["candidates_run"] == 3
    assert record["agreement"] == {"0": 0, "1": 2, "2": 2}
    assert state["messages"][1].content in (plus, plus_too) and "add(2, 2) == 5" in state["messages"][3].content


def test_agreement_leaves_the_first_candidate_when_no_candidate_meets_a_test(scripted_roles) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=BAD_CODES[:3],
        test_writer=[GOOD_TESTS],
        context={"candidates": 3, "max_rounds": 1},
    )
    state = run_seed(scripted)
    [record] = state["executions"]
    assert record["candidate"] == 0 and record["agreement"] == {"0": 0, "1": 0, "2": 0}
    assert state["messages"][1].content == BAD_CODES[0]


PLUS = "```python\ndef add(a, b):\n    return a + b\n```"
PLUS_TOO = "```python\ndef add(a, b):\n    return b + a\n```"
PLUS_SUM = "```python\ndef add(a, b):\n    return sum((a, b))\n```"
# the second assert is wrong: 2 + 2 is not 5
ONE_WRONG_ASSERT = "```python\nassert add(1, 2) == 3\nassert add(2, 2) == 5\n```"


@pytest.mark.parametrize("pool", [[PLUS, PLUS_TOO, PLUS_SUM], [PLUS, PLUS, PLUS]], ids=["agreeing", "copies"])
def test_tests_every_candidate_fails_alike_go_back_to_the_test_writer_with_the_asserts(scripted_roles, pool) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=pool,
        test_writer=[ONE_WRONG_ASSERT, GOOD_TESTS],
        context={"candidates": 3},
    )
    state = run_seed(scripted)  # the analyst was never asked: its script is empty
    assert state["verdict"]["status"] == "passed" and state["round"] == 2
    assert speakers(state) == [
        "questioner", "programmer", "test_writer", "interpreter", "test_writer", "interpreter", "programmer",
    ]  # fmt: skip
    first, second = state["executions"]
    assert first["outcome"] == "failed" and first["suspect_asserts"] == ["assert add(2, 2) == 5"]
    assert first["agreeing"] == 3 and "suspect_asserts" not in second
    # the test writer is shown the asserts to recheck, not the value the candidates gave (4)
    request = scripted.models["test_writer"].calls[1][-1].content
    assert "3 solutions" in request and "assert add(2, 2) == 5" in request and "== 4" not in request
    assert "solutions" not in str(scripted.models["test_writer"].calls[0])


@pytest.mark.parametrize(
    ("pool", "candidates"),
    [([BAD_CODE, PLUS, PLUS_TOO], 3), ([PLUS, PLUS_TOO], 2)],
    ids=["one-disagrees", "two-are-too-few"],
)
def test_tests_are_not_suspect_unless_every_one_of_at_least_three_candidates_agrees(
    scripted_roles, pool, candidates
) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=pool,
        test_writer=[ONE_WRONG_ASSERT],
        error_analyst=[BLAME_CODE],
        context={"candidates": candidates, "max_rounds": 2},
    )
    scripted.models["programmer"].script.extend(BAD_CODES[3 : 3 + candidates])  # round 2's, all failing
    state = run_seed(scripted)
    assert speakers(state)[4] == "error_analyst" and "suspect_asserts" not in state["executions"][0]


def test_codergen_answers_with_the_round_whose_candidates_agreed_against_its_generated_tests(scripted_roles) -> None:
    # fizz(4) is '4' by the task: the test writer's tests expect 'x' twice; the three first candidates agree
    # ('4'), fail, and are the answer, although round 3's code, fitted to the tests, gets further through them
    right_too = "```python\ndef fizz(n):\n    if n % 3 == 0:\n        return 'Fizz'\n    return str(n)\n```"
    right_three = "```python\ndef fizz(n):\n    return str(n) if n % 3 else 'Fizz'\n```"
    wrong_tests = "```python\nassert fizz(3) == 'Fizz'\nassert fizz(4) == 'x'\n```"
    rewritten = "```python\nassert fizz(4) == 'x'\nassert fizz(6) == 'Fizz'\nassert fizz(7) == 'y'\n```"
    scripted = scripted_roles(
        programmer=[RIGHT, right_too, right_three, HALF, WRONG, HALF.replace("'x'", "'z'")],
        test_writer=[wrong_tests, rewritten],
        error_analyst=[BLAME_CODE],
        context={"candidates": 3, "max_rounds": 3},
    )
    result = solve(TASK, context=scripted.context)
    assert not result.passed and result.rounds == 3 and result.chosen_round == 1
    assert "str(n)" in result.code and "'x'" not in result.code
    assert [bool(e.get("suspect_asserts")) for e in result.executions] == [True, False, False]
    assert result.executions[2]["tests_reached"] > result.executions[1]["tests_reached"]  # HALF got further
    for role, model in scripted.models.items():
        assert len(model.calls) == len(model.script), role


def test_codergen_never_suspects_a_users_tests(scripted_roles) -> None:
    wrong = "assert fizz(3) == 'Fizz'\nassert fizz(4) == 'x'\n"
    right_too = "```python\ndef fizz(n):\n    return str(n) if n % 3 else 'Fizz'\n```"
    scripted = scripted_roles(
        programmer=[RIGHT, right_too, right_too, HALF],
        error_analyst=[BLAME_TEST],
        context={"candidates": 3, "max_rounds": 2},
    )
    result = solve(TASK, tests=wrong, context=scripted.context)
    assert result.passed and result.rounds == 2 and "'x'" in result.code  # the user's tests are the specification
    assert result.executions[0]["suspect_asserts"] == ["assert fizz(4) == 'x'"]  # recorded, not acted on


def test_tests_that_passed_against_the_seed_are_not_suspect_however_the_candidates_agree(scripted_roles) -> None:
    seed = {"id": "s2", "snippet": "def add(a, b):\n    return a + b", "source": "test"}
    minus = [f"```python\ndef add(a, b):\n    return {body}\n```" for body in ("a - b", "-(b - a)", "a + (-b)")]
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[*minus, *BAD_CODES[:3]],  # round 2's, all failing
        test_writer=["```python\nassert add(1, 2) == 3\nassert add(2, 2) == 4\n```"],
        error_analyst=[BLAME_CODE],
        context={"candidates": 3, "max_rounds": 2},
    )
    state = run_seed(scripted, seed)
    first = state["executions"][0]
    assert first["test_quality"]["reference_passed"] and "suspect_asserts" not in first
    assert speakers(state)[4] == "error_analyst"
