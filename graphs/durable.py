"""Crash-safe files for long runs: whole-file replacement and an append-only JSON-lines log.

A run may be killed (``kill -9``, power loss) at any instant. Whole files are therefore written to a
temporary sibling, fsynced and renamed over the target, so a reader sees the old or the new file, never a
mix; log records are single ``write`` calls of one complete line followed by fsync, and a reader drops a
torn last line (the record is simply redone on resume).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..sandbox.staging import fsync_dir


def checkpoint_connection(path: Path) -> sqlite3.Connection:
    """The SQLite connection behind LangGraph's checkpointer, tuned for a checkpoint per graph step.

    WAL with ``synchronous=NORMAL`` commits without an fsync (the WAL is synced at its checkpoints): a killed
    process loses nothing, since committed pages are in the OS cache; a power cut may lose the last steps of
    dialogues in flight, which are then simply rerun, because finished seeds are recorded in the fsynced
    results log, not here. With the default ``FULL`` every step paid an fsync, a few ms each.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that no reader or crash can observe a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> None:
    atomic_write_text(path, "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))


class JsonlLog:
    """An append-only log of JSON records, safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._repair()

    def _repair(self) -> None:
        """Cut a torn last line left by a crash mid-write, so the next append starts on a fresh line."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(self.path, "r+b") as handle:
                handle.truncate(data.rfind(b"\n") + 1)
                os.fsync(handle.fileno())

    def append(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                written = 0
                while written < len(line):
                    written += os.write(fd, line[written:])
                os.fsync(fd)
            finally:
                os.close(fd)

    def records(self) -> Iterator[dict[str, Any]]:
        """Every complete record in order (a torn last line is skipped)."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                if line.endswith("\n") and line.strip():
                    yield json.loads(line)
