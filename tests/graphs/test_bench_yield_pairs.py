"""bench/yield_pairs.py: two runs of one draw paired seed by seed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "yield_pairs.py"
_spec = importlib.util.spec_from_file_location("yield_pairs", BENCH)
assert _spec and _spec.loader
yield_pairs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(yield_pairs)


def run_dir(root: Path, name: str, draw: int, outcomes: dict[str, tuple[str, int]]) -> Path:
    directory = root / name
    directory.mkdir()
    (directory / "draw.json").write_text(json.dumps({"draw_seed": draw, "seeds": len(outcomes)}))
    lines = []
    for seed, (reason, rounds) in outcomes.items():
        status = "passed" if reason == "passed" else "discarded"
        lines.append(
            json.dumps(
                {"seed_id": seed, "entry_point": f"f_{seed}", "status": status, "reason": reason, "rounds": rounds}
            )
        )
    (directory / "results.jsonl").write_text("\n".join(lines) + "\n")
    return directory


def test_seeds_are_paired_and_only_differing_outcomes_are_listed(tmp_path: Path, capsys) -> None:
    first = run_dir(
        tmp_path,
        "old",
        7,
        {
            "a": ("passed", 1),
            "b": ("max_rounds", 3),
            "c": ("passed", 1),
            "d": ("vacuous_tests", 3),
            "e": ("max_rounds", 3),
        },
    )
    second = run_dir(
        tmp_path, "new", 7, {"a": ("passed", 2), "b": ("passed", 2), "c": ("max_rounds", 3), "d": ("vacuous_tests", 3)}
    )
    with (first / "results.jsonl").open("a") as log:  # a retried seed counts by its latest result
        log.write(
            json.dumps(
                {"seed_id": "e", "entry_point": "f_e", "status": "discarded", "reason": "max_rounds", "rounds": 2}
            )
            + "\n"
        )
    found = yield_pairs.pairs(first, second)
    assert found["counts"] == {"both": 1, "first_only": 1, "second_only": 1, "neither": 1, "unpaired": 1}
    assert [(row["entry_point"], row["first"], row["second"]) for row in found["differing"]] == [
        ("f_a", "verified (round 1)", "verified (round 2)"),
        ("f_b", "max_rounds (round 3)", "verified (round 2)"),
        ("f_c", "verified (round 1)", "max_rounds (round 3)"),
    ]
    yield_pairs.main([str(first), str(second)])
    assert "draw 7: verified by both 1, first only 1, second only 1, neither 1; unpaired 1" in capsys.readouterr().out


def test_runs_of_different_draws_or_no_run_at_all_are_refused_by_name(tmp_path: Path) -> None:
    first = run_dir(tmp_path, "old", 7, {"a": ("passed", 1)})
    other = run_dir(tmp_path, "other", 8, {"a": ("passed", 1)})
    with pytest.raises(yield_pairs.PairError, match="runs of different draws \\(7, 8\\)"):
        yield_pairs.pairs(first, other)
    with pytest.raises(SystemExit):
        yield_pairs.main([str(first), str(tmp_path / "missing")])
