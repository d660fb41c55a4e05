"""The embedded llama.cpp server with the real 0.5B model (marked ``model``: required under CI=true)."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI

from aiev.agents.local_model.process import ServerError, free_port
from aiev.agents.local_model.server import LocalServer, ensure_server
from aiev.agents.model_specs import LlamaCppSpec
from aiev.agents.models import get_chat_model

pytestmark = pytest.mark.model

PROMPT = [
    SystemMessage("You write Python. Reply with code only."),
    HumanMessage("Write a function add(a, b) that returns a + b."),
]


def test_chat_openai_against_the_server_returns_code(local_model_url: str, local_model_spec: LlamaCppSpec) -> None:
    client = ChatOpenAI(
        model=local_model_spec.model, base_url=local_model_url, api_key="local", temperature=0, max_tokens=40,
        extra_body={"max_tokens": 40},
    )  # fmt: skip
    reply = client.invoke(PROMPT)
    assert "def add(" in reply.content
    assert 0 < reply.usage_metadata["output_tokens"] <= 40


def test_concurrent_requests_are_decoded_together_in_parallel_slots(
    local_model_url: str, local_model_spec: LlamaCppSpec
) -> None:
    """Two dialogues in flight occupy two slots at once (continuous batching), each with the entry's full window:
    llama-cpp-python's server, used before, would have had one of them wait."""
    slots_url = local_model_url.removesuffix("/v1") + "/slots"
    slots = httpx.get(slots_url, timeout=5).json()
    assert len(slots) == local_model_spec.parallel >= 2
    assert {slot["n_ctx"] for slot in slots} == {local_model_spec.n_ctx}
    model = get_chat_model("local-qwen-0.5b", max_tokens=48)
    tasks = ["Write a Python function that reverses a string.", "Write a Python function that sums a list."]
    busy = 0
    with ThreadPoolExecutor(2) as pool:
        replies = [pool.submit(model.invoke, [HumanMessage(task)]) for task in tasks]
        while not all(reply.done() for reply in replies):
            busy = max(busy, sum(slot["is_processing"] for slot in httpx.get(slots_url, timeout=5).json()))
            time.sleep(0.02)
    assert busy == 2
    assert all(reply.result().usage_metadata["output_tokens"] > 0 for reply in replies)


def test_get_chat_model_reuses_the_running_server_and_honours_max_tokens(local_model_url: str) -> None:
    model = get_chat_model("local-qwen-0.5b", max_tokens=5)
    assert model.openai_api_base == local_model_url
    reply = model.invoke(PROMPT)
    assert reply.usage_metadata["output_tokens"] <= 5
    assert reply.response_metadata["finish_reason"] == "length"


def test_named_speaker_messages_are_accepted(local_model_url: str) -> None:
    """Dialogue turns carry the speaker in ``name``; the server must take such messages."""
    named = [SystemMessage("Answer with one word."), HumanMessage("Say yes.", name="questioner")]
    assert get_chat_model("local-qwen-0.5b", max_tokens=3).invoke(named).content.strip()


def test_dead_server_is_restarted_on_the_same_port(local_model_url: str, local_model_spec: LlamaCppSpec) -> None:
    server = ensure_server("local-qwen-0.5b", local_model_spec)
    server._process.kill()
    server._process.wait()
    assert not server.alive() and not server.healthy()
    again = ensure_server("local-qwen-0.5b", local_model_spec)
    assert again is server and again.base_url == local_model_url and again.healthy()


def test_a_server_that_cannot_load_its_model_fails_fast(local_model_spec: LlamaCppSpec, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a gguf file")
    server = LocalServer(bogus, alias="bogus", n_ctx=256, threads=1, log_path=tmp_path / "server.log")
    with pytest.raises(ServerError, match=r"exited during start-up with status \d+: .*server\.log"):
        server.start(timeout_s=60)
    assert not server.alive()


def test_cli_serve_answers_and_takes_its_server_down_on_sigterm(local_model_spec: LlamaCppSpec) -> None:
    port = free_port()
    aiev = Path(sys.executable).with_name("aiev")
    command = [aiev, "models", "serve", "local-qwen-0.5b", "--port", str(port)]
    serve = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        first_line = serve.stdout.readline()
        assert f"serving at http://127.0.0.1:{port}/v1" in first_line
        models = httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=5).json()
        assert models["data"][0]["id"] == local_model_spec.model
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=5)
