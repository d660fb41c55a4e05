"""The teaching -> self-learning loop with scripted generation, training and evaluation: stage switch and resume."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripted_loop import Crash, Script

from aiev.training.build import BuildOptions
from aiev.training.loop import LoopConfig, load_state, run_loop


def _config(out: Path, batches: int) -> LoopConfig:
    return LoopConfig(out=out, batches=batches, teacher="teacher", build=BuildOptions(humaneval=False))


def test_student_win_switches_to_self_learning(tmp_path):
    script = Script(student_scores=[0.2, 0.7, 0.9])
    state = run_loop(_config(tmp_path, 3), script.steps())
    generated = [c for c in script.calls if c[0] == "generate"]
    assert generated == [
        ("generate", 0, "teaching", None),
        ("generate", 1, "teaching", "student-0"),
        ("generate", 2, "self_learning", "student-1"),  # the winner generates its own data
    ]
    assert [c for c in script.calls if c[0] == "train"] == [("train", 0, 9), ("train", 1, 18), ("train", 2, 27)]
    assert (state.stage, state.switched_at) == ("self_learning", 1)
    assert [(r.stage, r.teacher_pass1, r.student_pass1) for r in state.history] == [
        ("teaching", 0.5, 0.2),
        ("teaching", 0.5, 0.7),
        ("self_learning", 0.5, 0.9),
    ]
    assert load_state(tmp_path) == state


def test_resume_after_crashes_redoes_only_unfinished_steps(tmp_path):
    script = Script(student_scores=[0.1, 0.2])
    script.crash_on = {("train", 1, 18), ("evaluate", 1, "student-1")}
    with pytest.raises(Crash):
        run_loop(_config(tmp_path, 2), script.steps())
    saved = load_state(tmp_path)
    assert len(saved.history) == 1 and saved.current.batch == 1 and saved.current.done == ["generate", "build"]
    with pytest.raises(Crash):
        run_loop(_config(tmp_path, 2), script.steps())
    assert load_state(tmp_path).current.teacher_pass1 == 0.5  # scored before the crash, kept
    state = run_loop(_config(tmp_path, 2), script.steps())
    assert len(state.history) == 2 and state.current is None and state.stage == "teaching"
    assert script.calls.count(("generate", 1, "teaching", "student-0")) == 1
    assert script.calls.count(("evaluate", 1, "teacher")) == 1
    assert script.calls.count(("evaluate", 1, "student-1")) == 2  # crashed once, then redone
    script.calls.clear()
    assert run_loop(_config(tmp_path, 2), script.steps()) == state and script.calls == []  # finished: nothing to do
