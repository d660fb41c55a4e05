"""A seeded random subset of a benchmark's tasks, so benches that measure different things on "the same 40 tasks"
really measure the same 40: the subset follows from its size and seed alone, and keeps the benchmark's order."""

from __future__ import annotations

import random

from .errors import EvalInputError
from .task import EvalTask


def sample_tasks(tasks: list[EvalTask], size: int | None, seed: int | None) -> tuple[list[EvalTask], str]:
    """The tasks to measure (``size`` of them drawn with ``seed``, in benchmark order; all when ``size`` is None)
    and the directory name that says which subset it is."""
    if size is None:
        return tasks, f"all-{len(tasks)}"
    if size > len(tasks):
        raise EvalInputError(f"--sample {size}: the benchmark has only {len(tasks)} tasks")
    chosen = set(random.Random(seed).sample(range(len(tasks)), size))
    return [task for index, task in enumerate(tasks) if index in chosen], f"sample-{size}-seed-{seed}"
