"""`aiev sandbox`: results printed as text or JSON, exit codes, and user mistakes as one red line + exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aiev.cli import app
from aiev.sandbox.types import ExecResult, Outcome

runner = CliRunner()
HELLO = Path(__file__).parents[2] / "examples" / "hello.py"


def invoke(*args: str):
    return runner.invoke(app, ["sandbox", *args])


def test_run_prints_the_result_as_json(local_engine) -> None:
    result = invoke("run", str(HELLO), "--sandbox", "local", "--json")
    assert result.exit_code == 0, result.output
    parsed = ExecResult.model_validate_json(result.output)
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
    done = subprocess.run([str(Path(sys.executable).with_name("aiev")), "sandbox", "run", str(HELLO), "--sandbox", "docker"],
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
    assert json.loads(result.output)["engine"] == "docker"
