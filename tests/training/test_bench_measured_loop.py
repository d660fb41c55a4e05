"""bench/measured_loop.py: its arguments, the held-out problems it probes, the format probe read as `aiev chat` reads
a reply (and resumed without asking again), and the targets it checks."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from scripted_loop import Script

from aiev.agents.models import register_model, unregister_model
from aiev.agents.scripted import ScriptedChatModel
from aiev.agents.special_tokens import load_special_tokens
from aiev.graphs.durable import JsonlLog
from aiev.training.build import BuildOptions
from aiev.training.loop import LoopConfig, run_loop

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH_DIR))  # the bench imports its sibling generation_yield, as `python bench/...` does
_spec = importlib.util.spec_from_file_location("measured_loop", BENCH_DIR / "measured_loop.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--batches", "0"], "--batches must be at least 1, got 0"),
        (["--batch-samples", "0"], "--batch-samples must be at least 1, got 0"),
        (["--humaneval-sample", "0"], "--humaneval-sample must be at least 1, got 0"),
        (["--humaneval-seed", "4"], "--humaneval-seed seeds the --humaneval-sample draw"),
        (["--gradient-accumulation", "0"], "--gradient-accumulation must be at least 1, got 0"),
        (["--gradient-accumulation", "1", "--training-config", "t.yaml"], "with --training-config set it in that"),
    ],
)
def test_bad_arguments_are_refused_naming_them(argv: list[str], message: str, capsys) -> None:
    required = ["--teacher", "t", "--base", "b", "--batch-samples", "3"]
    with pytest.raises(SystemExit) as exit_:
        bench.parse_args(required + argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_the_probe_reads_replies_as_aiev_chat_does_and_resumes(tmp_path: Path) -> None:
    run_loop(
        LoopConfig(
            out=tmp_path / "loop",
            batches=2,
            teacher="teacher",
            base="base",
            build=BuildOptions(humaneval=False, batch_size=10),
        ),  # fmt: skip
        Script(student_scores=[0.1, 0.2]).steps(),
    )
    from aiev.training.loop import load_state

    problems = bench.heldout_problems(tmp_path / "loop", load_state(tmp_path / "loop").history)
    assert len(problems) == 2 and all(problem["prompt"] for problem in problems)  # one held out per batch of 10

    tokens = load_special_tokens()
    wrapped = f"Let me run it.\n{tokens.run_start}\n```python\nprint(1)\n```\n{tokens.run_stop}"
    plain = "```python\nprint(1)\n```"
    model = ScriptedChatModel(script=[wrapped, plain, "no code at all"])
    register_model(bench.SERVED, model)
    try:
        log = JsonlLog(tmp_path / "format.jsonl")
        first = bench.format_probe(problems, log)
        assert first == {"problems": 2, "run_tokens_share": 0.5, "runnable_share": 1.0}
        system = model.calls[0][0].content
        assert "code interpreter" in system and model.calls[0][1].content == problems[0]["prompt"]
        more = [*problems, {"task_id": "extra", "prompt": "Add two numbers."}]
        assert bench.format_probe(more, log) == {"problems": 3, "run_tokens_share": 1 / 3, "runnable_share": 2 / 3}
        assert len(model.calls) == 3  # the two answered problems were not asked again
    finally:
        unregister_model(bench.SERVED)
    assert [json.loads(line)["reply"] for line in log.path.open()] == [wrapped, plain, "no code at all"]


def test_targets_compare_the_last_batch_and_the_humaneval_run() -> None:
    batches = [{"student_pass1": 0.1, "base_pass1": 0.3}, {"student_pass1": 0.36, "base_pass1": 0.30}]
    base = {"humaneval_pass1": 0.40, "run_tokens_share": 0.0}
    student = {"humaneval_pass1": 0.385, "run_tokens_share": 0.9}
    assert list(bench.targets(batches, base, student).values()) == [True, True, True]
    student = {"humaneval_pass1": 0.37, "run_tokens_share": 0.85}
    batches[-1]["student_pass1"] = 0.34
    assert list(bench.targets(batches, base, student).values()) == [False, False, False]


def test_gradient_accumulation_changes_only_that_in_the_shipped_settings(tmp_path: Path) -> None:
    from aiev.training.sft_settings import load_settings

    args = bench.parse_args(["--teacher", "t", "--base", "b", "--batch-samples", "6", "--gradient-accumulation", "1"])
    args.out = tmp_path
    written = bench.training_config(args)
    paths = {"data": tmp_path, "base": "b", "out": tmp_path}
    for cpu in (True, False):
        shipped, changed = load_settings(paths, cpu=cpu), load_settings(paths, written, cpu=cpu)
        assert changed.gradient_accumulation == 1 and shipped.gradient_accumulation > 1
        assert changed.model_dump(exclude={"gradient_accumulation"}) == shipped.model_dump(
            exclude={"gradient_accumulation"}
        )
    args.gradient_accumulation = None
    assert bench.training_config(args) is None  # nothing given: the loop's own defaults
