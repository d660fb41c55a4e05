"""Held-out split: 1 in 10 samples of every batch goes to test (AutoCoder: batches of 2000), deterministic by seed.

Splitting per batch rather than globally keeps the held-out set representative of each generation batch,
which is what the loop compares teacher and student on after every batch.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import NamedTuple, TypeVar

T = TypeVar("T")

BATCH_SIZE = 2000
TEST_FRACTION = 0.1


class Split(NamedTuple):
    train: list
    test: list


def split_batches(
    items: Sequence[T], batch_size: int = BATCH_SIZE, test_fraction: float = TEST_FRACTION, seed: int = 0
) -> Split:
    """Each consecutive batch is shuffled with a generator seeded by ``(seed, batch index)``; its first
    ``round(len(batch) * test_fraction)`` items become test. Same input and seed, same split."""
    if batch_size < 1 or not 0 <= test_fraction < 1:
        raise ValueError(f"batch_size must be >= 1 and test_fraction in [0, 1), got {batch_size}, {test_fraction}")
    train: list[T] = []
    test: list[T] = []
    for index, start in enumerate(range(0, len(items), batch_size)):
        batch = list(items[start : start + batch_size])
        random.Random(f"{seed}:{index}").shuffle(batch)
        cut = round(len(batch) * test_fraction)
        test += batch[:cut]
        train += batch[cut:]
    return Split(train, test)
