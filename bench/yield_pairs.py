"""Two runs of one yield draw, seed by seed: which seeds each verified, and where they differ.

Yield draws differ more between draws than most changes move them (the 0.5B's seven fresh draws: 15.2 % +- 5.7), so
a change is best measured on the same seeds: ``bench/generation_yield.py --draw-seed S --out OTHER`` at the new code
repeats draw S, and this script pairs the two run directories by seed. It prints one line per seed whose outcome
differs (the entry point, each run's status or discard reason and rounds) and the four counts: verified by both, by the
first only, by the second only, by neither. The seeds verified by one run only are the evidence of a change (a sign
test, as McNemar's, on them); sampled candidates make a rerun at the same code differ too, so a handful of them is
noise.

Usage: python bench/yield_pairs.py RUN_DIR_A RUN_DIR_B   (each a ``<out>/<label>-draw<S>`` directory of the bench)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


class PairError(ValueError):
    """Two directories that are not runs of one draw; the message names them."""


def latest(run_dir: Path) -> dict[str, dict[str, Any]]:
    """Each seed's latest result in ``run_dir`` (a seed retried after a model failure counts once), by seed id."""
    path = run_dir / "results.jsonl"
    if not path.is_file():
        raise PairError(f"{run_dir}: no results.jsonl (give a directory the yield bench wrote)")
    records: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            records[record["seed_id"]] = record
    return records


def draw_seed(run_dir: Path) -> int:
    path = run_dir / "draw.json"
    if not path.is_file():
        raise PairError(f"{run_dir}: no draw.json (give a directory the yield bench wrote)")
    return json.loads(path.read_text(encoding="utf-8"))["draw_seed"]


def outcome(record: dict[str, Any]) -> str:
    status = "verified" if record["status"] == "passed" else record["reason"]
    return f"{status} (round {record['rounds']})"


# Which count a seed adds to, by whether the first and the second run verified it.
_BY_VERIFIED = {
    (True, True): "both",
    (True, False): "first_only",
    (False, True): "second_only",
    (False, False): "neither",
}


def pairs(first: Path, second: Path) -> dict[str, Any]:
    """The seed-by-seed comparison of two runs of one draw: counts, and the seeds whose outcomes differ."""
    if draw_seed(first) != draw_seed(second):
        raise PairError(f"{first} and {second} are runs of different draws ({draw_seed(first)}, {draw_seed(second)})")
    a, b = latest(first), latest(second)
    counts = {"both": 0, "first_only": 0, "second_only": 0, "neither": 0, "unpaired": 0}
    differing = []
    for seed_id in sorted(a.keys() | b.keys()):
        ra, rb = a.get(seed_id), b.get(seed_id)
        if ra is None or rb is None:
            counts["unpaired"] += 1
            continue
        counts[_BY_VERIFIED[ra["status"] == "passed", rb["status"] == "passed"]] += 1
        if outcome(ra) != outcome(rb):
            differing.append(
                {
                    "seed": seed_id,
                    "entry_point": ra.get("entry_point") or rb.get("entry_point"),
                    "first": outcome(ra),
                    "second": outcome(rb),
                }
            )
    return {"draw_seed": draw_seed(first), "counts": counts, "differing": differing}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="a run directory of the yield bench (e.g. the old code)")
    parser.add_argument("second", type=Path, help="another run of the same draw (e.g. the new code)")
    args = parser.parse_args(argv)
    try:
        found = pairs(args.first, args.second)
    except PairError as error:
        parser.error(str(error))
    for row in found["differing"]:
        print(f"{row['entry_point']}: {row['first']} -> {row['second']}")
    c = found["counts"]
    print(
        f"draw {found['draw_seed']}: verified by both {c['both']}, first only {c['first_only']}, "
        f"second only {c['second_only']}, neither {c['neither']}; unpaired {c['unpaired']}"
    )


if __name__ == "__main__":
    main()
