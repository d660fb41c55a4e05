"""The engine interface and the `auto | docker | local` choice.

Engines are expensive to create (the Docker engine keeps warm containers), so ``get_engine`` caches one
instance per kind for the whole process; graphs ask for an engine by name on every execution.
"""

from __future__ import annotations

import threading
from typing import Literal, Protocol, runtime_checkable

from .types import ExecRequest, ExecResult

EngineName = Literal["auto", "docker", "local"]


@runtime_checkable
class Engine(Protocol):
    """Runs untrusted code. ``run`` never raises for a bad program: every failure is an ExecResult."""

    name: str

    def run(self, request: ExecRequest) -> ExecResult: ...

    def close(self) -> None: ...


class SandboxUnavailable(RuntimeError):
    """The requested engine cannot be used here (e.g. no Docker engine answers, image not built)."""
