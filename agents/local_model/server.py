"""llama.cpp's own OpenAI-compatible ``llama-server`` for an embedded model, and the process-wide registry of the
local model servers aiev runs (this one, and vLLM's CPU build from ``vllm_engine.py``), so embedded models and
vLLM / OpenAI are reached through the same ChatOpenAI client and behave identically to the graphs.

Concurrency: ``llama-server`` decodes its parallel slots together (continuous batching: one forward pass per token
for every request in flight), so N dialogues in flight produce more tokens per second than one — unlike
llama-cpp-python's server, which serialises requests behind a lock. Measured by ``bench/local_model_tps.py``
(aggregate tokens/s at 1, 2, 4 and 8 concurrent requests); the slot count is the model entry's ``parallel``.
The binary is built portably from the llama.cpp source vendored in the pinned llama-cpp-python sdist
(``scripts/llama_cpp_wheel.py server``) and installed beside the environment's Python.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from functools import cached_property
from pathlib import Path

from ..model_specs import LlamaCppSpec, ModelError, VllmCpuSpec
from ..special_tokens import load_special_tokens
from .cache import is_installed, model_file
from .gguf_metadata import control_tokens
from .process import ServerCrashed, ServerError, ServerProcess
from .vllm_engine import VllmServer, vllm_server

# llama-server reads LLAMA_ARG_* environment variables as settings: only its command line may configure it.
_SERVER_ENV_PREFIX = "LLAMA_ARG_"

# How to replace a llama.cpp build that does not fit this CPU (the README's setup does this on every machine).
REBUILD = f"python scripts/llama_cpp_wheel.py install --python {sys.executable}"


def server_binary() -> Path:
    """``llama-server`` as the portable build installs it: beside this environment's Python."""
    return Path(sys.executable).parent / "llama-server"


class ModelNotInstalledError(ModelError):
    def __init__(self, name: str, spec: LlamaCppSpec) -> None:
        if spec.path is not None:
            super().__init__(f"model {name!r}: its GGUF file {spec.path} does not exist")
        else:
            super().__init__(f"model {name!r} is not installed; run `aiev models pull {name}`")


class LocalServer(ServerProcess):
    """One llama.cpp server process for one GGUF file."""

    engine = "llama.cpp server"
    # What a crash by each signal usually means for llama.cpp on a CPU, and what to do about it.
    crash_fixes = {
        **ServerProcess.crash_fixes,
        signal.SIGILL: "illegal instruction: this llama.cpp build uses an instruction set the CPU or the kernel does "
        "not allow (e.g. AMX or AVX-512 reported by the VM but not enabled); rebuild it portably with "
        f"`{REBUILD}` and check with `aiev models doctor`",
        signal.SIGSEGV: "segmentation fault inside llama.cpp: check the model file (`aiev models pull` re-verifies "
        "it) and the build (`aiev models doctor`)",
        signal.SIGBUS: "bus error: the memory-mapped model file changed or vanished under the server",
        signal.SIGABRT: "llama.cpp aborted on an internal assertion: see the log lines above",
    }

    def __init__(self, model_path: Path, *, threads: int, slots: int = 1, special: bool = False, **settings) -> None:
        super().__init__(model_path, **settings)
        self.threads = threads
        self.slots = slots
        self.special = special

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

    def environment(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if not k.startswith(_SERVER_ENV_PREFIX)}

    def missing(self) -> str | None:
        if server_binary().exists():
            return None
        return f"llama.cpp's llama-server is not installed beside {sys.executable}; run `{REBUILD}`"

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


def server_for(name: str, spec: LlamaCppSpec | VllmCpuSpec, *, port: int | None = None) -> LocalServer | VllmServer:
    """An unstarted server for an installed model; refuses a model that was never pulled."""
    if isinstance(spec, VllmCpuSpec):
        return vllm_server(name, spec, port=port)
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


_servers: dict[str, ServerProcess] = {}
_servers_lock = threading.Lock()  # guards the registry only: never held while a server starts
_starting: dict[str, threading.Lock] = {}  # one per server: its start, and the checks before it


def ensure_server(name: str, spec: LlamaCppSpec | VllmCpuSpec) -> ServerProcess:
    """The process-wide server for a model: started on first use, restarted on the same port if it was killed
    (so chat clients already pointing at it keep working), stopped when the interpreter exits. A server that
    crashed by itself (illegal instruction, segfault, abort) would crash again: that is raised, not retried.
    Threads asking for the same model wait for its one start; those asking for another model do not (vLLM takes
    about two minutes to start on 2 cores, and a run whose roles use two models would otherwise start them in turn)."""
    with _servers_lock:
        server = _servers.get(name)
        if server is None:
            server = _servers[name] = server_for(name, spec)
            _starting[name] = threading.Lock()
        starting = _starting[name]
    with starting:
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
        _starting.pop(name, None)
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
        _starting.clear()


atexit.register(stop_all)
