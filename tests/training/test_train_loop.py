"""The teaching -> self-learning loop with scripted generation, training and evaluation: batches sized in verified
samples, seed ranges, dedup against earlier batches, the stage switch and resume."""

from __future__ import annotations

import io
import json
from contextlib import nullcontext
from pathlib import Path

import pytest
from rich.console import Console
from scripted_loop import Crash, Script, seed_id

from aiev.agents.context import ROLES
from aiev.training.build import BuildOptions
from aiev.training.errors import TrainingInputError
from aiev.training.export import read_jsonl
from aiev.training.loop import LoopConfig, StageSwitch, batch_dir, load_state, run_loop, state_path


def _config(out: Path, batches: int, batch_samples: int = 10) -> LoopConfig:
    return LoopConfig(
        out=out,
        batches=batches,
        teacher="teacher",
        base="base",
        build=BuildOptions(humaneval=False, batch_size=batch_samples),
    )


def _console() -> tuple[Console, io.StringIO]:
    text = io.StringIO()
    return Console(file=text, width=200), text


def test_student_win_switches_to_self_learning_and_records_both_scores(tmp_path):
    script = Script(student_scores=[0.2, 0.7, 0.9])
    console, printed = _console()
    state = run_loop(_config(tmp_path, 3), script.steps(), console)
    generated = [c for c in script.calls if c[0] == "generate"]
    assert generated == [
        ("generate", 0, "teaching", None),
        ("generate", 1, "teaching", "student-0"),
        ("generate", 2, "self_learning", "student-1"),  # the winner generates its own data
    ]
    assert [c for c in script.calls if c[0] == "train"] == [("train", 0, 9), ("train", 1, 18), ("train", 2, 27)]
    assert [(r.seed_start, r.seed_stop, r.samples, r.heldout_samples) for r in state.history] == [
        (0, 10, 10, 1),  # 1:9 held out per batch
        (10, 20, 10, 1),
        (20, 30, 10, 1),
    ]
    assert state.stage == "self_learning"
    assert state.switch == StageSwitch(batch=1, teacher_pass1=0.5, student_pass1=0.7)
    assert json.loads(state_path(tmp_path).read_text())["switch"] == {
        "batch": 1,
        "teacher_pass1": 0.5,
        "student_pass1": 0.7,
    }
    assert "stage switch after batch 1: the student's held-out pass@1 0.700 beats the teacher's 0.500" in (
        printed.getvalue()
    )
    assert [(r.stage, r.teacher_pass1, r.base_pass1, r.student_pass1) for r in state.history] == [
        ("teaching", 0.5, 0.25, 0.2),
        ("teaching", 0.5, 0.25, 0.7),
        ("self_learning", 0.5, 0.25, 0.9),
    ]
    evaluated = [c[1:] for c in script.calls if c[0] == "evaluate"]  # each held-out split scores all three
    assert evaluated == [(b, m) for b in range(3) for m in ("teacher", "base", f"student-{b}")]
    assert all(list(r.seconds) == ["generate", "build", "train", "evaluate"] for r in state.history)
    assert all(seconds >= 0 for r in state.history for seconds in r.seconds.values())
    assert load_state(tmp_path) == state


def test_batch_takes_seeds_until_it_holds_its_verified_samples(tmp_path):
    # Batch 0 needs 10 verified samples: seeds 1, 4, 5 and 12 fail, so it takes seeds 0-13. Batch 1 starts at 14.
    script = Script(student_scores=[0.1, 0.2], failing=frozenset({1, 4, 5, 12}))
    state = run_loop(_config(tmp_path, 2), script.steps())
    assert script.asked == [(0, 0, 10), (1, 14, 10)]
    assert [(r.seed_start, r.seed_stop, r.samples, r.short) for r in state.history] == [
        (0, 14, 10, False),
        (14, 24, 10, False),
    ]
    assert script.generated == list(range(24))
    built = [json.loads(line)["seed_id"] for line in (batch_dir(tmp_path, 0) / "generated" / "samples.jsonl").open()]
    assert built == [seed_id(i) for i in range(14) if i not in {1, 4, 5, 12}]


def test_crash_mid_generate_neither_redoes_nor_reuses_seeds(tmp_path):
    script = Script(student_scores=[0.1, 0.2], failing=frozenset({1, 4, 5, 12}))
    script.crash_on = {("seed", 11), ("seed", 17)}  # inside batch 0's generate step, then inside batch 1's
    with pytest.raises(Crash):
        run_loop(_config(tmp_path, 2), script.steps())
    current = load_state(tmp_path).current
    assert (current.batch, current.seed_start, current.done) == (0, 0, [])
    with pytest.raises(Crash):
        run_loop(_config(tmp_path, 2), script.steps())
    saved = load_state(tmp_path)
    assert saved.history[0].seed_stop == 14 and (saved.current.batch, saved.current.seed_start) == (1, 14)
    state = run_loop(_config(tmp_path, 2), script.steps())
    assert script.asked == [(0, 0, 10), (0, 0, 10), (1, 14, 10), (1, 14, 10)]
    assert script.generated == list(range(24))  # every seed generated once, in order, across crashes and batches
    assert [(r.seed_start, r.seed_stop, r.samples) for r in state.history] == [(0, 14, 10), (14, 24, 10)]


def test_resume_after_crashes_redoes_only_unfinished_steps(tmp_path):
    script = Script(student_scores=[0.1, 0.2])
    script.crash_on = {("train", 1, 18), ("evaluate", 1, "base"), ("evaluate", 1, "student-1")}
    with pytest.raises(Crash):
        run_loop(_config(tmp_path, 2), script.steps())
    saved = load_state(tmp_path)
    assert len(saved.history) == 1 and saved.current.batch == 1 and saved.current.done == ["generate", "build"]
    assert list(saved.current.seconds) == ["generate", "build"]  # the crashed train step has no time
    with pytest.raises(Crash):
        run_loop(_config(tmp_path, 2), script.steps())
    assert load_state(tmp_path).current.teacher_pass1 == 0.5  # scored before the crash, kept
    with pytest.raises(Crash):
        run_loop(_config(tmp_path, 2), script.steps())
    assert load_state(tmp_path).current.base_pass1 == 0.25
    state = run_loop(_config(tmp_path, 2), script.steps())
    assert len(state.history) == 2 and state.current is None and state.stage == "teaching" and state.switch is None
    assert script.calls.count(("generate", 1, "teaching", "student-0")) == 1
    assert script.calls.count(("evaluate", 1, "teacher")) == 1
    assert script.calls.count(("evaluate", 1, "base")) == 2  # crashed once, then redone
    assert script.calls.count(("evaluate", 1, "student-1")) == 2
    script.calls.clear()
    assert run_loop(_config(tmp_path, 2), script.steps()) == state and script.calls == []  # finished: nothing to do


def _ids(built: Path, name: str) -> set[str]:
    return {sample.id for sample in read_jsonl(built / "raw" / f"{name}.jsonl")}


def test_a_copy_of_an_earlier_batch_sample_is_dropped_from_the_later_batch(tmp_path):
    script = Script(student_scores=[0.1, 0.2])
    run_loop(_config(tmp_path, 1), script.steps())
    first = batch_dir(tmp_path, 0) / "built"
    heldout = next(iter(_ids(first, "test")))  # copies of batch 0's held-out sample and of a training sample
    trained = sorted(_ids(first, "train"))[0]
    original = {sample_id: int(sample_id.split("-")[1]) for sample_id in (heldout, trained)}
    script.codes[13] = "def renamed(x):  # a copy\n" + Script.code(original[heldout]).split("\n", 1)[1]
    script.codes[16] = Script.code(original[trained]) + "  # the same code, commented\n"  # exact once normalised
    script.codes[18] = Script.code(original[trained]).replace("()", "(1)")  # a near copy
    state = run_loop(_config(tmp_path, 2), script.steps())
    second = batch_dir(tmp_path, 1) / "built"
    report = json.loads((second / "build_report.json").read_text())
    assert (report["exact_duplicates"], report["near_duplicates"], report["earlier_duplicates"]) == (2, 1, 3)
    assert sorted(report["earlier_duplicate_ids"]) == [seed_id(13), seed_id(16), seed_id(18)]
    kept = _ids(second, "train") | _ids(second, "test")
    assert kept == {seed_id(i) for i in range(10, 20)} - {seed_id(13), seed_id(16), seed_id(18)}
    heldout_records = [json.loads(line)["seed_id"] for line in (second / "heldout.jsonl").open()]
    assert not {seed_id(13), seed_id(16), seed_id(18)} & set(heldout_records)
    assert state.history[1].earlier_duplicates == 3 and state.history[1].samples == 10
    assert state.history[1].train_samples == 9 + len(_ids(second, "train"))


def test_seeds_running_out_close_a_short_batch_then_stop_until_more_are_added(tmp_path):
    script = Script(student_scores=[0.1, 0.2, 0.3, 0.4], seeds=25)
    console, printed = _console()
    state = run_loop(_config(tmp_path, 4), script.steps(), console)
    assert [(r.seed_start, r.seed_stop, r.samples, r.short) for r in state.history] == [
        (0, 10, 10, False),
        (10, 20, 10, False),
        (20, 25, 5, True),  # short, but built, trained and evaluated
    ]
    assert "the seeds ran out: a short batch of 5 verified samples (of 10) from seeds 20..24" in printed.getvalue()
    assert "the seeds ran out: batch 3 holds no verified sample (no seed left)" in printed.getvalue()
    assert state.current is not None and (state.current.batch, state.current.done) == (3, [])
    assert load_state(tmp_path) == state
    script.seeds = 40  # the seeds file grew at its end: the rerun continues where the seeds ran out
    state = run_loop(_config(tmp_path, 4), script.steps(), console)
    assert [(r.seed_start, r.seed_stop, r.short) for r in state.history][3] == (25, 35, False)
    assert script.generated == list(range(35))


def test_a_state_file_of_the_seed_counted_loop_is_refused(tmp_path):
    state_path(tmp_path).write_text(json.dumps({"stage": "teaching", "switched_at": None, "history": []}))
    with pytest.raises(TrainingInputError, match="counted batches in seeds.*new --out"):
        run_loop(_config(tmp_path, 1), Script(student_scores=[0.1]).steps())
    state_path(tmp_path).write_text("{oops")
    with pytest.raises(TrainingInputError, match="not a loop state file"):
        load_state(tmp_path)


def test_default_generate_runs_the_pipeline_on_the_seeds_left_until_the_batch_is_full(tmp_path, monkeypatch):
    from aiev.graphs import pipeline
    from aiev.training.errors import TrainingStepError
    from aiev.training.loop_steps import DefaultSteps, LoopResources

    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text("".join(json.dumps({"id": f"s{i}", "snippet": f"x = {i}"}) + "\n" for i in range(5)))
    runs: list[tuple[list[str], int | None]] = []
    retryable = [0]

    def run_pipeline(config):
        selected = [json.loads(line)["id"] for line in config.seeds.read_text().splitlines()]
        runs.append((selected, config.until_verified))
        assert config.out == tmp_path / "generated" and config.stage == "teaching"
        return pipeline.RunSummary(
            out=config.out, selected=len(selected), already_done=0, ran=2, not_started=len(selected) - 2, reached=2,
            passed=1, discarded=1, retryable=retryable[0], stats={},
        )  # fmt: skip

    monkeypatch.setattr(pipeline, "run_pipeline", run_pipeline)
    steps = DefaultSteps(LoopResources(seeds=seeds, base=str(tmp_path), teacher="teacher"))
    assert steps.generate(0, "teaching", None, 0, 3, tmp_path / "generated") == 2  # the seeds the pipeline took
    assert steps.generate(1, "teaching", None, 3, 10, tmp_path / "generated") == 2
    assert steps.generate(2, "teaching", None, 5, 10, tmp_path / "generated") == 0  # no seed left: nothing run
    assert runs == [(["s0", "s1", "s2", "s3", "s4"], 3), (["s3", "s4"], 10)]
    retryable[0] = 2
    with pytest.raises(TrainingStepError, match="2 seeds failed for reasons not their own"):
        steps.generate(0, "teaching", None, 0, 3, tmp_path / "generated")


def test_default_generate_runs_with_the_preset_and_the_stage_s_model_in_every_role(tmp_path, monkeypatch):
    from aiev.graphs import pipeline
    from aiev.training import loop_steps
    from aiev.training.loop_steps import DefaultSteps, LoopResources

    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(json.dumps({"id": "s0", "snippet": "x = 0"}) + "\n")
    preset = tmp_path / "preset.yaml"  # its role model must not win over the loop's choice
    preset.write_text("max_rounds: 2\ncandidates: 3\nprogrammer_model: someone-else\n")
    contexts = []

    def run_pipeline(config):
        contexts.append((config.stage, config.context, config.concurrency))
        return pipeline.RunSummary(
            out=config.out, selected=1, already_done=0, ran=1, not_started=0, reached=1, passed=1, discarded=0,
            retryable=0, stats={},
        )  # fmt: skip

    monkeypatch.setattr(pipeline, "run_pipeline", run_pipeline)
    monkeypatch.setattr(loop_steps, "served_gguf", lambda *args, **kwargs: nullcontext())
    resources = LoopResources(seeds=seeds, base=str(tmp_path), teacher="teacher", preset=preset, concurrency=5)
    steps = DefaultSteps(resources)
    steps.generate(0, "teaching", None, 0, 1, tmp_path / "a")
    steps.generate(1, "self_learning", str(tmp_path), 0, 1, tmp_path / "b")
    (stage, teaching, concurrency), (_, learning, _) = contexts
    assert (stage, teaching.max_rounds, teaching.candidates, concurrency) == ("teaching", 2, 3, 5)
    assert {teaching.model_for(role) for role in ROLES} == {"teacher"}
    assert (learning.max_rounds, learning.candidates) == (2, 3)
    assert {learning.model_for(role) for role in ROLES} == {"student"}


def test_a_hub_base_without_a_serving_command_is_refused_before_any_step(tmp_path):
    from aiev.training.loop_steps import DefaultSteps, LoopResources

    with pytest.raises(TrainingInputError, match="--base Qwen/Qwen2.5-0.5B: .*local checkpoint.*--serve-student"):
        DefaultSteps(LoopResources(seeds=tmp_path / "s.jsonl", base="Qwen/Qwen2.5-0.5B", teacher="teacher"))
    served = LoopResources(
        seeds=tmp_path / "s.jsonl", base="Qwen/Qwen2.5-0.5B", teacher="teacher", serve_student="vllm serve {model}"
    )
    assert DefaultSteps(served).r.base == "Qwen/Qwen2.5-0.5B"  # the user's command serves it


def test_the_train_step_stops_the_servers_generation_left_running_before_it_trains(tmp_path, monkeypatch):
    from aiev.agents.local_model import server
    from aiev.training import loop_steps
    from aiev.training.loop_steps import DefaultSteps, LoopResources

    class Running:  # the teacher's process-wide server, started by the generate step's first model call
        stopped = False

        def stop(self) -> None:
            Running.stopped = True

    monkeypatch.setitem(server._servers, "teacher", Running())
    launched = []
    monkeypatch.setattr(loop_steps, "run_launcher", lambda command, env: launched.append(Running.stopped) or 0)
    steps = DefaultSteps(LoopResources(seeds=tmp_path / "s.jsonl", base=str(tmp_path), teacher="teacher"))
    assert steps.train(tmp_path / "data", tmp_path / "student") == str(tmp_path / "student")
    assert launched == [True], "training was launched while the teacher's server still held its memory"
    assert "teacher" not in server._servers  # a later call starts it again
