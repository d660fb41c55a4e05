"""Exact and near-duplicate removal on the samples' final code.

Code is put in the normal form of ``graphs.code_normalization`` first (comments, docstrings, blank lines and
layout dropped, the code's own def/class names replaced; the same form seeds and decontamination use), so a
re-commented, re-indented or renamed copy is an exact duplicate.
Near duplicates are pairs whose normalised code has a ``rapidfuzz`` ``fuzz.ratio`` (normalised Indel
similarity, 0-100) of at least ``threshold``, computed block-wise with ``process.cdist`` on all cores. The
all-pairs matrix costs O(n^2) comparisons, but in C and bit-parallel: a 2000-sample batch takes seconds,
and unlike MinHash it misses no pair, which matters because duplicates leaking across the train/test split
inflate the held-out pass@1 the loop's stage switch depends on. The first sample of a group is kept.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz, process

from ..graphs.code_normalization import normalize_code
from .samples import DialogueSample

NEAR_DUP_THRESHOLD = 95.0
_ROWS_PER_BLOCK = 512  # bounds the score matrix held at once to 512 x n bytes


class DedupResult(NamedTuple):
    kept: list[DialogueSample]
    exact: list[str]  # ids removed as exact duplicates
    near: list[tuple[str, str, float]]  # (removed id, kept id it duplicates, score)


def deduplicate(samples: list[DialogueSample], threshold: float = NEAR_DUP_THRESHOLD) -> DedupResult:
    seen: set[str] = set()
    unique: list[DialogueSample] = []
    codes: list[str] = []  # the normal form of each unique sample's code, computed once for both passes
    exact: list[str] = []
    for sample in samples:
        normal = normalize_code(sample.code)
        if normal in seen and sample.code.strip():  # samples without code have nothing to be a duplicate of
            exact.append(sample.id)
        else:
            seen.add(normal)
            unique.append(sample)
            codes.append(normal)
    kept_mask, near = _near_duplicates(unique, codes, threshold)
    kept = [sample for sample, keep in zip(unique, kept_mask, strict=True) if keep]
    return DedupResult(kept, exact, near)


def _near_duplicates(
    samples: list[DialogueSample], codes: list[str], threshold: float
) -> tuple[list[bool], list[tuple[str, str, float]]]:
    keep = [True] * len(codes)
    near: list[tuple[str, str, float]] = []
    for start in range(0, len(codes), _ROWS_PER_BLOCK):
        rows = codes[start : start + _ROWS_PER_BLOCK]
        # Each row only needs the columns before it; comparing against codes[:start + len(rows)] bounds the work.
        scores = process.cdist(
            rows, codes[: start + len(rows)], scorer=fuzz.ratio, score_cutoff=threshold, dtype=np.uint8, workers=-1
        )
        for offset, row in enumerate(scores):
            index = start + offset
            earlier = np.nonzero(row[:index])[0]
            match = next((int(j) for j in earlier if keep[j]), None)
            if match is not None and codes[index]:
                keep[index] = False
                near.append((samples[index].id, samples[match].id, float(row[match])))
    return keep, near
