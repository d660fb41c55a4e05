"""The engine interface and the `auto | docker | local` choice.

Engines are expensive to create (the Docker engine keeps warm containers), so ``get_engine`` caches one
instance per kind for the whole process; graphs ask for an engine by name on every execution. With
``AIEV_SANDBOX_SLOTS`` set (``node_slots``), the engine it returns holds one of the machine's slots per program, so
the cap holds across every aiev process on the machine (the Ray workers of one node).
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol, runtime_checkable

from .node_slots import SLOTS_DIR_ENV, SLOTS_ENV, NodeSlots, default_directory
from .types import ExecRequest, ExecResult, Outcome

EngineName = Literal["auto", "docker", "local"]


@runtime_checkable
class Engine(Protocol):
    """Runs untrusted code. ``run`` never raises for a bad program: every failure is an ExecResult."""

    name: str

    def run(self, request: ExecRequest) -> ExecResult: ...

    def close(self) -> None: ...


class SandboxUnavailable(RuntimeError):
    """The requested engine cannot be used here (e.g. no Docker engine answers, image not built)."""


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(name: EngineName = "auto") -> Engine:
    """The process-wide engine of that kind; ``auto`` is Docker when an engine answers and the image exists.

    ``AIEV_SANDBOX_SLOTS`` is read when the engine is created (a Ray worker sets it in its constructor, before any
    engine exists): set, the engine is a ``CappedEngine``; unset or empty, the engine itself.
    Raises SandboxUnavailable (with the reason) when ``docker`` is asked for and cannot be used, or the slots
    setting is not a positive integer or its directory cannot be made.
    """
    if name not in ("auto", "docker", "local"):
        raise SandboxUnavailable(f"unknown sandbox {name!r}; choose docker, local or auto")
    with _engines_lock:
        if name == "auto":
            name = "docker" if "docker" in _engines or docker_problem() is None else "local"
        if name not in _engines:
            slots = _node_slots()  # before the engine, so that a bad setting starts no warm containers
            engine = _create(name)
            _engines[name] = engine if slots is None else CappedEngine(engine, slots)
        return _engines[name]


class CappedEngine:
    """An engine whose ``run`` holds one of this machine's sandbox slots while the program (and its setup lines)
    runs, so that every aiev process on the machine together runs at most ``slots.limit`` programs at once.

    Everything but ``run`` is the wrapped engine's (``isolation``, the Docker engine's pool): callers such as
    ``describe_engine`` see the engine they asked for.
    """

    def __init__(self, engine: Engine, slots: NodeSlots) -> None:
        self.inner = engine
        self.slots = slots
        self.name = engine.name

    def run(self, request: ExecRequest) -> ExecResult:
        try:
            held = self.slots.acquire()
        except OSError as error:  # the slots directory went away or turned unreadable: not the program's fault
            return ExecResult(outcome=Outcome.SANDBOX_ERROR, stderr=f"sandbox slots: {error}", engine=self.name)
        with held:
            return self.inner.run(request)

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, attribute: str) -> Any:  # called only for attributes the wrapper itself lacks
        return getattr(self.inner, attribute)


def _node_slots() -> NodeSlots | None:
    """The machine's slots from ``AIEV_SANDBOX_SLOTS`` / ``AIEV_SANDBOX_SLOTS_DIR``, or None for no cap."""
    value = os.environ.get(SLOTS_ENV, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise SandboxUnavailable(
            f"{SLOTS_ENV} must be a positive integer (programs at once on this machine), got {value!r}"
        )
    named = os.environ.get(SLOTS_DIR_ENV, "").strip()
    directory = Path(named) if named else default_directory()
    try:
        return NodeSlots(int(value), directory)
    except OSError as error:
        raise SandboxUnavailable(
            f"cannot keep sandbox slots in {directory} (set {SLOTS_DIR_ENV} to another directory): {error}"
        ) from error


def run_request(name: EngineName, request: ExecRequest) -> ExecResult:
    """``request`` run by the engine of that kind; an engine that cannot be had here (no Docker, no image) is a
    ``sandbox_error`` result rather than an exception, because callers record it like any other outcome: the
    program was not at fault."""
    try:
        engine = get_engine(name)
    except SandboxUnavailable as error:
        return ExecResult(outcome=Outcome.SANDBOX_ERROR, stderr=str(error))
    return engine.run(request)


class EngineChoice(NamedTuple):
    """Which engine runs the programs and how it fences them in, for a command to say at its start: ``auto``
    otherwise falls back to the local engine silently, and on some machines that engine has no namespaces."""

    requested: str  # auto | docker | local
    engine: str  # docker | local
    isolation: str  # "containers" or the local engine's level (``isolation.detect``)
    fallback: str | None  # why ``auto`` did not pick Docker

    @property
    def unfenced(self) -> bool:
        """The local engine with rlimits only: no network or filesystem isolation."""
        return self.isolation == "rlimits-only"

    def summary(self) -> str:
        fenced = "network-less containers" if self.engine == "docker" else f"isolation {self.isolation}"
        why = f" (--sandbox {self.requested}" + (f": {self.fallback})" if self.fallback else ")")
        return f"{self.engine} engine, {fenced}{why}"


def describe_engine(requested: EngineName, engine: Engine) -> EngineChoice:
    """What ``get_engine(requested)`` returned, in words (the local engine's level from ``isolation.detect``)."""
    level = getattr(getattr(engine, "isolation", None), "level", None)
    fallback = docker_problem() if requested == "auto" and engine.name == "local" else None
    return EngineChoice(requested, engine.name, level or "containers", fallback)


def docker_problem() -> str | None:
    """Why the Docker engine cannot be used here, or None when it can."""
    from .docker_engine import DockerEngine

    return DockerEngine.problem()


def _create(name: str) -> Engine:
    if name == "local":
        from .local_engine import LocalEngine

        return LocalEngine()
    from .docker_engine import DockerEngine

    problem = DockerEngine.problem()
    if problem:
        raise SandboxUnavailable(f"the Docker sandbox is unavailable: {problem}")
    return DockerEngine()


def close_engines() -> None:
    """Stops every engine this process started (the Docker engine removes its warm containers)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.close()
        _engines.clear()


atexit.register(close_engines)  # warm containers never outlive the process that started them


def unwind_on_sigterm() -> None:
    """SIGTERM (``kill``, a scheduler, a session's end) raises KeyboardInterrupt in the main thread, as Ctrl-C does,
    so the program unwinds and the atexit hook above runs. By default SIGTERM ends the process on the spot: the
    killed measured loop of session 25 left 4 warm containers behind until the next start-up's ``reap``. For entry
    points (the CLI, the benches): a library must not take over a process's signals."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
