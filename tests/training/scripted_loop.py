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


def seed_id(index: int) -> str:
    return f"seed-{index}"


class Script:
    """Scripted steps that log every call; ``student_scores`` gives the student's pass@1 per batch, ``base_score``
    the untrained base's (the model named ``base``).

    Seeds are positions: seed ``i`` exists while ``i < seeds`` (None: always) and yields one verified sample
    unless it is in ``failing``; its code is its own (``code(i)``) unless ``codes`` names another. Like the
    pipeline, generation takes the seeds in order until the wanted samples are verified, one at a time (as the
    pipeline does with one dialogue in flight), and resumes in its output directory: a seed finished there is not
    generated again and its sample counts. ``crash_on`` holds calls to crash on once: a step call as logged, or
    ``("seed", i)`` to crash mid-step just before seed ``i`` (the seeds before it are finished and written).
    """

    def __init__(
        self,
        student_scores: list[float],
        teacher_score: float = 0.5,
        base_score: float = 0.25,
        seeds: int | None = None,
        failing: frozenset[int] = frozenset(),
    ) -> None:
        self.student_scores = student_scores
        self.teacher_score = teacher_score
        self.base_score = base_score
        self.seeds = seeds
        self.failing = failing
        self.codes: dict[int, str] = {}
        self.calls: list[tuple] = []
        self.asked: list[tuple[int, int, int]] = []  # (batch, first seed, wanted samples) of each generate call
        self.generated: list[int] = []  # every seed actually generated, in order
        self.crash_on: set[tuple] = set()

    def _maybe_crash(self, call: tuple, log: bool = True) -> None:
        if log:
            self.calls.append(call)
        if call in self.crash_on:
            self.crash_on.discard(call)
            raise Crash(str(call))

    @staticmethod
    def code(index: int) -> str:
        name = "".join(random.Random(index).choices(string.ascii_lowercase, k=12))
        return f"def {name}(x):\n    return x.{name}_{index}()"

    def generate(self, batch: int, stage: str, student: str | None, first_seed: int, wanted: int, out: Path) -> int:
        self._maybe_crash(("generate", batch, stage, student))
        self.asked.append((batch, first_seed, wanted))
        out.mkdir(parents=True, exist_ok=True)
        finished_log = out / "finished.txt"  # the pipeline's results log, reduced to the seeds it finished
        finished = set(finished_log.read_text().split()) if finished_log.exists() else set()
        samples = out / "samples.jsonl"
        samples.touch()
        verified = len(samples.read_text().splitlines())
        index = first_seed
        while verified < wanted and (self.seeds is None or index < self.seeds):
            if seed_id(index) not in finished:
                self._maybe_crash(("seed", index), log=False)
                self.generated.append(index)
                if index not in self.failing:
                    code = self.codes.get(index, self.code(index))
                    with samples.open("a") as handle:
                        handle.write(json.dumps(record(seed_id(index), code=code, stage=stage)) + "\n")
                    verified += 1
                with finished_log.open("a") as handle:
                    handle.write(seed_id(index) + "\n")
            index += 1
        return index - first_seed

    def train(self, data: Path, out: Path) -> str:
        from datasets import load_from_disk

        batch = int(out.parent.name)
        self._maybe_crash(("train", batch, len(load_from_disk(str(data)))))
        return f"student-{batch}"

    def evaluate(self, model: str, heldout: Path) -> float:
        batch = int(heldout.parent.parent.name)
        self._maybe_crash(("evaluate", batch, model))
        scores = {"teacher": self.teacher_score, "base": self.base_score}
        return scores[model] if model in scores else self.student_scores[batch]

    def steps(self) -> LoopSteps:
        return LoopSteps(self.generate, self.train, self.evaluate)
