"""The generation pipeline in-process: outputs, statistics, resume after success and after model failure."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fake_openai import adder_script, role_of
from langchain_core.messages import messages_from_dict

from aiev.agents.dialogue import speaker_of
from aiev.agents.model_specs import UnknownModelError
from aiev.agents.models import register_model, unregister_model
from aiev.agents.scripted import ScriptedChatModel
from aiev.graphs.pipeline import PipelineConfig, run_pipeline
from aiev.graphs.presets import resolve_context, role_overrides


def write_seeds(path: Path, snippets: list[str]) -> Path:
    path.write_text("".join(json.dumps({"id": f"s{i}", "snippet": s}) + "\n" for i, s in enumerate(snippets)))
    return path


@pytest.fixture
def adder_model():
    model = ScriptedChatModel(script=adder_script)
    register_model("pipeline-adder", model)
    yield model
    unregister_model("pipeline-adder")


def config(tmp_path: Path, seeds: Path, model: str = "pipeline-adder", **extra) -> PipelineConfig:
    context = resolve_context("teaching", overrides={**role_overrides(model), "sandbox": "local", "max_rounds": 2})
    return PipelineConfig(seeds=seeds, out=tmp_path / "out", context=context, progress=False, **extra)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_outputs_stats_and_report(tmp_path: Path, adder_model) -> None:
    seeds = write_seeds(tmp_path / "seeds.jsonl", ["x = 1", "hard = 2", "y = 3", "z = 4", "x  =  1  # dup"])
    summary = run_pipeline(config(tmp_path, seeds, concurrency=3))
    out = tmp_path / "out"
    assert (summary.selected, summary.ran, summary.passed, summary.discarded) == (4, 4, 3, 1)

    samples = read_jsonl(out / "samples.jsonl")
    assert sorted(s["seed_id"] for s in samples) == ["s0", "s2", "s3"]
    messages = messages_from_dict(samples[0]["messages"])
    assert [speaker_of(m).value for m in messages] == [
        "questioner",
        "programmer",
        "test_writer",
        "interpreter",
        "programmer",
    ]
    assert samples[0]["models"]["programmer"] == "pipeline-adder" and samples[0]["stage"] == "teaching"

    (discard,) = read_jsonl(out / "discards.jsonl")
    assert discard["seed_id"] == "s1" and discard["reason"] == "max_rounds"
    assert "AssertionError" in discard["last_error"] and discard["rounds"] == 2

    stats = json.loads((out / "stats.json").read_text())
    assert stats["pass_rate"] == pytest.approx(0.75)
    assert stats["rounds_to_pass"] == {"1": 3}
    assert stats["discard_reasons"] == {"max_rounds": 1}
    assert stats["multi_round_share"] == 0.0
    assert "data:image/png;base64," in (out / "report.html").read_text()


def test_rerun_skips_finished_seeds_and_extends_with_a_larger_limit(tmp_path: Path, adder_model) -> None:
    seeds = write_seeds(tmp_path / "seeds.jsonl", ["a = 1", "b = 2", "c = 3"])
    run_pipeline(config(tmp_path, seeds, limit=2))
    calls = len(adder_model.calls)
    again = run_pipeline(config(tmp_path, seeds, limit=2))
    assert (again.ran, again.already_done, len(adder_model.calls)) == (0, 2, calls)
    more = run_pipeline(config(tmp_path, seeds))
    assert (more.ran, more.already_done, more.passed) == (1, 2, 3)
    assert len(read_jsonl(tmp_path / "out" / "results.jsonl")) == 3


def test_model_failures_are_discards_that_the_next_run_retries(tmp_path: Path, adder_model) -> None:
    def down(messages):
        raise ConnectionError("Connection refused")

    register_model("pipeline-down", ScriptedChatModel(script=down))
    try:
        seeds = write_seeds(tmp_path / "seeds.jsonl", ["a = 1", "b = 2"])
        failed = run_pipeline(config(tmp_path, seeds, model="pipeline-down"))
    finally:
        unregister_model("pipeline-down")
    assert (failed.discarded, failed.retryable) == (2, 2)
    assert "Connection refused" in failed.first_error
    retried = run_pipeline(config(tmp_path, seeds))
    assert (retried.ran, retried.passed, retried.retryable) == (2, 2, 0)
    assert sorted(s["seed_id"] for s in read_jsonl(tmp_path / "out" / "samples.jsonl")) == ["s0", "s1"]
    assert read_jsonl(tmp_path / "out" / "discards.jsonl") == []


def test_unknown_model_stops_the_run_before_any_work(tmp_path: Path) -> None:
    seeds = write_seeds(tmp_path / "seeds.jsonl", ["a = 1"])
    with pytest.raises(UnknownModelError, match="no-such-model"):
        run_pipeline(config(tmp_path, seeds, model="no-such-model"))
    assert not (tmp_path / "out" / "results.jsonl").exists()


def test_until_verified_starts_no_seed_once_enough_are_verified_and_lets_those_in_flight_finish(
    tmp_path: Path, adder_model
) -> None:
    seeds = write_seeds(tmp_path / "seeds.jsonl", ["hard = 0", "a = 1", "b = 2", "c = 3", "d = 4", "e = 5"])
    one_at_a_time = run_pipeline(config(tmp_path, seeds, concurrency=1, until_verified=2))
    assert (one_at_a_time.ran, one_at_a_time.passed, one_at_a_time.discarded) == (3, 2, 1)
    assert (one_at_a_time.not_started, one_at_a_time.reached) == (3, 3)
    assert [r["seed_id"] for r in read_jsonl(tmp_path / "out" / "results.jsonl")] == ["s0", "s1", "s2"]

    again = run_pipeline(config(tmp_path, seeds, concurrency=1, until_verified=2))
    assert (again.ran, again.already_done, again.not_started, again.reached) == (0, 3, 3, 3)  # earlier ones count

    # Two in flight: the first pass stops the drawing, the other dialogue already running still finishes.
    wider = run_pipeline(config(tmp_path, seeds, concurrency=2, until_verified=3))
    assert (wider.ran, wider.passed, wider.not_started, wider.reached) == (2, 4, 1, 5)
    assert sorted(s["seed_id"] for s in read_jsonl(tmp_path / "out" / "samples.jsonl")) == ["s1", "s2", "s3", "s4"]


def test_a_dialogue_resumed_after_a_kill_records_the_time_spent_before_it(tmp_path: Path) -> None:
    from aiev.graphs.pipeline import SeedWork

    killed = {"yet": False}

    def slow_then_killed(messages) -> str:
        role = role_of([{"content": m.content} for m in messages])
        if role == "questioner":
            time.sleep(1.5)  # the time spent before the kill, checkpointed with the questioner's turn
        elif role == "programmer" and not killed["yet"]:
            killed["yet"] = True
            raise KeyboardInterrupt  # the process dies mid-dialogue: no record, the checkpoints stay
        return adder_script(messages)

    register_model("pipeline-killed", ScriptedChatModel(script=slow_then_killed))
    try:
        context = resolve_context("teaching", overrides={**role_overrides("pipeline-killed"), "sandbox": "local"})
        work = SeedWork(context=context, stage="teaching", checkpoints=tmp_path / "checkpoints.sqlite")
        seed = {"id": "s0", "snippet": "v = 1", "source": "test"}
        with work.open(remote=False) as runner, pytest.raises(KeyboardInterrupt):
            runner(seed)
        started = time.monotonic()
        with work.open(remote=False) as runner:
            record = runner(seed)
        resumed_for = time.monotonic() - started
    finally:
        unregister_model("pipeline-killed")
    assert record["status"] == "passed" and resumed_for < 1.5  # the questioner was not asked again
    assert record["duration_s"] >= 1.5 + resumed_for - 0.1  # the dialogue's whole time, not the resume's alone


def test_a_dialogue_that_raises_is_logged_with_where_aiev_raised_it(tmp_path: Path, adder_model, monkeypatch) -> None:
    from aiev.graphs import aiev_instruct

    def check_examples(state, runtime):
        return broken_helper(state)

    def broken_helper(state):
        return list(state.get("no such field"))  # TypeError: 'NoneType' object is not iterable

    monkeypatch.setattr(aiev_instruct, "check_examples", check_examples)
    seeds = write_seeds(tmp_path / "seeds.jsonl", ["x = 1"])
    summary = run_pipeline(config(tmp_path, seeds))
    assert summary.retryable == 1
    [record] = read_jsonl(tmp_path / "out" / "results.jsonl")
    assert record["reason"] == "internal_error"
    error = record["last_error"]
    assert error.startswith("TypeError: 'NoneType' object is not iterable (at ")
    assert error.endswith("tests/graphs/test_pipeline.py:" + str(_line_of("list(state.get")) + " in broken_helper)")
    assert "in check_examples -> " in error and ".venv" not in error and "langgraph" not in error


def _line_of(text: str) -> int:
    return next(
        n for n, line in enumerate(Path(__file__).read_text().splitlines(), 1) if text in line and "def" not in line
    )
