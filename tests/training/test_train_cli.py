"""`aiev train sft --dry-run` command shape, user-error handling, and `aiev loop` over two scripted batches."""

from __future__ import annotations

import json

from scripted_loop import Script
from typer.testing import CliRunner

from aiev.cli import app, train_cmd
from aiev.training.loop import load_state
from aiev.training.sft_settings import ZERO3_FILE, from_flags

runner = CliRunner()


def test_dry_run_prints_the_launcher_command_that_rebuilds_the_settings(tmp_path):
    hostfile = tmp_path / "hostfile"
    hostfile.write_text("worker-1 slots=8\nworker-2 slots=8\n")
    result = runner.invoke(
        app,
        [
            "train",
            "sft",
            "--data",
            "d",
            "--base",
            "Qwen/Qwen2.5-Coder-1.5B",
            "--out",
            "o",
            "--deepspeed",
            str(ZERO3_FILE),
            "--num-gpus",
            "8",
            "--hostfile",
            str(hostfile),
            "--lora",
            "--lr",
            "1e-4",
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    words = result.output.split()
    assert words[words.index("--hostfile") + 1] == str(hostfile) and words[words.index("--num_gpus") + 1] == "8"
    entry = words.index("--module")
    assert words[entry + 1] == "aiev.training.sft_entry"
    settings = from_flags(words[entry + 2 :])
    assert (settings.base, settings.lora, settings.learning_rate, settings.deepspeed) == (
        "Qwen/Qwen2.5-Coder-1.5B",
        True,
        1e-4,
        ZERO3_FILE,
    )
    assert settings.batch_shape() == (8, 4) and settings.epochs == 2 and settings.max_length == 5120


def test_user_mistakes_are_one_line_errors(tmp_path):
    missing = runner.invoke(app, ["train", "sft", "--data", str(tmp_path / "nope"), "--base", "b", "--out", "o"])
    assert missing.exit_code == 2 and "--data" in missing.output and "Traceback" not in missing.output
    bad_json = tmp_path / "ds.json"
    bad_json.write_text("{oops")
    broken = runner.invoke(
        app, ["train", "sft", "--data", "d", "--base", "b", "--out", "o", "--deepspeed", str(bad_json), "--dry-run"]
    )
    assert broken.exit_code == 2 and "ds.json" in broken.output
    no_samples = runner.invoke(
        app, ["train", "build", "--samples", str(tmp_path / "none"), "--out", str(tmp_path / "o")]
    )
    assert no_samples.exit_code == 2 and "no samples.jsonl" in no_samples.output


def test_loop_command_runs_two_batches_and_resumes(tmp_path, monkeypatch):
    script = Script(student_scores=[0.3, 0.8, 0.9])
    given = []
    monkeypatch.setattr(train_cmd, "default_steps", lambda resources: given.append(resources) or script.steps())
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(json.dumps({"id": "s", "snippet": "x = 1"}) + "\n")
    args = [
        "loop",
        "--seeds",
        str(seeds),
        "--out",
        str(tmp_path / "loop"),
        "--base",
        "base",
        "--teacher",
        "teacher",
        "--concurrency",
        "3",
        "--batch-samples",
        "10",
        "--batches",
        "2",
        "--no-humaneval",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "self_learning" in result.output and "student won after batch 1" in result.output
    assert given[0].concurrency == 3 and given[0].preset is None
    assert "base (untrained)" in result.output and "0.250" in result.output  # the base's score in the table
    assert "batch 1 minutes: generate 0.0, build 0.0, train 0.0, evaluate 0.0" in result.output
    state = load_state(tmp_path / "loop")
    assert [r.student_pass1 for r in state.history] == [0.3, 0.8] and state.stage == "self_learning"
    calls = len(script.calls)
    assert runner.invoke(app, args).exit_code == 0 and len(script.calls) == calls  # resumed: already finished
    more = runner.invoke(app, args[:-3] + ["--batches", "3", "--no-humaneval"])
    assert more.exit_code == 0 and script.calls[calls] == ("generate", 2, "self_learning", "student-1")


def test_entry_refuses_bad_flags_with_exit_code_2(capsys):
    from aiev.training.sft_entry import main

    assert main(["--local_rank=0", "--data", "d", "--base", "b", "--out", "o", "--epochs", "-1"]) == 2
    assert "epochs" in capsys.readouterr().err


def test_loop_refuses_a_training_config_it_cannot_use_before_generating(tmp_path, monkeypatch):
    script = Script(student_scores=[0.3])
    monkeypatch.setattr(train_cmd, "default_steps", lambda resources: script.steps())
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(json.dumps({"id": "s", "snippet": "x = 1"}) + "\n")
    args = ["loop", "--seeds", str(seeds), "--out", str(tmp_path / "loop"), "--base", "b", "--no-humaneval"]
    missing = runner.invoke(app, [*args, "--training-config", str(tmp_path / "absent.yaml")])
    assert missing.exit_code != 0 and "--training-config" in missing.output and "absent.yaml" in missing.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("epochs: 1\nlearning_rate: 5.0e-5\nmax_length: -3\n")
    refused = runner.invoke(app, [*args, "--training-config", str(bad)])
    assert refused.exit_code != 0 and "max_length: Input should be greater than" in refused.output, refused.output
    assert script.calls == [], "a batch was generated before the settings were checked"
    preset = tmp_path / "preset.yaml"
    preset.write_text("max_rounds: many\n")
    unusable = runner.invoke(app, [*args, "--preset", str(preset)])
    assert unusable.exit_code != 0 and "preset.yaml" in unusable.output and "max_rounds" in unusable.output
    assert script.calls == [], "a batch was generated before the preset was checked"
