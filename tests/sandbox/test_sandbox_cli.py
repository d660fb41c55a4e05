"""`aiev sandbox`: results printed as text or JSON, exit codes, user mistakes as one red line + exit 2, and the
engine each command runs programs in, said at its start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aiev.cli import app
from aiev.sandbox import engine as engine_module
from aiev.sandbox.types import ExecResult, Outcome

runner = CliRunner()
HELLO = Path(__file__).parents[2] / "examples" / "hello.py"


def invoke(*args: str):
    return runner.invoke(app, ["sandbox", *args])


def test_run_prints_the_result_as_json(local_engine) -> None:
    result = invoke("run", str(HELLO), "--sandbox", "local", "--json")
    assert result.exit_code == 0, result.output
    parsed = ExecResult.model_validate_json(result.stdout)
    assert parsed.outcome is Outcome.PASSED and parsed.engine == "local" and "hello from Python" in parsed.stdout


def test_failing_tests_exit_1_and_show_stderr(tmp_path: Path, local_engine) -> None:
    program, tests = tmp_path / "p.py", tmp_path / "t.py"
    program.write_text("def double(x):\n    return x + 1\n")
    tests.write_text("assert double(3) == 6, 'double is wrong'\n")
    result = invoke("run", str(program), "--tests", str(tests), "--sandbox", "local", "--timeout", "5")
    assert result.exit_code == 1
    assert "failed" in result.output and "double is wrong" in result.output


def test_missing_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = invoke("run", str(tmp_path / "nope.py"))
    assert result.exit_code == 2
    assert "nope.py" in result.output and "Traceback" not in result.output and len(result.output.splitlines()) == 1


def test_unreachable_docker_is_one_line_and_exit_2() -> None:
    env = os.environ | {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    done = subprocess.run([str(Path(sys.executable).with_name("aiev")), "sandbox", "run", str(HELLO),
                           "--sandbox", "docker"],
                          capture_output=True, text=True, env=env, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Docker sandbox is unavailable" in done.stderr and "Traceback" not in done.stderr


def test_status_names_both_engines(local_engine) -> None:
    result = invoke("status")
    assert result.exit_code == 0
    assert "docker" in result.output and f"isolation: {local_engine.isolation.level}" in result.output


@pytest.mark.docker
def test_run_in_docker_prints_outcome_and_output(docker_engine) -> None:
    result = invoke("run", str(HELLO), "--sandbox", "docker", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["engine"] == "docker"


def test_a_program_that_exits_before_its_tests_is_shown_as_tests_incomplete(tmp_path: Path, local_engine) -> None:
    program, tests = tmp_path / "p.py", tmp_path / "t.py"
    program.write_text("import sys\n\ndef add(a, b):\n    return a - b\n\nsys.exit(0)\n")
    tests.write_text("assert add(2, 3) == 5\n")
    result = invoke("run", str(program), "--tests", str(tests), "--sandbox", "local")
    assert result.exit_code == 1
    assert "tests_incomplete" in result.stdout and "the tests did not run to their end" in result.stdout


def test_a_setup_line_that_is_not_an_install_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = invoke("run", str(HELLO), "--setup", "pip install rich && curl http://example.com", "--sandbox", "local")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "pip install rich && curl http://example.com" in result.stderr and "'&&'" in result.stderr


def test_run_says_which_engine_and_isolation_level(local_engine) -> None:
    result = invoke("run", str(HELLO), "--sandbox", "local")
    assert result.exit_code == 0, result.output
    assert f"sandbox: local engine, isolation {local_engine.isolation.level} (--sandbox local)" in result.stderr


class _UnfencedLocal:
    """A local engine as on a machine without namespaces (its programs are not run for real)."""

    name = "local"
    isolation = type("Level", (), {"level": "rlimits-only"})()

    def run(self, request) -> ExecResult:
        return ExecResult(outcome=Outcome.PASSED, engine=self.name)

    def close(self) -> None:
        pass


def test_auto_says_why_docker_was_not_used_and_warns_without_namespaces(monkeypatch) -> None:
    monkeypatch.setattr(engine_module, "_engines", {"local": _UnfencedLocal()})
    monkeypatch.setattr(engine_module, "docker_problem", lambda: "no Docker engine answers (test)")
    result = invoke("run", str(HELLO), "--sandbox", "auto")
    assert result.exit_code == 0, result.output
    assert (
        "sandbox: local engine, isolation rlimits-only (--sandbox auto: no Docker engine answers (test))"
        in result.stderr
    )
    assert "warning: the local engine runs without namespaces" in result.stderr


def test_json_output_keeps_the_warning_but_not_the_engine_line(monkeypatch) -> None:
    monkeypatch.setattr(engine_module, "_engines", {"local": _UnfencedLocal()})
    result = invoke("run", str(HELLO), "--sandbox", "local", "--json")
    assert result.exit_code == 0 and ExecResult.model_validate_json(result.stdout).passed
    assert "sandbox: local engine" not in result.stderr and "without namespaces" in result.stderr


def test_chat_says_which_engine_at_its_start(local_engine, scripted) -> None:
    name, _ = scripted(["Hello."])
    result = runner.invoke(app, ["chat", "--model", name, "--sandbox", "local"], input="hi\n/exit\n")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("sandbox: local engine") == 1
