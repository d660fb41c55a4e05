"""Serving the student for a block: started, awaited until its endpoint answers, stopped with its process group."""

from __future__ import annotations

import os
import socket
import sys
from contextlib import nullcontext

import httpx
import pytest

from aiev.training.errors import TrainingInputError
from aiev.training.serve import endpoint_of, served

# A stand-in server: answers 200 to every GET after a short start-up delay, like a model server loading weights.
SERVER = (
    "import http.server, sys, time; time.sleep(0.5)\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        self.send_response(200); self.end_headers(); self.wfile.write(sys.argv[2].encode())\n"
    "    def log_message(self, *a): pass\n"
    "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()\n"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_student_is_served_for_the_block_only(tmp_path, monkeypatch):
    port = _free_port()
    monkeypatch.setenv("AIEV_STUDENT_BASE_URL", f"http://127.0.0.1:{port}/v1")
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    template = f"{sys.executable} {script} {port} {{model}}"
    with served(template, "ckpt-7", "student", tmp_path / "serve.log", timeout_s=30):
        assert httpx.get(f"http://127.0.0.1:{port}/v1/models").text == "ckpt-7"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2)


def test_a_student_on_several_servers_is_refused(monkeypatch):
    # One serving command starts one server: which of the listed ones it would be is not for aiev to guess.
    monkeypatch.setenv("AIEV_STUDENT_BASE_URL", "http://127.0.0.1:8001/v1,http://127.0.0.1:8002/v1")
    with pytest.raises(TrainingInputError, match="'student' lists 2 servers; --serve-student starts one"):
        endpoint_of("student")


def test_server_that_dies_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("AIEV_STUDENT_BASE_URL", f"http://127.0.0.1:{_free_port()}/v1")
    with pytest.raises(TrainingInputError, match="exited with code 3"):
        with served(
            f"{sys.executable} -c 'raise SystemExit(3)' {{model}}", "m", "student", tmp_path / "log", timeout_s=30
        ):
            pass
    assert os.path.exists(tmp_path / "log")


def test_loop_serves_a_checkpoint_itself_unless_given_a_command(tmp_path, monkeypatch):
    # Without --serve-student the loop converts the checkpoint and serves it with aiev's llama-server
    # (tests/training/test_student_gguf.py): a directory that holds no model is refused, naming it, before any server.
    from aiev.training.loop_steps import DefaultSteps, LoopResources

    resources = LoopResources(seeds=tmp_path / "s.jsonl", base=str(tmp_path), teacher="teacher")
    steps = DefaultSteps(resources)
    with pytest.raises(TrainingInputError, match=rf"student {tmp_path}: not a model or LoRA adapter directory"):
        with steps._serving(str(tmp_path), tmp_path / "log"):
            pass
    assert isinstance(steps._serving("teacher", tmp_path / "log"), nullcontext)  # a models-file name needs no serving
    # With --serve-student, the user's command serves it (a vLLM server on GPUs).
    port = _free_port()
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    command = DefaultSteps(
        resources.model_copy(update={"serve_student": f"{sys.executable} {script} {port} {{model}}"})
    )
    monkeypatch.setenv("AIEV_STUDENT_BASE_URL", f"http://127.0.0.1:{port}/v1")
    with command._serving(str(tmp_path), tmp_path / "log"):
        assert httpx.get(f"http://127.0.0.1:{port}/v1/models").text == str(tmp_path)
