"""Runs llama.cpp's own OpenAI-compatible ``llama-server`` for an embedded model, so the embedded model and
vLLM / OpenAI are reached through the same ChatOpenAI client and behave identically to the graphs.

The server runs in a child process (not in-process) because llama.cpp holds the GIL-free compute threads
and hundreds of MB of weights: a separate process keeps the graph's threads responsive and dies cleanly.

Concurrency: ``llama-server`` decodes its parallel slots together (continuous batching: one forward pass per token
for every request in flight), so N dialogues in flight produce more tokens per second than one — unlike
llama-cpp-python's server, which serialises requests behind a lock. Measured by ``bench/local_model_tps.py``
(aggregate tokens/s at 1, 2, 4 and 8 concurrent requests); the slot count is the model entry's ``parallel``.
The binary is built portably from the llama.cpp source vendored in the pinned llama-cpp-python sdist
(``scripts/llama_cpp_wheel.py server``) and installed beside the environment's Python.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from functools import cached_property
from pathlib import Path
from types import TracebackType

import httpx

from ..model_specs import LlamaCppSpec, ModelError
from ..special_tokens import load_special_tokens
from .cache import cache_root, is_installed, model_file
from .gguf_metadata import control_tokens

# llama-server reads LLAMA_ARG_* environment variables as settings: only its command line may configure it.
_SERVER_ENV_PREFIX = "LLAMA_ARG_"


class ServerError(ModelError):
    """The embedded server could not be started or has died."""


class ServerCrashed(ServerError):
    """The server process was ended by a signal: the message names it, the log's last lines and the fix."""

    def __init__(self, message: str, sig: signal.Signals) -> None:
        super().__init__(message)
        self.signal = sig


# How to replace a llama.cpp build that does not fit this CPU (the README's setup does this on every machine).
REBUILD = f"python scripts/llama_cpp_wheel.py install --python {sys.executable}"


def server_binary() -> Path:
    """``llama-server`` as the portable build installs it: beside this environment's Python."""
    return Path(sys.executable).parent / "llama-server"


# What a crash by each signal usually means for llama.cpp on a CPU, and what to do about it.
_CRASH_FIXES = {
    signal.SIGILL: "illegal instruction: this llama.cpp build uses an instruction set the CPU or the kernel does not "
    "allow (e.g. AMX or AVX-512 reported by the VM but not enabled); rebuild it portably with "
    f"`{REBUILD}` and check with `aiev models doctor`",
    signal.SIGKILL: "killed from outside, most often by the kernel's out-of-memory killer: free memory or use a "
    "smaller model / n_ctx",
    signal.SIGSEGV: "segmentation fault inside llama.cpp: check the model file (`aiev models pull` re-verifies it) "
    "and the build (`aiev models doctor`)",
    signal.SIGBUS: "bus error: the memory-mapped model file changed or vanished under the server",
    signal.SIGABRT: "llama.cpp aborted on an internal assertion: see the log lines above",
}


class ModelNotInstalledError(ModelError):
    def __init__(self, name: str, spec: LlamaCppSpec) -> None:
        if spec.path is not None:
            super().__init__(f"model {name!r}: its GGUF file {spec.path} does not exist")
        else:
            super().__init__(f"model {name!r} is not installed; run `aiev models pull {name}`")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class LocalServer:
    """One llama.cpp server process for one GGUF file; a context manager that always stops its process."""

    def __init__(
        self,
        model_path: Path,
        *,
        alias: str,
        n_ctx: int,
        threads: int,
        slots: int = 1,
        port: int | None = None,
        host: str = "127.0.0.1",
        log_path: Path | None = None,
        special: bool = False,
    ) -> None:
        self.model_path = model_path
        self.alias = alias
        self.n_ctx = n_ctx
        self.threads = threads
        self.slots = slots
        self.special = special
        self.host = host
        self.port = port or free_port(host)
        self.log_path = log_path or cache_root() / "logs" / f"{alias}-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def command(self) -> list[str]:
        """``n_ctx`` is each slot's window: the server sizes its KV cache to ``slots * n_ctx`` tokens. ``--special``
        prints special tokens as text in replies (llama.cpp drops them otherwise)."""
        return [
            str(server_binary()),
            "--model", str(self.model_path),
            "--alias", self.alias,
            "--host", self.host,
            "--port", str(self.port),
            "--parallel", str(self.slots),
            "--kv-unified-per-slot", str(self.n_ctx),
            "--threads", str(self.threads),
            "--threads-batch", str(self.threads),
            "--no-webui",
            *(["--special"] if self.special else []),
        ]  # fmt: skip

    @cached_property
    def reply_stops(self) -> list[str]:
        """Where a reply must end, for a server started with ``--special``: at any control token of the model but
        the interpreter's. ``--special`` prints the end-of-turn token too (llama-server appends its text before it
        stops on it); asked to stop there, the server cuts the text at it instead. The other control tokens (a new
        turn, fill-in-the-middle markers) have no place in a reply either. Read once per server (the header of a
        151k-token vocabulary takes a second or more), not at every turn."""
        if not self.special:
            return []
        interpreter = set(load_special_tokens().all)
        return [token for token in control_tokens(self.model_path) if token not in interpreter]

    def start(self, timeout_s: float = 180.0) -> LocalServer:
        """Start the process and return once it answers ``GET /v1/models``; raise with the log tail if it dies."""
        if self.alive():
            return self
        if not server_binary().exists():
            raise ServerError(f"llama.cpp's llama-server is not installed beside {sys.executable}; run `{REBUILD}`")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(_SERVER_ENV_PREFIX)}
        with self.log_path.open("ab") as log:
            log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(self.command())}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                preexec_fn=_die_with_parent,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise self.crash("during start-up")
            if self.healthy():
                return self
            time.sleep(0.25)
        self.stop()
        raise ServerError(
            f"llama.cpp server for {self.alias!r} not ready after {timeout_s:.0f}s (log: {self.log_path})"
        )

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
            raise ServerError(f"llama.cpp server for {self.alias!r} failed a one-token generation: {error}") from None

    def crash(self, when: str) -> ServerError:
        """The error for a server process that has exited: its exit status or signal, the log's last lines, the fix."""
        assert self._process is not None
        code = self._process.wait()
        tail = self._log_tail()
        if code >= 0:
            return ServerError(f"llama.cpp server for {self.alias!r} exited {when} with status {code}: {tail}")
        sig = signal.Signals(-code)
        fix = _CRASH_FIXES.get(sig, "see the log")
        return ServerCrashed(
            f"llama.cpp server for {self.alias!r} crashed {when} with {sig.name} ({fix}). Log: {tail}", sig
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
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _log_tail(self, lines: int = 5) -> str:
        tail = self.log_path.read_text(errors="replace").strip().splitlines()[-lines:]
        return " | ".join(tail) + f" (log: {self.log_path})"

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def server_for(name: str, spec: LlamaCppSpec, *, port: int | None = None) -> LocalServer:
    """An unstarted server for an installed model; refuses a model that was never pulled."""
    if not is_installed(name, spec):
        raise ModelNotInstalledError(name, spec)
    return LocalServer(
        model_file(name, spec),
        alias=spec.model,
        n_ctx=spec.n_ctx,
        threads=spec.thread_count(),
        slots=spec.parallel,
        port=port,
        special=spec.special_tokens,
    )


_servers: dict[str, LocalServer] = {}
_servers_lock = threading.Lock()


def ensure_server(name: str, spec: LlamaCppSpec) -> LocalServer:
    """The process-wide server for a model: started on first use, restarted on the same port if it was killed
    (so chat clients already pointing at it keep working), stopped when the interpreter exits. A server that
    crashed by itself (illegal instruction, segfault, abort) would crash again: that is raised, not retried."""
    with _servers_lock:
        server = _servers.get(name)
        if server is None:
            server = _servers[name] = server_for(name, spec)
        failure = server.failure()
        if isinstance(failure, ServerCrashed) and failure.signal is not signal.SIGKILL:
            raise failure
        if not server.alive():
            server.start()
        return server


def stop_server(name: str) -> None:
    """Stop and forget the process-wide server of ``name``, if any: a model served for a block only."""
    with _servers_lock:
        server = _servers.pop(name, None)
    if server is not None:
        server.stop()


def server_failure(name: str) -> ServerError | None:
    """Why the process-wide server of ``name`` is gone, if it died on its own: a failed model call asks this, so
    that the user reads "crashed with SIGILL: rebuild ..." instead of a bare connection error."""
    with _servers_lock:
        server = _servers.get(name)
    return server.failure(grace_s=2.0) if server is not None else None


def stop_all() -> None:
    with _servers_lock:
        for server in _servers.values():
            server.stop()
        _servers.clear()


atexit.register(stop_all)


def _die_with_parent() -> None:
    """Linux: the server gets SIGKILL when aiev dies, even by SIGKILL or SIGTERM, where atexit never runs."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
