"""`aiev generate` and `aiev seeds` turn user mistakes into one red line and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aiev.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    path = tmp_path / "seeds.jsonl"
    path.write_text(json.dumps({"snippet": "x = 1"}) + "\n")
    return path


def test_malformed_seeds_line_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"snippet": "x = 1"}\n{oops\n')
    result = invoke("generate", "--seeds", str(bad), "--out", str(tmp_path / "out"), "--model", "x")
    assert result.exit_code == 2
    assert f"error: {bad}: line 2: malformed JSON" in result.output
    assert "Traceback" not in result.output


def test_unknown_model_is_reported(tmp_path: Path, seeds: Path) -> None:
    result = invoke("generate", "--seeds", str(seeds), "--out", str(tmp_path / "out"), "--model", "no-such-model")
    assert result.exit_code == 2
    assert "unknown model 'no-such-model'" in result.output


def test_bad_role_model_and_preset_are_reported(tmp_path: Path, seeds: Path) -> None:
    result = invoke("generate", "--seeds", str(seeds), "--out", str(tmp_path / "o"), "--role-model", "judge=x")
    assert result.exit_code == 2 and "--role-model 'judge=x': expected ROLE=MODEL" in result.output
    preset = tmp_path / "preset.yaml"
    preset.write_text("programer_model: x\n")
    result = invoke("generate", "--seeds", str(seeds), "--out", str(tmp_path / "o"), "--preset", str(preset))
    assert result.exit_code == 2 and f"{preset}: unknown context setting(s) ['programer_model']" in result.output
    preset.write_text("revision_temperature: hot\nmax_rounds: 3\n")  # refused before any model is started
    result = invoke("generate", "--seeds", str(seeds), "--out", str(tmp_path / "o"), "--preset", str(preset))
    assert (
        result.exit_code == 2 and f"{preset}: invalid context setting(s): revision_temperature='hot'" in result.output
    )


def test_harvest_writes_seeds_and_rejects_an_empty_tree(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "m.py").write_text("def f(x):\n    y = x\n    y += 1\n    y *= 2\n    return y\n")
    out = tmp_path / "seeds.jsonl"
    result = invoke("seeds", "harvest", str(tmp_path / "src"), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["source"] == "m.py:1"
    (tmp_path / "empty").mkdir()
    result = invoke("seeds", "harvest", str(tmp_path / "empty"), "--out", str(out))
    assert result.exit_code == 2 and "no functions or classes" in result.output


def test_harvest_sample_spreads_over_the_tree_reproducibly(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for module in range(10):
        body = "".join(
            f"def f{module}_{i}(x):\n    y = x + {i}\n    y += {module}\n    y *= 2\n    return y\n\n"
            for i in range(10)
        )
        (src / f"m{module}.py").write_text(body)
    draws = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.jsonl"
        result = invoke("seeds", "harvest", str(src), "--out", str(out), "--sample", "20", "--random-seed", "7")
        assert result.exit_code == 0, result.output
        draws.append([json.loads(line)["source"] for line in out.read_text().splitlines()])
    assert draws[0] == draws[1] and len(draws[0]) == 20
    assert len({source.split(":")[0] for source in draws[0]}) >= 5  # not just the first two modules
    result = invoke("seeds", "harvest", str(src), "--sample", "3", "--limit", "3")
    assert result.exit_code == 2 and "--sample and --limit" in result.output
