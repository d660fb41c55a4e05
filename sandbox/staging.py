"""Directories built beside their target and renamed into place, and the fsync that makes a rename durable.

In the bottom layer because every layer above builds something this way: the model cache (a dequantized checkpoint,
an engine's virtual environment), the student's base and its GGUF, an exported dataset.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import tempfile
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .processes import alive


def staging_dir(target: Path) -> Path:
    """A new empty directory beside ``target`` to build it in before renaming it into place.

    ``kill -9`` runs no ``finally``, so a killed build leaves its staging directory behind (a half-converted model is
    gigabytes). Each one is named for its host and process; before making a new one, those of the same target whose
    process on this host is gone are removed. A live build's directory, or another host's, is never touched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}.staging-{socket.gethostname()}-"
    for found in target.parent.glob(f"{glob.escape(prefix)}*"):
        pid = found.name.removeprefix(prefix).split("-", 1)[0]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(found, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=target.parent))


def fsync_dir(directory: Path) -> None:
    """Make a rename inside ``directory`` survive a power loss (the directory entry is data too)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def holds(directory: Path, record: BaseModel, file: str) -> bool:
    """Whether ``directory`` was built for ``record``, whose JSON a build writes into it as ``file``: a cached build
    is reused only for the same input (a missing or unreadable record means it is not)."""
    try:
        return type(record).model_validate_json((directory / file).read_text(encoding="utf-8")) == record
    except (OSError, ValidationError):
        return False
