"""`aiev eval`: a run through the CLI, its outputs, and user mistakes as one red line with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

from eval_data import DATA, plain_script
from typer.testing import CliRunner

from aiev.cli import app

runner = CliRunner()


def test_eval_runs_both_modes_and_writes_the_report(local_engine, scripted, tmp_path: Path) -> None:
    name, _ = scripted(plain_script)
    out = tmp_path / "run"
    args = [
        "eval",
        "humaneval",
        "--data",
        str(DATA / "humaneval.jsonl"),
        "--model",
        name,
        "--sandbox",
        "local",
        "--out",
        str(out),
        "--quiet",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "pass@1" in result.output and "50.0%" in result.output
    assert {"run.json", "results.jsonl", "summary.json", "report.html"} <= {p.name for p in out.iterdir()}
    (written,) = json.loads((out / "summary.json").read_text())
    assert written["ran"] == 2 and written["wall_s"] > 0  # this invocation's wall time reaches summary.json
    result = runner.invoke(app, [*args, "--json"])  # a rerun resumes: nothing left to do, same figures
    assert result.exit_code == 0, result.output
    (summary,) = json.loads(result.output)
    assert (summary["mode"], summary["evaluated"], summary["pass_at"]["1"]) == ("plain", 2, 0.5)


def test_user_mistakes_are_one_red_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["eval", "humaneval", "--data", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2 and "error:" in result.output and "nope.jsonl: no such file" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["eval", "mbpp+", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "name its data with --data" in result.output
    result = runner.invoke(
        app, ["eval", "humaneval", "--limit", "1", "--model", "no-such-model", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2 and "unknown model 'no-such-model'" in result.output
    result = runner.invoke(app, ["eval", "humaneval", "--mode", "fancy", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "unknown mode 'fancy'" in result.output


def test_hide_examples_flag_is_recorded_and_its_run_is_not_resumed_without_it(
    local_engine, scripted, tmp_path: Path, monkeypatch
) -> None:
    name, model = scripted(plain_script)
    monkeypatch.chdir(tmp_path)  # the default output directory is relative
    args = ["eval", "humaneval", "--data", str(DATA / "humaneval.jsonl"), "--model", name, "--sandbox", "local"]
    result = runner.invoke(app, [*args, "--hide-examples", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "examples hidden" in result.output and "50.0%" in result.output
    out = tmp_path / "runs" / "eval" / f"humaneval-{name}-hidden-examples"  # not the as-is run's directory
    (written,) = json.loads((out / "summary.json").read_text())
    assert written["hide_examples"] is True
    assert not any(">>>" in message.content for call in model.calls for message in call)
    result = runner.invoke(app, [*args, "--out", str(out), "--quiet"])
    assert result.exit_code == 2 and "hide_examples=True (now False)" in result.output
    assert "Traceback" not in result.output
