"""Where embedded models live: one GGUF per pulled model name in the user cache, shared by every run and venv, or
the file a ``path`` entry names."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_cache_dir

from ..model_specs import LlamaCppSpec


def cache_root() -> Path:
    return Path(user_cache_dir("aiev"))


def gguf_path(name: str) -> Path:
    return cache_root() / "models" / f"{name}.gguf"


def model_file(name: str, spec: LlamaCppSpec) -> Path:
    """The GGUF file the server loads: the entry's own ``path``, else the pulled file in the cache."""
    return spec.path if spec.path is not None else gguf_path(name)


def is_installed(name: str, spec: LlamaCppSpec) -> bool:
    """Cheap presence check (size only): the hash was verified before a pulled file got its final name."""
    path = model_file(name, spec)
    if spec.gguf is None:
        return path.is_file()
    return path.is_file() and path.stat().st_size == spec.gguf.size
