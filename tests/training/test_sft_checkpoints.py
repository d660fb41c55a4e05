"""Which checkpoint a rerun of SFT resumes from when the previous run was killed while saving one."""

from __future__ import annotations

import json
from pathlib import Path

from aiev.training.sft import last_complete_checkpoint


def checkpoint(out: Path, step: int, state: str | None) -> Path:
    path = out / f"checkpoint-{step}"
    path.mkdir(parents=True)
    (path / "adapter_model.safetensors").write_bytes(b"weights")
    if state is not None:
        (path / "trainer_state.json").write_text(state)
    return path


def test_the_newest_checkpoint_saved_to_its_end_is_resumed(tmp_path: Path) -> None:
    done = checkpoint(tmp_path, 2, json.dumps({"global_step": 2}))
    checkpoint(tmp_path, 10, json.dumps({"global_step": 10}))
    assert last_complete_checkpoint(tmp_path) == str(tmp_path / "checkpoint-10")
    checkpoint(tmp_path, 11, None)  # killed before the trainer state was written
    checkpoint(tmp_path, 12, '{"global_st')  # killed while writing it
    assert last_complete_checkpoint(tmp_path) == str(tmp_path / "checkpoint-10")
    (tmp_path / "checkpoint-10" / "trainer_state.json").unlink()
    assert last_complete_checkpoint(tmp_path) == str(done)  # numeric order: 2 is older than 10 and 11


def test_no_checkpoint_to_resume(tmp_path: Path) -> None:
    assert last_complete_checkpoint(tmp_path / "absent") is None
    checkpoint(tmp_path, 1, None)
    (tmp_path / "checkpoint-notes").mkdir()
    assert last_complete_checkpoint(tmp_path) is None
