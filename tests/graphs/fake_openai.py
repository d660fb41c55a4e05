"""A tiny OpenAI-compatible chat server on loopback, for tests that run aiev in another process.

Subprocesses (``aiev generate``, ``langgraph dev``) cannot see models registered in the test process, so
they are pointed at this server through an ``AIEV_MODELS`` file with ``openai_compatible`` entries. The
reply is a function of the request's messages, so one server plays every role consistently.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

Replier = Callable[[list[dict]], str]


@contextmanager
def fake_openai(reply: Replier, delay_s: float = 0.0) -> Iterator[str]:
    """Serve ``reply`` at ``http://127.0.0.1:<port>/v1``; yields that base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(delay_s)
            text = reply(body["messages"])
            payload = json.dumps(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "fake"),
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                    ],
                    "usage": {
                        "prompt_tokens": 10,
                        "completion_tokens": len(text.split()),
                        "total_tokens": 10 + len(text.split()),
                    },
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def models_file(path: Path, base_url: str, name: str = "fake") -> Path:
    """An AIEV_MODELS file defining ``name`` as an OpenAI-compatible model at ``base_url``."""
    path.write_text(
        yaml.safe_dump({"models": {name: {"provider": "openai_compatible", "model": name, "base_url": base_url}}})
    )
    return path


def role_of(messages: list[dict]) -> str:
    """Which aiev role a request is for, read from its system prompt (the prompt files' first lines)."""
    system = messages[0]["content"]
    for marker, role in (
        ("programming exercises", "questioner"),
        ("expert Python programmer", "programmer"),
        ("expert at testing", "test_writer"),
        ("expert code reviewer", "error_analyst"),
    ):
        if marker in system:
            return role
    raise AssertionError(f"unrecognised system prompt: {system[:80]!r}")


def adder_dialogue(messages: list[dict]) -> str:
    """Every role for an 'add two numbers' task; a seed mentioning ``hard`` gets code that never passes."""
    role = role_of(messages)
    if role == "questioner":
        level = "hard" if "hard" in messages[-1]["content"] else "easy"
        return f"Level: {level}. Add two integers.\n```python\ndef add(a: int, b: int) -> int:\n```"
    if role == "programmer":
        wrong = "Level: hard" in messages[1]["content"]
        return f"```python\ndef add(a, b):\n    return a {'-' if wrong else '+'} b\n```"
    if role == "test_writer":
        return "```python\nassert add(2, 3) == 5\nassert add(-1, 1) == 0\n```"
    return "add does the wrong operation.\nFAULT: code"


def adder_script(messages) -> str:
    """``adder_dialogue`` for an in-process ScriptedChatModel, which is shown LangChain messages."""
    return adder_dialogue([{"content": m.content} for m in messages])
