"""Scripted loop steps that log every call and can crash on chosen calls (for the loop and `aiev loop` tests)."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

from training_records import record

from aiev.training.loop import LoopSteps


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
            lines.append(
                json.dumps(record(f"b{batch}-{i}", code=f"def {name}(x):\n    return x.{name}()", stage=stage))
            )
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
