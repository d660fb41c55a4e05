"""Tests that verify nothing are refused before they can verify a sample (issue 12, ARCHITECTURE "test quality").

Scripted role models and the real local sandbox: the stand-ins really run. Every script must be used up, so the
exact sequence of role calls (who is sent back after a refusal) is asserted, not just the verdict.
"""

from __future__ import annotations

import importlib.util
import json
import uuid
from pathlib import Path

import pytest
from langchain_core.messages import messages_to_dict
from scripted_roles import BAD_CODES, BLAME_CODE, GOOD_CODE, GOOD_TESTS, PROBLEM, SEED, run_seed, speakers

from aiev.agents.dialogue import Speaker, say, speaker_of
from aiev.agents.models import register_model, unregister_model
from aiev.agents.scripted import ScriptedChatModel
from aiev.graphs import test_quality
from aiev.graphs.pipeline import to_record
from aiev.graphs.report import compute_stats, render_html
from aiev.sandbox.types import ExecResult, Outcome

REDRAW_BENCH = Path(__file__).resolve().parents[2] / "bench" / "test_writer_redraw.py"
CALLS_NOTHING = "```python\nassert True\nassert 1 + 2 == 3\n```"
# Pass whatever ``add`` returns, or whatever it raises: only a stand-in run finds out.
PASSES_NONE = "```python\nassert add(1, 2) is None or True\n```"
SWALLOWS = "```python\ntry:\n    assert add(1, 2) == 3\nexcept Exception:\n    pass\n```"
# Fails against ``return None`` (no error) but passes against ``raise NotImplementedError``: some error is enough.
ANY_ERROR = "```python\ntry:\n    add(1, 'x')\nexcept Exception:\n    pass\nelse:\n    assert False, 'no error'\n```"
# Every expected value is the first argument: ``return a`` passes (seen: ``reorder_params(d) == d`` for a sort).
ECHOES = "```python\nassert add(5, 0) == 5\nassert add(0, 0) == 0\nassert add(-2, 0) == -2\n```"
# Every expected value is the same: ``return 0`` passes (seen: ``isfuture(x) == False`` for 26 floats).
CONSTANT = "```python\nassert add(1, -1) == 0\nassert add(2, -2) == 0\nassert add(-3, 3) == 0\n```"
# Use the result and check nothing about it: an object that takes any call passes (seen: a csv ``DictWriter``'s
# tests called ``writeheader`` and ``writerow`` in ``with open(...)`` blocks and asserted nothing that was written).
NOTHING_CHECKED = "```python\nw = add(1, 2)\nw.writerow(['a', 'b'])\nassert w is not None\n```"
# One expected value is always that of a constant (seen: ``list(generate_matches([], [])) == [(0, {})]`` alone).
ONE_ASSERT = "```python\ndef test_add():\n    assert add(2, 3) == 5, 'two and three'\n\ntest_add()\n```"


@pytest.mark.parametrize(
    ("tests", "vacuity", "told"),
    [
        (CALLS_NOTHING, "calls_nothing", "use nothing the solution defines (`add`)"),
        (PASSES_NONE, "returns_none", "every function returns None"),
        (SWALLOWS, "returns_none", "every function returns None"),
        (ANY_ERROR, "raises", "every function raises NotImplementedError"),
        (ECHOES, "returns_input", "every function returns its first argument unchanged"),
        (CONSTANT, "returns_constant", "every function returns that one constant"),
        (ONE_ASSERT, "returns_constant", "every function returns that one constant"),
        (NOTHING_CHECKED, "returns_anything", "only check that nothing raises an error"),
    ],
)
def test_vacuous_tests_are_refused_and_go_back_to_the_test_writer(scripted_roles, tests, vacuity, told) -> None:
    scripted = scripted_roles(questioner=[PROBLEM], programmer=[GOOD_CODE], test_writer=[tests, GOOD_TESTS])
    state = run_seed(scripted)
    # the refused round counts, the programmer (whose code was right) is not asked again, no analyst is involved
    assert speakers(state) == [
        "questioner", "programmer", "test_writer", "interpreter", "test_writer", "interpreter", "programmer",
    ]  # fmt: skip
    assert state["verdict"]["status"] == "passed" and state["round"] == 2
    refused, verified = state["executions"]
    assert refused["skipped"] == "vacuous_tests" and refused["outcome"] == "error"
    assert refused["test_quality"]["verdict"] == "vacuous" and refused["test_quality"]["vacuity"] == vacuity
    assert verified["outcome"] == "passed" and verified["test_quality"]["verdict"] == "verifies"
    assert told in state["messages"][3].content and state["messages"][3].content.startswith("Nothing was executed")
    # the test writer is shown why its tests were refused when it is asked again
    assert told in scripted.models["test_writer"].calls[1][-1].content


def test_a_dialogue_that_ends_with_vacuous_tests_is_discarded_with_that_reason(scripted_roles) -> None:
    # The wrong code would "pass" these tests if they were run: they must never verify it.
    scripted = scripted_roles(
        questioner=[PROBLEM], programmer=[BAD_CODES[0]], test_writer=[PASSES_NONE, SWALLOWS], context={"max_rounds": 2}
    )
    state = run_seed(scripted)
    assert state["verdict"]["status"] == "discarded" and state["verdict"]["reason"] == "vacuous_tests"
    assert "returns None" in state["verdict"]["last_error"]
    assert [e["skipped"] for e in state["executions"]] == ["vacuous_tests", "vacuous_tests"]
    assert not any(e["outcome"] == "passed" for e in state["executions"])

    # ... and the run's statistics count it under its own reason, with the refused rounds
    stats = compute_stats([to_record(SEED, state, scripted.context, 1.0)], wall_s=1.0)
    assert stats["discard_reasons"] == {"vacuous_tests": 1} and stats["vacuous_test_rounds"] == 2
    assert "<th>rounds whose tests were refused as vacuous</th><td>2</td>" in render_html(stats)


def test_good_tests_are_checked_once_while_the_solution_keeps_its_shape(scripted_roles, monkeypatch) -> None:
    runs: list[str] = []
    real = test_quality.run_request

    def counting(sandbox, request):
        runs.append(request.files["main.py"])
        return real(sandbox, request)

    monkeypatch.setattr(test_quality, "run_request", counting)
    scripted = scripted_roles(
        questioner=[PROBLEM], programmer=[BAD_CODES[0], GOOD_CODE], test_writer=[GOOD_TESTS], error_analyst=[BLAME_CODE]
    )
    state = run_seed(scripted)
    assert [e["outcome"] for e in state["executions"]] == ["failed", "passed"]
    # round 1: every stand-in fails the tests; round 2: a revision with the same signature reuses that verdict
    assert len(runs) == 4 and "return None" in runs[0] and "raise NotImplementedError" in runs[1]
    assert "return a\n" in runs[2] and "return _StandInAnything()" in runs[3]
    first, second = (e["test_quality"] for e in state["executions"])
    assert first == second and first["verdict"] == "verifies"


def test_a_sandbox_failure_during_the_check_ends_the_dialogue_as_sandbox_error(scripted_roles, monkeypatch) -> None:
    broken = ExecResult(outcome=Outcome.SANDBOX_ERROR, stderr="docker daemon gone")
    monkeypatch.setattr(test_quality, "run_request", lambda sandbox, request: broken)
    state = run_seed(scripted_roles(questioner=[PROBLEM], programmer=[GOOD_CODE], test_writer=[GOOD_TESTS]))
    assert state["verdict"]["reason"] == "sandbox_error" and "docker daemon gone" in state["verdict"]["last_error"]
    assert state["executions"][-1]["test_quality"]["verdict"] == "unchecked"


@pytest.mark.docker
def test_the_stand_ins_run_in_the_docker_sandbox_too(scripted_roles, docker_engine) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM], programmer=[GOOD_CODE], test_writer=[SWALLOWS, GOOD_TESTS], context={"sandbox": "docker"}
    )
    refused, verified = run_seed(scripted)["executions"]
    assert refused["skipped"] == "vacuous_tests" and refused["test_quality"]["vacuity"] == "returns_none"
    assert verified["outcome"] == "passed" and verified["engine"] == "docker"


def test_a_users_tests_that_expect_one_value_are_the_specification_not_vacuous(scripted_roles) -> None:
    from aiev.graphs.codergen import solve

    scripted = scripted_roles(programmer=[GOOD_CODE])
    result = solve(PROBLEM, tests="assert add(1, -1) == 0\nassert add(2, -2) == 0\n", context=scripted.context)
    assert result.passed and result.executions[0]["test_quality"]["verdict"] == "verifies"


def test_refused_tests_resent_verbatim_are_drawn_again_at_the_candidate_temperature(
    scripted_roles, temperatures
) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[GOOD_CODE],
        test_writer=[CONSTANT, CONSTANT, GOOD_TESTS],  # the 1.5B resent its refused tests verbatim
        context={"candidate_temperature": 0.6},
    )
    state = run_seed(scripted)
    assert state["verdict"]["status"] == "passed" and state["round"] == 2
    # one turn per request: the resent copy is replaced by the sampled reply, which is what ran
    assert speakers(state) == [
        "questioner", "programmer", "test_writer", "interpreter", "test_writer", "interpreter", "programmer",
    ]  # fmt: skip
    rewrite = state["messages"][4]
    assert rewrite.content == GOOD_TESTS and rewrite.additional_kwargs["resampled"] is True
    assert state["messages"][2].additional_kwargs["resampled"] is False
    writer = scripted.context.test_writer_model
    assert [t for name, t in temperatures if name == writer] == [0.0, 0.0, 0.6]
    # the second draw starts over: the task and the refusal, not the refused tests to copy once more
    *_, copied, fresh = ["\n".join(str(m.content) for m in call) for call in scripted.models["test_writer"].calls]
    constant_tests = CONSTANT.split("```python\n")[1].split("```")[0].strip()
    refusal = str(state["messages"][3].content)
    assert constant_tests in copied and constant_tests not in fresh
    assert "def add(a: int, b: int)" in fresh and refusal in fresh


def test_a_reply_without_tests_sent_again_word_for_word_is_drawn_again(scripted_roles, temperatures) -> None:
    # zlib's IncrementalEncoder (session 22): the same implementation, its expected bytes cut, three rounds running
    no_tests = "```python\ndef add(a, b):\n    return a + b\n\n# Check the result\n```"
    scripted = scripted_roles(
        questioner=[PROBLEM],
        programmer=[GOOD_CODE],
        test_writer=[no_tests, no_tests, GOOD_TESTS],
        context={"candidate_temperature": 0.6},
    )
    state = run_seed(scripted)
    assert state["verdict"]["status"] == "passed" and state["round"] == 2
    first, second = (m for m in state["messages"] if speaker_of(m) is Speaker.TEST_WRITER)
    assert first.additional_kwargs["resampled"] is False and first.content == no_tests
    assert second.additional_kwargs["resampled"] is True and second.content == GOOD_TESTS
    writer = scripted.context.test_writer_model
    assert [t for name, t in temperatures if name == writer] == [0.0, 0.0, 0.6]


def test_tests_refused_before_and_sent_again_after_another_reply_are_drawn_again(scripted_roles) -> None:
    # the 1.5B's isframe (session 22): refused tests, a reply without tests, then the refused tests once more
    no_tests = "```python\ndef add(a, b):\n    return a + b\n```"
    scripted = scripted_roles(
        questioner=[PROBLEM], programmer=[GOOD_CODE], test_writer=[CONSTANT, no_tests, CONSTANT, GOOD_TESTS]
    )
    state = run_seed(scripted)
    assert state["verdict"]["status"] == "passed" and state["round"] == 3
    turns = [m for m in state["messages"] if speaker_of(m) is Speaker.TEST_WRITER]
    assert [t.additional_kwargs["resampled"] for t in turns] == [False, False, True]
    assert turns[-1].content == GOOD_TESTS


def test_the_redraw_bench_replays_each_copied_second_draw_through_todays_test_writer(tmp_path, capsys) -> None:
    spec = importlib.util.spec_from_file_location("test_writer_redraw", REDRAW_BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    refusal = "Nothing was executed: the tests expect one value for every input."
    dialogue = [
        say(Speaker.QUESTIONER, PROBLEM), say(Speaker.PROGRAMMER, GOOD_CODE),
        say(Speaker.TEST_WRITER, CONSTANT, resampled=False), say(Speaker.INTERPRETER, refusal),
        say(Speaker.TEST_WRITER, CONSTANT, resampled=True),  # the second draw copied the refused tests
        say(Speaker.INTERPRETER, refusal),
    ]  # fmt: skip
    run = tmp_path / "run"
    run.mkdir()
    record = {"seed": {"source": "add.py:1"}, "messages": messages_to_dict(dialogue)}
    (run / "results.jsonl").write_text(json.dumps(record) + "\n")
    # each try: the greedy reply copies again, then the second draw: new tests once, no tests once
    model = ScriptedChatModel(script=[CONSTANT, GOOD_TESTS, CONSTANT, "I cannot."])
    name = f"scripted-redraw-{uuid.uuid4().hex[:8]}"
    register_model(name, model)
    try:
        bench.main([str(run), "--model", name, "--tries", "2"])
    finally:
        unregister_model(name)
    printed = capsys.readouterr().out
    assert "copies replayed 1, turns 2: the copy again 0, new tests 1, no tests 1" in printed
    # replayed up to the copied turn: the greedy reply saw the refused tests, the second draw did not
    greedy, second = ("\n".join(str(m.content) for m in call) for call in model.calls[:2])
    assert "assert add(2, -2) == 0" in greedy and "assert add(2, -2) == 0" not in second and refusal in second


def test_an_assert_the_test_writer_looped_is_in_its_turn_and_the_tests_once(scripted_roles) -> None:
    # the 0.5B's to_filename tests (session 19): one assert some forty times; the sample's test turn is this reply
    looped = "```python\n# Test cases\n" + "assert add(1, 2) == 3\n" * 40 + "assert add(-1, 1) == 0\n```"
    scripted = scripted_roles(questioner=[PROBLEM], programmer=[GOOD_CODE], test_writer=[looped])
    state = run_seed(scripted)
    assert state["verdict"]["status"] == "passed"
    assert state["tests"].count("assert add(1, 2) == 3") == 1 and "assert add(-1, 1) == 0" in state["tests"]
    turn = state["messages"][speakers(state).index("test_writer")]
    assert turn.content == "```python\n# Test cases\nassert add(1, 2) == 3\nassert add(-1, 1) == 0\n```"


def test_a_refusal_asks_for_the_solutions_functions_and_classes_not_its_examples_variables() -> None:
    # the 1.5B's isframe kept an example's variables at module level, and its refusal asked to call them too
    solution = (
        "import inspect, types\n\ndef isframe(obj):\n    return isinstance(obj, types.FrameType)\n\n"
        "frame = inspect.currentframe()\nobj = 3\n"
    )
    assert test_quality.asked_names(solution) == ["isframe"]
    # no function or class: what it defines
    assert test_quality.asked_names("LIMIT = 3\nTABLE = {}\n") == ["LIMIT", "TABLE"]
