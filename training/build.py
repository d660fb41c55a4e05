"""``aiev train build``: generation outputs -> deduplicated, decontaminated, post-processed, split dataset.

``earlier`` names build outputs already made (the loop passes every earlier batch's): a sample duplicating one of
their samples, train or test, is dropped like any duplicate and counted in ``earlier_duplicates``, so this
build's held-out split holds no copy of data trained on before.

Output directory layout (every file written atomically, so a rerun simply rebuilds it):

    dataset/              DatasetDict {train, test} via save_to_disk; ``messages`` in Figure 5 form (SFT input)
    train.jsonl test.jsonl         the same samples as JSON lines
    sharegpt/train.jsonl, sharegpt/test.jsonl   ShareGPT layout
    raw/train.jsonl raw/test.jsonl   the dialogues before post-processing (speakers kept)
    heldout.jsonl         the generation records of the test split (problem, solution, tests) for evaluation
    decontamination.json  every removed sample with its closest benchmark item and score
    build_report.json     counts of each stage
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..graphs.durable import atomic_write_jsonl, atomic_write_text
from .decontam import (
    THRESHOLD,
    BenchmarkItem,
    Removal,
    benchmark_items,
    benchmark_names,
    decontaminate,
    humaneval_items,
)
from .dedup import NEAR_DUP_THRESHOLD, deduplicate
from .errors import TrainingInputError
from .export import push_dataset, read_jsonl, save_dataset, write_jsonl, write_sharegpt
from .postprocess import postprocess
from .samples import DialogueSample, read_generation_records
from .split import BATCH_SIZE, TEST_FRACTION, seed_module, split_batches


class BuildOptions(BaseModel):
    """How to build, independent of which runs are read and where the result goes (the loop reuses it per batch)."""

    benchmarks: dict[str, Path] = Field(
        default_factory=dict
    )  # `aiev eval` benchmark name -> local file (mbpp, ds-1000, ...)
    humaneval: bool = True
    threshold: float = Field(default=THRESHOLD, gt=0, le=100)
    near_dup_threshold: float = Field(default=NEAR_DUP_THRESHOLD, gt=0, le=100)
    batch_size: int = Field(default=BATCH_SIZE, ge=1)
    test_fraction: float = Field(default=TEST_FRACTION, ge=0, lt=1)
    seed: int = 0
    push_to_hub: str | None = None
    # AutoCoder-style audit: leave out dialogues whose tests the error analyst blamed (and the test writer
    # rewrote) on the way to passing, since their final tests may have been bent to fit the code.
    drop_blamed_tests: bool = False
    # Keep only dialogues whose passing tests also passed against their seed (``DialogueSample.seed_checked``): known
    # to hold the seed's behaviour on those inputs, not only the test writer's reading of the problem.
    seed_checked_only: bool = False


class BuildConfig(BuildOptions):
    samples: list[Path] = Field(min_length=1)  # `aiev generate` output dirs or samples.jsonl files
    out: Path
    earlier: list[Path] = Field(default_factory=list)  # earlier build outputs whose samples this one must not repeat


class BuildReport(BaseModel):
    out: Path
    read: int
    blamed_tests_dropped: int
    seed_unchecked_dropped: int  # with ``seed_checked_only``: samples not (or not known to be) checked against a seed
    exact_duplicates: int
    near_duplicates: int
    earlier_duplicates: int  # of the exact and near duplicates, those of a sample of an ``earlier`` build
    contaminated: int
    train: int
    test: int
    # Held-out samples whose seed's module also gave a training sample of this build or an earlier one (the split
    # keeps such siblings apart where whole modules fit the held-out share; ``split.split_batches``).
    heldout_siblings: int = 0
    benchmarks: dict[str, int]  # benchmark -> items compared against (the benchmarks checked)
    contaminated_by: dict[str, int]  # checked benchmark -> samples it removed (0 included)
    not_checked: list[str]  # benchmarks `aiev eval` loads that no data was given for (--benchmark NAME=FILE)


def _benchmark_items(options: BuildOptions) -> list[BenchmarkItem]:
    items = humaneval_items() if options.humaneval else []
    for name, path in options.benchmarks.items():
        items += benchmark_items(name, path)
    return items


def _earlier_samples(builds: list[Path], split: str) -> list[DialogueSample]:
    """The samples (before post-processing) of one split of earlier build outputs."""
    samples: list[DialogueSample] = []
    for build in builds:
        raw = build / "raw"
        if not raw.is_dir():
            raise TrainingInputError(f"{build}: not an `aiev train build` output (no raw/ folder)")
        samples += read_jsonl(raw / f"{split}.jsonl")
    return samples


def _module(sample: DialogueSample) -> str | None:
    return seed_module(sample.seed_source)


def build_dataset(config: BuildConfig) -> BuildReport:
    records: dict[str, dict[str, Any]] = {}
    samples: list[DialogueSample] = []
    for path in config.samples:
        for record, sample in read_generation_records(path):
            if sample.id not in records:
                records[sample.id] = record
                samples.append(sample)
    if not samples:
        raise TrainingInputError(f"no passed samples in {', '.join(map(str, config.samples))}")
    unblamed = [s for s in samples if not s.blamed_tests] if config.drop_blamed_tests else samples
    audited = [s for s in unblamed if s.seed_checked] if config.seed_checked_only else unblamed
    earlier_train = _earlier_samples(config.earlier, "train")
    earlier = earlier_train + _earlier_samples(config.earlier, "test")
    deduped = deduplicate(audited, config.near_dup_threshold, earlier=earlier)
    items = _benchmark_items(config)
    clean, removed = decontaminate(deduped.kept, items, config.threshold)
    trained = {_module(s) for s in earlier_train} - {None}
    split = split_batches(
        clean, config.batch_size, config.test_fraction, config.seed, group=_module, trained_groups=trained
    )
    trained |= {_module(s) for s in split.train} - {None}
    _write(config, split.train, split.test, records, removed)
    counts = Counter(item.benchmark for item in items)
    removed_by = Counter(removal.benchmark for removal in removed)
    report = BuildReport(
        out=config.out,
        read=len(samples),
        blamed_tests_dropped=len(samples) - len(unblamed),
        seed_unchecked_dropped=len(unblamed) - len(audited),
        exact_duplicates=len(deduped.exact),
        near_duplicates=len(deduped.near),
        earlier_duplicates=len(deduped.of_earlier),
        contaminated=len(removed),
        train=len(split.train),
        test=len(split.test),
        heldout_siblings=sum(_module(s) in trained for s in split.test),
        benchmarks=dict(counts),
        contaminated_by={name: removed_by[name] for name in counts},
        not_checked=[name for name in benchmark_names() if name not in counts],
    )
    report_data = report.model_dump(mode="json") | {
        "near_duplicate_pairs": deduped.near,
        "exact_duplicate_ids": deduped.exact,
        "earlier_duplicate_ids": deduped.of_earlier,
    }
    atomic_write_text(config.out / "build_report.json", json.dumps(report_data, indent=2) + "\n")
    return report


def _write(
    config: BuildConfig,
    train: list[DialogueSample],
    test: list[DialogueSample],
    records: dict[str, dict[str, Any]],
    removed: list[Removal],
) -> None:
    out = config.out
    processed = {"train": [postprocess(s) for s in train], "test": [postprocess(s) for s in test]}
    for name, raw in (("train", train), ("test", test)):
        write_jsonl(raw, out / "raw" / f"{name}.jsonl")
        write_jsonl(processed[name], out / f"{name}.jsonl")
        write_sharegpt(processed[name], out / "sharegpt" / f"{name}.jsonl")
    atomic_write_jsonl(out / "heldout.jsonl", (records[s.id] for s in test))
    decontamination = {"threshold": config.threshold, "removed": [r.model_dump() for r in removed]}
    atomic_write_text(out / "decontamination.json", json.dumps(decontamination, indent=2) + "\n")
    dataset = save_dataset(processed, out / "dataset")
    if config.push_to_hub:
        push_dataset(dataset, config.push_to_hub)
