"""One OpenAI-compatible model server that aiev runs as a child process: llama.cpp's ``llama-server`` for a GGUF
(``server.py``) or vLLM's CPU build for Hugging Face weights (``vllm_engine.py``). What they share lives here:
starting the process with its output in a log, waiting until it answers, telling a crash (with its signal, the
log's last lines and a fix) from a stop, and making sure the process, and every helper it starts, never outlives aiev.

The server runs in a child process (not in-process) because an engine holds GIL-free compute threads and hundreds
of MB of weights: a separate process keeps the graph's threads responsive and dies cleanly.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from types import TracebackType

import httpx

from ..model_specs import ModelError
from .cache import cache_root
from .group_leader import die_with_parent

# Server logs kept in a log directory: each start writes one named by its port, so without a sweep they pile up (39
# after a few sessions of benches and tests); the newest are the ones a crash message points at.
KEPT_LOGS = 20
# The server runs under this leader, which ends the server's whole process group when aiev dies (``group_leader``).
GROUP_LEADER = Path(__file__).with_name("group_leader.py")


class ServerError(ModelError):
    """A local model server could not be started or has died."""


class ServerCrashed(ServerError):
    """The server process was ended by a signal: the message names it, the log's last lines and the fix."""

    def __init__(self, message: str, sig: signal.Signals) -> None:
        super().__init__(message)
        self.signal = sig


def sweep_logs(directory: Path, keep: int) -> None:
    """Delete all but the ``keep`` most recently written ``*.log`` files of ``directory`` (a log another server is
    still writing to is among the newest, and removing an open file on Linux does not disturb its writer)."""
    logs = sorted(directory.glob("*.log"), key=_written, reverse=True)
    for stale in logs[keep:]:
        stale.unlink(missing_ok=True)


def _written(path: Path) -> float:
    """When ``path`` was last written; 0 when another aiev's sweep removed it meanwhile."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class ServerProcess:
    """A model server process serving ``model_path`` as ``alias``; a context manager that always stops it.
    Subclasses say how the engine is started (``command``, ``environment``), what it needs (``missing``) and what a
    crash by each signal usually means for it (``crash_fixes``)."""

    engine = "model server"
    start_timeout_s = 180.0  # seconds until it must answer
    crash_fixes: dict[signal.Signals, str] = {
        signal.SIGKILL: "killed from outside, most often by the kernel's out-of-memory killer: free memory or use a "
        "smaller model / context",
    }

    def __init__(
        self,
        model_path: Path,
        *,
        alias: str,
        n_ctx: int,
        port: int | None = None,
        host: str = "127.0.0.1",
        log_path: Path | None = None,
    ) -> None:
        self.model_path = model_path
        self.alias = alias
        self.n_ctx = n_ctx
        self.host = host
        self.port = port or free_port(host)
        self.log_path = log_path or cache_root() / "logs" / f"{alias}-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        """The process's environment: aiev's own, unless the engine must not read some of it."""
        return dict(os.environ)

    def missing(self) -> str | None:
        """What the engine lacks to start here and how to get it, or None."""
        return None

    def start(self, timeout_s: float | None = None) -> ServerProcess:
        """Start the process and return once it answers ``GET /v1/models``; raise with the log tail if it dies."""
        if self.alive():
            return self
        problem = self.missing()
        if problem:
            raise ServerError(problem)
        timeout_s = timeout_s if timeout_s is not None else self.start_timeout_s
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(self.command())}\n".encode())
            log.flush()
            sweep_logs(self.log_path.parent, keep=KEPT_LOGS)  # this start's log, just written to, among them
            self._process = subprocess.Popen(
                [sys.executable, str(GROUP_LEADER), str(os.getpid()), "--", *self.command()],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.environment(),
                preexec_fn=partial(die_with_parent, signal.SIGTERM),  # the leader ends the group when aiev dies
                start_new_session=True,  # the leader's own process group: stop() ends the engine's helpers too
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise self.crash("during start-up")
            if self.healthy():
                return self
            time.sleep(0.25)
        self.stop()
        raise ServerError(f"{self.engine} for {self.alias!r} not ready after {timeout_s:.0f}s (log: {self.log_path})")

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/models", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def check_generation(self, timeout_s: float = 120.0) -> None:
        """Generate one token. A server that loads its model can still die on the first matrix multiply (an
        instruction the CPU refuses), so answering ``/v1/models`` proves little; raises ``ServerCrashed`` or
        ``ServerError`` naming what went wrong."""
        body = {"model": self.alias, "messages": [{"role": "user", "content": "Say OK."}], "max_tokens": 1}
        try:
            reply = httpx.post(f"{self.base_url}/chat/completions", json=body, timeout=timeout_s)
            reply.raise_for_status()
            reply.json()["choices"][0]["message"]
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as error:
            if self._died(grace_s=5.0):  # the dropped connection can come a moment before the exit status
                raise self.crash("on its first generation") from None
            raise ServerError(f"{self.engine} for {self.alias!r} failed a one-token generation: {error}") from None

    def crash(self, when: str) -> ServerError:
        """The error for a server process that has exited: its exit status or signal, the log's last lines, the fix."""
        assert self._process is not None
        code = self._process.wait()
        tail = self._log_tail()
        if code >= 0:
            return ServerError(f"{self.engine} for {self.alias!r} exited {when} with status {code}: {tail}")
        sig = signal.Signals(-code)
        fix = self.crash_fixes.get(sig, "see the log")
        return ServerCrashed(
            f"{self.engine} for {self.alias!r} crashed {when} with {sig.name} ({fix}). Log: {tail}", sig
        )

    def failure(self, grace_s: float = 0.0) -> ServerError | None:
        """Why this server is gone, when it died on its own (None while it runs or after ``stop``); ``grace_s``:
        how long to wait for a process that may be dying (after a failed request)."""
        return self.crash("while serving") if self._died(grace_s) else None

    def _died(self, grace_s: float = 0.0) -> bool:
        """Whether the process has exited, waiting up to ``grace_s`` for a dying one."""
        if self._process is None:
            return False
        try:
            self._process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            return False
        return True

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
        # A helper that outlived the server (vLLM's engine core) is killed, and waited for: its memory is free once
        # stop() returns, so the next server, or the next test, starts on a machine as it was.
        deadline = time.monotonic() + 10
        while _signal_group(process, signal.SIGKILL) and time.monotonic() < deadline:
            time.sleep(0.05)

    def _log_tail(self, lines: int = 5) -> str:
        tail = self.log_path.read_text(errors="replace").strip().splitlines()[-lines:]
        return " | ".join(tail) + f" (log: {self.log_path})"

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> bool:
    """Send ``sig`` to every process of the server's group; False when none is left."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return False
    return True
