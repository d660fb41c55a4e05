"""Exact and near-duplicate removal on the samples' final code, within a corpus and against an earlier one.

Code is put in the normal form of ``graphs.code_normalization`` first (comments, docstrings, blank lines and
layout dropped, the code's own def/class names replaced; the same form seeds and decontamination use), so a
re-commented, re-indented or renamed copy is an exact duplicate.
Near duplicates are pairs whose normalised code has a ``rapidfuzz`` ``fuzz.ratio`` (normalised Indel
similarity, 0-100) of at least ``threshold``, computed block-wise with ``process.cdist`` on all cores. The
all-pairs matrix costs O(n^2) comparisons, but in C and bit-parallel: a 2000-sample batch takes seconds,
and unlike MinHash it misses no pair, which matters because duplicates leaking across the train/test split
inflate the held-out pass@1 the loop's stage switch depends on. The first sample of a group is kept.

``earlier`` is a corpus that was already kept (the loop passes every earlier batch's samples, train and test):
it comes first in that order and is never removed, so a sample duplicating any of it is dropped by the same two
rules. Without it, a later batch's held-out split could hold copies of what the student trained on earlier.
Its samples are only compared against, never with each other (they were deduplicated when they were built).
"""

from __future__ import annotations

from collections.abc import Sequence
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
    of_earlier: list[str]  # the removed ids (exact or near) whose kept twin is in the earlier corpus


def deduplicate(
    samples: Sequence[DialogueSample],
    threshold: float = NEAR_DUP_THRESHOLD,
    earlier: Sequence[DialogueSample] = (),
) -> DedupResult:
    """The samples left once exact and near duplicates of an earlier sample (of ``samples`` or ``earlier``)
    are removed; ``earlier`` itself is never in the result."""
    corpus = list(earlier)  # the kept samples so far: earlier first, then each unique new one
    codes = [normalize_code(sample.code) for sample in corpus]  # the normal forms, computed once for both passes
    first_with: dict[str, int] = {}
    for index, normal in enumerate(codes):
        first_with.setdefault(normal, index)
    exact: list[str] = []
    of_earlier: list[str] = []
    for sample in samples:
        normal = normalize_code(sample.code)
        twin = first_with.get(normal)
        if twin is not None and sample.code.strip():  # samples without code have nothing to be a duplicate of
            exact.append(sample.id)
            if twin < len(earlier):
                of_earlier.append(sample.id)
        else:
            first_with.setdefault(normal, len(corpus))
            corpus.append(sample)
            codes.append(normal)
    keep, matches = _near_duplicates(codes, threshold, first=len(earlier))
    near = [(corpus[index].id, corpus[twin].id, score) for index, twin, score in matches]
    of_earlier += [corpus[index].id for index, twin, _ in matches if twin < len(earlier)]
    kept = [sample for sample, keeps in zip(corpus[len(earlier) :], keep[len(earlier) :], strict=True) if keeps]
    return DedupResult(kept, exact, near, of_earlier)


def _near_duplicates(codes: list[str], threshold: float, first: int) -> tuple[list[bool], list[tuple[int, int, float]]]:
    """Which codes are kept, and (removed index, kept index it duplicates, score) for the others. Codes before
    ``first`` are the earlier corpus: kept, and only compared against."""
    keep = [True] * len(codes)
    matches: list[tuple[int, int, float]] = []
    for start in range(first, len(codes), _ROWS_PER_BLOCK):
        rows = codes[start : start + _ROWS_PER_BLOCK]
        # Each row only needs the columns before it; comparing against codes[:start + len(rows)] bounds the work.
        scores = process.cdist(
            rows, codes[: start + len(rows)], scorer=fuzz.ratio, score_cutoff=threshold, dtype=np.uint8, workers=-1
        )
        for offset, row in enumerate(scores):
            index = start + offset
            before = np.nonzero(row[:index])[0]
            twin = next((int(j) for j in before if keep[j]), None)
            if twin is not None and codes[index]:
                keep[index] = False
                matches.append((index, twin, float(row[twin])))
    return keep, matches
