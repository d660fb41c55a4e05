"""Where assembled models live: one GGUF per model name in the user cache, shared by every run and venv."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_cache_dir

from ..model_specs import LlamaCppSpec


def cache_root() -> Path:
    return Path(user_cache_dir("aiev"))


def gguf_path(name: str) -> Path:
    return cache_root() / "models" / f"{name}.gguf"


def is_installed(name: str, spec: LlamaCppSpec) -> bool:
    """Cheap presence check (size only): the hash was verified before the file got its final name."""
    path = gguf_path(name)
    return path.is_file() and path.stat().st_size == spec.gguf.size
