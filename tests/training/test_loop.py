"""The teaching -> self-learning loop with scripted generation, training and evaluation: stage switch and resume."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from aiev.training.build import BuildOptions
from aiev.training.loop import LoopConfig, LoopSteps, load_state, run_loop

from training_records import record


class Crash(RuntimeError):
    pass


class Script:
    """Scripted steps that log every call; ``student_scores`` gives the student's pass@1 per batch."""

    def __init__(self, student_scores: list[float], teacher_score: float = 0.5) -> None:
        self.student_scores = student_scores
        self.teacher_score = teacher_score
        self.calls: list[tuple] = []
        self.crash_on: set[tuple] = set()
        self.rng = random.Random(0)

    def _maybe_crash(self, call: tuple) -> None:
        self.calls.append(call)
        if call in self.crash_on:
            self.crash_on.discard(call)
            raise Crash(str(call))

    def generate(self, batch: int, stage: str, student: str | None, out: Path) -> None:
        self._maybe_crash(("generate", batch, stage, student))
        out.mkdir(parents=True, exist_ok=True)
        lines = []
        for i in range(10):
            name = "".join(self.rng.choices(string.ascii_lowercase, k=12))
            lines.append(json.dumps(record(f"b{batch}-{i}", code=f"def {name}(x):\n    return x.{name}()", stage=stage)))
        (out / "samples.jsonl").write_text("\n".join(lines) + "\n")

    def train(self, data: Path, out: Path) -> str:
        from datasets import load_from_disk

        batch = int(out.parent.name)
        self._maybe_crash(("train", batch, len(load_from_disk(str(data)))))
        return f"student-{batch}"

    def evaluate(self, model: str, heldout: Path) -> float:
        batch = int(heldout.parent.parent.name)
        self._maybe_crash(("evaluate", batch, model))
        assert len(heldout.read_text().splitlines()) == 1  # 1 in 10 held out
        return self.teacher_score if model == "teacher" else self.student_scores[batch]

    def steps(self) -> LoopSteps:
        return LoopSteps(self.generate, self.train, self.evaluate)


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
        ("teaching", 0.5, 0.2), ("teaching", 0.5, 0.7), ("self_learning", 0.5, 0.9)
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
