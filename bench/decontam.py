"""Decontamination throughput: ``rapidfuzz.process.cdist`` (all cores) vs a naive Python double loop.

10k synthetic samples (random but code-shaped functions, a few planted near-copies of HumanEval solutions)
are checked against HumanEval's 164 canonical solutions with ``aiev.training.decontam.decontaminate``. The
baseline scores the same pairs with ``fuzz.ratio`` called from two nested Python loops, on a subsample
(it is too slow for all 10k), and both must remove exactly the same samples of that subsample. Where the
speed-up comes from: cdist spreads rows over all cores and, given the 90 cutoff, skips pairs whose lengths
alone rule out a match; the per-pair Levenshtein kernel is the same C code in both.

Usage: python bench/decontam.py [--samples 10000] [--baseline-samples 300] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import random
import string
import time

from rapidfuzz import fuzz

from aiev.training.decontam import THRESHOLD, decontaminate, humaneval_items
from aiev.training.samples import ChatTurn, DialogueSample

STATEMENTS = [
    "{a} = {b} + {n}",
    "{a} = [{b} * {n} for {b} in range({c})]",
    "if {a} > {n}:\n        return {b}",
    "for {a} in {b}:\n        {c} += {a}",
    "{a} = sorted({b}, key=lambda x: x % {n})",
    "while {a} < {n}:\n        {a} += 1",
    "{a} = {{k: v for k, v in {b}.items() if v > {n}}}",
    "{a}.append({b}[{n}:])",
]


def synthetic_code(rng: random.Random) -> str:
    def name() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9)))

    lines = [f"def {name()}({name()}, {name()}):", f'    """{name()} {name()} {name()}."""']
    for _ in range(rng.randint(4, 12)):
        lines.append("    " + rng.choice(STATEMENTS).format(a=name(), b=name(), c=name(), n=rng.randint(0, 99)))
    lines.append(f"    return {name()}")
    return "\n".join(lines) + "\n"


def make_samples(count: int, seed: int, references: list[str]) -> list[DialogueSample]:
    rng = random.Random(seed)
    samples = []
    for index in range(count):
        code = synthetic_code(rng)
        if index % 1000 == 0:  # plant a light rename of a benchmark solution every 1000 samples
            code = rng.choice(references).replace("result", "res").replace("    ", "   ")
        turns = [ChatTurn(role="user", content="task"), ChatTurn(role="assistant", content=f"```python\n{code}```")]
        samples.append(DialogueSample(id=f"s{index}", messages=turns, seed_id=f"s{index}", rounds=1, verdict="passed", code=code))
    return samples


def naive(samples: list[DialogueSample], references: list[str]) -> set[str]:
    removed = set()
    for sample in samples:
        best = 0.0
        for reference in references:
            best = max(best, fuzz.ratio(sample.code.strip(), reference))
        if best >= THRESHOLD:
            removed.add(sample.id)
    return removed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--baseline-samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    items = humaneval_items()
    references = [item.code.strip() for item in items]
    samples = make_samples(args.samples, args.seed, references)
    subsample = samples[: args.baseline_samples]

    started = time.perf_counter()
    kept, removed = decontaminate(samples, items)
    fast_s = time.perf_counter() - started

    started = time.perf_counter()
    naive_removed = naive(subsample, references)
    naive_s = time.perf_counter() - started

    fast_on_subsample = {r.sample_id for r in removed} & {s.id for s in subsample}
    if fast_on_subsample != naive_removed:
        print(f"MISMATCH on the subsample: cdist removed {sorted(fast_on_subsample)}, naive {sorted(naive_removed)}")
        return 1
    fast_rate = len(samples) / fast_s
    naive_rate = len(subsample) / naive_s
    print(f"benchmark items: {len(items)} (HumanEval); cores: {os.cpu_count()}")
    print(f"cdist (workers=-1): {len(samples)} samples in {fast_s:.2f}s = {fast_rate:,.0f} samples/s; removed {len(removed)}")
    print(f"naive double loop : {len(subsample)} samples in {naive_s:.2f}s = {naive_rate:,.0f} samples/s; removed {len(naive_removed)}")
    print(f"speed-up: {fast_rate / naive_rate:.1f}x (same removals on the shared subsample)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
