"""A llama.cpp server that dies on its first request is reported with its signal and the fix, wherever the death
shows: the one-token check after `aiev models pull`, a model call in a dialogue, the next `ensure_server`. And a
model's start holds back the calls for that model only."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from aiev.agents.local_model import server as server_module
from aiev.agents.local_model.process import KEPT_LOGS, ServerCrashed, ServerError
from aiev.agents.local_model.server import LocalServer, ensure_server, stop_all
from aiev.agents.model_specs import LlamaCppSpec, load_model_specs
from aiev.agents.models import failure_cause, get_chat_model

FAKE = Path(__file__).with_name("crashing_server.py")


class CrashingServer(LocalServer):
    def __init__(self, tmp: Path, sig: str = "SIGILL") -> None:
        super().__init__(Path("/nonexistent.gguf"), alias="fake", n_ctx=256, threads=1, log_path=tmp / "server.log")
        self.sig = sig

    def command(self) -> list[str]:
        return [sys.executable, str(FAKE), str(self.port), self.sig]


@pytest.fixture
def crashing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every embedded model's process-wide server is the crashing stand-in."""
    monkeypatch.setattr(server_module, "server_for", lambda name, spec, port=None: CrashingServer(tmp_path))
    stop_all()
    yield
    stop_all()


def test_one_token_check_names_sigill_and_the_rebuild(tmp_path: Path) -> None:
    with CrashingServer(tmp_path) as server:
        assert server.healthy()  # /v1/models answers: only a generation shows the fault
        with pytest.raises(ServerCrashed) as raised:
            server.check_generation(timeout_s=30)
    assert raised.value.signal is signal.SIGILL
    message = str(raised.value)
    assert "crashed on its first generation with SIGILL (illegal instruction" in message
    assert "scripts/llama_cpp_wheel.py install" in message and "aiev models doctor" in message
    assert "tilezero" in message  # the last lines of the server's log


def test_other_signals_get_their_own_reason(tmp_path: Path) -> None:
    with CrashingServer(tmp_path, sig="SIGSEGV") as server:
        with pytest.raises(ServerCrashed, match=r"SIGSEGV \(segmentation fault"):
            server.check_generation(timeout_s=30)


def test_a_model_call_reports_the_crash_not_a_connection_error(crashing) -> None:
    spec = load_model_specs()["local-qwen-0.5b"]
    assert isinstance(spec, LlamaCppSpec)
    model = get_chat_model("local-qwen-0.5b", max_tokens=4)
    with pytest.raises(Exception) as raised:
        model.invoke("hello")
    cause = failure_cause("local-qwen-0.5b", raised.value)
    assert isinstance(cause, ServerCrashed) and cause.signal is signal.SIGILL
    # A crashed server would crash again: the next use raises the crash instead of restarting into it.
    with pytest.raises(ServerCrashed, match="SIGILL"):
        ensure_server("local-qwen-0.5b", spec)


def test_a_dialogue_ends_with_the_crash_as_its_reason(crashing) -> None:
    from aiev import Context, generate_one

    state = generate_one("def mean(xs):\n    return sum(xs) / len(xs)\n", Context(sandbox="local", max_rounds=1))
    assert state["verdict"]["reason"] == "model_error"
    assert "SIGILL (illegal instruction" in state["verdict"]["last_error"]


def test_a_server_that_exits_is_not_called_crashed(tmp_path: Path) -> None:
    server = LocalServer(tmp_path / "bogus.gguf", alias="bogus", n_ctx=256, threads=1, log_path=tmp_path / "s.log")
    server.command = lambda: [sys.executable, "-c", "print('no model here'); raise SystemExit(3)"]  # type: ignore[method-assign]
    with pytest.raises(ServerError, match=r"exited during start-up with status 3: .*no model here") as raised:
        server.start(timeout_s=30)
    assert not isinstance(raised.value, ServerCrashed)


class _SlowStart:
    """A server whose start waits for ``release``: the first model's vLLM taking its two minutes."""

    def __init__(self, release: threading.Event | None) -> None:
        self.release, self.started = release, threading.Event()

    def failure(self) -> None:
        return None

    def alive(self) -> bool:
        return self.started.is_set()

    def start(self) -> None:
        if self.release is not None:
            assert self.release.wait(timeout=30)
        self.started.set()

    def stop(self) -> None:
        self.started.clear()


def test_a_model_s_start_holds_back_only_the_calls_for_that_model(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    made = {"slow": _SlowStart(release), "quick": _SlowStart(None)}
    monkeypatch.setattr(server_module, "server_for", lambda name, spec: made[name])
    spec = load_model_specs()["local-qwen-0.5b"]
    try:
        with ThreadPoolExecutor(3) as pool:
            slow = [pool.submit(ensure_server, "slow", spec) for _ in range(2)]
            time.sleep(0.2)  # the slow one is starting
            assert pool.submit(ensure_server, "quick", spec).result(timeout=10) is made["quick"]
            assert not any(future.done() for future in slow)  # the second call for it waits for the one start
            release.set()
            assert {future.result(timeout=10) for future in slow} == {made["slow"]}
    finally:
        release.set()
        stop_all()


def test_a_start_keeps_only_the_newest_logs_of_its_directory(tmp_path: Path) -> None:
    # every start writes a log named by its port; without a sweep they pile up in ~/.cache/aiev/logs
    for age in range(KEPT_LOGS + 5):
        old = tmp_path / f"old-{age}.log"
        old.write_text("x")
        os.utime(old, (1_000_000 - age, 1_000_000 - age))  # old-0 the newest of them
    (tmp_path / "notes.txt").write_text("not a log")
    with CrashingServer(tmp_path):
        pass
    left = {path.name for path in tmp_path.iterdir()}
    assert left == {"server.log", "notes.txt", *(f"old-{age}.log" for age in range(KEPT_LOGS - 1))}
