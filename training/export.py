"""Writing samples out: HF ``datasets`` directory (and hub push), JSONL, and ShareGPT.

Each writer replaces its target atomically (temp sibling, then rename), so an interrupted build never
leaves a half-written dataset that ``aiev train sft`` would silently train on.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict

from ..graphs.durable import atomic_write_jsonl
from ..sandbox.staging import staging_dir
from .errors import TrainingInputError
from .samples import DialogueSample

SHAREGPT_SPEAKER = {"system": "system", "user": "human", "assistant": "gpt"}


def to_dataset(samples: Iterable[DialogueSample]) -> Dataset:
    rows = [sample.row() for sample in samples]
    if not rows:
        return Dataset.from_dict({name: [] for name in DialogueSample.model_fields})
    return Dataset.from_list(rows)


def from_dataset(data: Dataset) -> list[DialogueSample]:
    """Inverse of ``to_dataset`` (Arrow fills absent struct keys with None, which the model accepts)."""
    return [DialogueSample.model_validate(row) for row in data]


def save_dataset(splits: Mapping[str, Iterable[DialogueSample]], directory: Path) -> DatasetDict:
    dataset = DatasetDict({name: to_dataset(samples) for name, samples in splits.items()})
    save_atomically(dataset, directory)
    return dataset


def save_atomically(dataset: Dataset | DatasetDict, directory: Path) -> None:
    """``save_to_disk`` into ``directory``, replacing it only once the new copy is complete."""
    staging = staging_dir(directory)
    try:
        dataset.save_to_disk(str(staging / "data"), num_shards=_one_shard_if_empty(dataset))
        if directory.exists():
            shutil.rmtree(directory)
        (staging / "data").rename(directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _one_shard_if_empty(dataset: Dataset | DatasetDict) -> int | dict[str, int] | None:
    """datasets 5.2 saves an empty split (a small batch's held-out part) with no shard at all, which
    ``load_from_disk`` then fails on (IndexError): such a split is saved as one empty shard instead."""
    if isinstance(dataset, Dataset):
        return 1 if len(dataset) == 0 else None
    empty = {name: 1 for name, split in dataset.items() if len(split) == 0}
    return empty or None


def push_dataset(dataset: DatasetDict, repo_id: str, private: bool = True) -> None:
    """Upload to the hub under ``repo_id`` with the user's stored credentials; refusals become one-line errors."""
    try:
        dataset.push_to_hub(repo_id, private=private)
    except Exception as error:
        raise TrainingInputError(f"--push-to-hub {repo_id}: {type(error).__name__}: {error}") from None


def write_jsonl(samples: Iterable[DialogueSample], path: Path) -> None:
    atomic_write_jsonl(path, (sample.row() for sample in samples))


def read_jsonl(path: Path) -> list[DialogueSample]:
    try:
        with open(path, encoding="utf-8") as handle:
            return [DialogueSample.model_validate_json(line) for line in handle if line.strip()]
    except (OSError, ValueError) as error:
        raise TrainingInputError(f"{path}: not a samples JSONL file ({error})") from None


def sharegpt_record(sample: DialogueSample) -> dict[str, Any]:
    """``{id, conversations: [{from: system|human|gpt, value}]}`` plus the metadata columns."""
    return {
        "id": sample.id,
        "conversations": [{"from": SHAREGPT_SPEAKER[turn.role], "value": turn.content} for turn in sample.messages],
        "seed_id": sample.seed_id,
        "rounds": sample.rounds,
        "verdict": sample.verdict,
    }


def write_sharegpt(samples: Iterable[DialogueSample], path: Path) -> None:
    atomic_write_jsonl(path, (sharegpt_record(sample) for sample in samples))
