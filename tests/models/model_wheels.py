"""Synthetic part wheels shaped like the real model-data wheels (``<pkg>/data/partNN.bin`` plus metadata)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from aiev.agents.model_specs import GgufSpec, LlamaCppSpec


def make_part_wheels(directory: Path, chunks: list[bytes], dist: str = "fake-model") -> LlamaCppSpec:
    """One wheel per chunk in ``directory``; returns a spec whose size and hash match their concatenation."""
    directory.mkdir(parents=True, exist_ok=True)
    parts = []
    for number, chunk in enumerate(chunks, start=1):
        part = f"{dist}-part{number}"
        package = part.replace("-", "_")
        with zipfile.ZipFile(directory / f"{package}-0.9.0-py3-none-any.whl", "w") as wheel:
            wheel.writestr(f"{package}/__init__.py", "raise SystemExit('never imported')\n")
            wheel.writestr(f"{package}/data/part{number:02d}.bin", chunk)
            wheel.writestr(
                f"{package}-0.9.0.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {part}\nVersion: 0.9.0\n"
            )
            wheel.writestr(
                f"{package}-0.9.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
            )
            wheel.writestr(f"{package}-0.9.0.dist-info/RECORD", "")
        parts.append(part)
    whole = b"".join(chunks)
    gguf = GgufSpec(parts=parts, version="0.9.0", size=len(whole), sha256=hashlib.sha256(whole).hexdigest())
    return LlamaCppSpec(provider="llama_cpp", model=dist, gguf=gguf)
