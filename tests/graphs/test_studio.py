"""The graph as LangGraph Studio serves it: `langgraph dev` on the repo's langgraph.json, driven by the SDK.

The server runs in its own process, so the role models are named per run (Context fields, as a Studio
user would pick them) and resolved through an AIEV_MODELS file pointing at a fake OpenAI server.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from fake_openai import adder_dialogue, fake_openai, models_file
from langgraph_sdk import get_sync_client

from aiev.agents.context import every_role
from aiev.agents.dialogue import Speaker

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"langgraph dev exited with {server.returncode}:\n{server.stdout.read()}")
        try:
            if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail("langgraph dev did not answer within the time limit")


@pytest.mark.slow
def test_aiev_instruct_runs_in_langgraph_dev_with_per_run_model_choice(langgraph_cli: Path, tmp_path: Path) -> None:
    # A copy of the real langgraph.json in a scratch dir keeps the server's .langgraph_api state out of the repo.
    shutil.copy(REPO / "langgraph.json", tmp_path / "langgraph.json")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with fake_openai(adder_dialogue) as base_url:
        env = {**os.environ, "AIEV_MODELS": str(models_file(tmp_path / "models.yaml", base_url))}
        command = [
            str(langgraph_cli),
            "dev",
            "--no-reload",
            "--no-browser",
            "--port",
            str(port),
            "--config",
            "langgraph.json",
        ]
        server = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            wait_until_up(url, server)
            client = get_sync_client(url=url)
            thread = client.threads.create()
            context = every_role("fake")
            state = client.runs.wait(
                thread["thread_id"],
                "aiev_instruct",
                input={"seed": {"id": "studio", "snippet": "def plus(a, b):\n    return a + b", "source": "test"}},
                context={**context, "sandbox": "local"},
            )
        finally:
            server.terminate()
            server.wait(timeout=30)

    assert state["verdict"] == {"status": "passed", "reason": "passed", "last_error": ""}
    assert [m["name"] for m in state["messages"]] == [
        Speaker.QUESTIONER,
        Speaker.PROGRAMMER,
        Speaker.TEST_WRITER,
        Speaker.INTERPRETER,
        Speaker.PROGRAMMER,
    ]
    assert state["executions"][0]["outcome"] == "passed"
