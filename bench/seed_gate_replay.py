"""How many verified samples of finished AIEV-Instruct runs the seed's gate (``graphs/seed_gate.py``) would overturn.

A yield draw takes 1.5-3.5 h on 2 cores, and the gate changes which dialogues end verified; before the next draw, the
samples an earlier run verified with tests that also passed against their seed can be put through the gate as they
are: their solution, the tests that ran, their setup and seed. Each one the gate overturns was verified although the
seed answers an input near its tests' own differently: a wrong sample that the gate would have sent back to the
programmer. The replay uses today's ``seed_cases`` (its dictionary of marks may be newer than the run), so it says what
the code now in the tree would have done with those samples, not what the run did.

Usage: python bench/seed_gate_replay.py RUN_DIR [RUN_DIR ...] [--sandbox local|docker|auto]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from aiev.agents.context import Context
from aiev.graphs.report import passed_against_seed
from aiev.graphs.seed_gate import check


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="aiev generate output directories (results.jsonl)")
    parser.add_argument("--sandbox", default="local", choices=["auto", "docker", "local"])
    args = parser.parse_args(argv)
    for run in args.runs:
        if not (run / "results.jsonl").is_file():
            parser.error(f"{run} has no results.jsonl: give aiev generate output directories")
    return args


def replay(runs: list[Path], context: Context) -> dict[str, int]:
    """Prints one line per verified sample and returns the counts: verified, seed-checked, overturned."""
    counts = {"verified": 0, "seed_checked": 0, "overturned": 0}
    for run in runs:
        for line in (run / "results.jsonl").read_text().splitlines():
            record = json.loads(line)
            if record["status"] != "passed":
                continue
            counts["verified"] += 1
            name = f"{run.name}/{record['seed']['source']}"
            if not passed_against_seed(record):
                print(f"{name}: not checked against its seed, no gate")
                continue
            counts["seed_checked"] += 1
            tests = record["tests"]
            gate = check(record["solution"], tests, record.get("setup") or [], record["seed"]["snippet"], context)
            if gate.tests:
                counts["overturned"] += 1
                added = gate.tests.removeprefix(tests.rstrip("\n") + "\n").strip()
                print(f"{name}: overturned ({gate.cases} cases), fails {added}")
            else:
                print(f"{name}: passes all {gate.cases} cases")
    return counts


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    counts = replay(args.runs, Context.from_mapping({"sandbox": args.sandbox, "timeout_s": 10.0}))
    print(
        f"verified {counts['verified']}, checked against their seed {counts['seed_checked']}, "
        f"overturned by the gate {counts['overturned']}"
    )


if __name__ == "__main__":
    main()
