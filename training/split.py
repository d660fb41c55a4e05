"""Held-out split: 1 in 10 samples of every batch goes to test (AutoCoder: batches of 2000), deterministic by seed.

Splitting per batch rather than globally keeps the held-out set representative of each generation batch,
which is what the loop compares teacher and student on after every batch.

Samples can be split by group (``seed_module``: the Python module their seed was harvested from), so that a held-out
problem is not a sibling of a training one. Session 25's measured loop held out pydoc's ``grey`` beside ``small`` and
``strong`` from the same class in training, and ``to_filename`` beside ``safe_name``: a student that passes such a
problem may have learnt it from its sibling, which measures recall, not skill.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Collection, Hashable, Sequence
from typing import NamedTuple, TypeVar

T = TypeVar("T")

BATCH_SIZE = 2000
TEST_FRACTION = 0.1

# ``relative/path.py:LINE``, the source a harvest gives each seed (``graphs.seeds``); other sources (a seeds file's
# line, an OSS-Instruct row) say nothing about which snippets are siblings.
_MODULE_LOCATION = re.compile(r"^(?P<module>.+\.pyw?):\d+$")


class Split(NamedTuple):
    train: list
    test: list


def seed_module(source: str) -> str | None:
    """The module a seed was harvested from, or None when its source does not name a location in one."""
    match = _MODULE_LOCATION.match(source)
    return match["module"] if match else None


def split_batches(
    items: Sequence[T],
    batch_size: int = BATCH_SIZE,
    test_fraction: float = TEST_FRACTION,
    seed: int = 0,
    *,
    group: Callable[[T], Hashable | None] | None = None,
    trained_groups: Collection[Hashable] = (),
) -> Split:
    """Each consecutive batch is shuffled with a generator seeded by ``(seed, batch index)``; its first
    ``round(len(batch) * test_fraction)`` items become test. Same input and seed, same split.

    With ``group``, the items of one group (None: an item on its own) go to one side: whole groups are held out, in
    shuffled order, as long as they fit the batch's share, and never a group in ``trained_groups`` (what earlier
    builds trained on). When no group fits (one module, or every group larger than the share), the batch is held out
    item by item as without groups, so the held-out split is never empty for want of a fitting group; the build
    report counts the held-out samples that then have a sibling in training."""
    if batch_size < 1 or not 0 <= test_fraction < 1:
        raise ValueError(f"batch_size must be >= 1 and test_fraction in [0, 1), got {batch_size}, {test_fraction}")
    train: list[T] = []
    test: list[T] = []
    for index, start in enumerate(range(0, len(items), batch_size)):
        batch = list(items[start : start + batch_size])
        random.Random(f"{seed}:{index}").shuffle(batch)
        cut = round(len(batch) * test_fraction)
        held = _held_by_group(batch, cut, group, trained_groups) if group else set(range(cut))
        test += [item for position, item in enumerate(batch) if position in held]
        train += [item for position, item in enumerate(batch) if position not in held]
    return Split(train, test)


def _held_by_group(
    batch: list[T], cut: int, group: Callable[[T], Hashable | None], trained: Collection[Hashable]
) -> set[int]:
    """Positions of the items held out: whole groups, first come first taken, that fit in ``cut``."""
    members: dict[Hashable, list[int]] = {}
    for position, item in enumerate(batch):
        key = group(item)
        members.setdefault(("item", position) if key is None else ("group", key), []).append(position)
    held: set[int] = set()
    for (kind, key), positions in members.items():
        if not (kind == "group" and key in trained) and len(held) + len(positions) <= cut:
            held.update(positions)
    return held or set(range(cut))
