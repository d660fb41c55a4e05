"""bench/humaneval_modes.py: its arguments, the seeded draw, and a tiny run of both variants over two runs with a
scripted model (every run an ordinary eval directory, resumed by running the same command again)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from eval_data import DATA, right_script

from aiev.eval import EvalInputError, load_benchmark
from aiev.eval.task_sample import sample_tasks

SCRIPT = Path(__file__).parents[2] / "bench" / "humaneval_modes.py"
_spec = importlib.util.spec_from_file_location("humaneval_modes", SCRIPT)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--runs", "2"], "--runs 2 would repeat the same greedy answers: give --revision-temperature"),
        (["--runs", "2", "--revision-temperature", "0"], "would repeat the same greedy answers"),
        (["--runs", "0"], "--runs must be at least 1, got 0"),
        (["--variants", "hidden,shown"], "--variants 'hidden,shown': expected a comma-separated list of hidden, as-is"),
        (["--variants", "hidden,hidden"], "a variant is named twice"),
        (["--hide-examples", "--variants", "as-is"], "--hide-examples contradicts --variants 'as-is'"),
        (["--draw-seed", "3"], "--draw-seed seeds the --sample draw: give --sample N too"),
        (["--sample", "0"], "--sample must be at least 1, got 0"),
        (["--candidates", "0"], "--candidates must be at least 1, got 0"),
    ],
)
def test_bad_arguments_are_refused_naming_them(argv: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench.parse_args(argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_variants_from_the_flags() -> None:
    assert bench.parse_args([]).variants == ["as-is"]
    assert bench.parse_args(["--hide-examples"]).variants == ["hidden"]
    args = bench.parse_args(["--variants", "hidden, as-is", "--runs", "2", "--temperature", "0.2"])
    assert (args.variants, args.runs) == (["hidden", "as-is"], 2)


def test_the_draw_is_seeded_in_benchmark_order_and_bounded() -> None:
    tasks = load_benchmark("humaneval")
    first, name = sample_tasks(tasks, 10, 7)
    again, _ = sample_tasks(tasks, 10, 7)
    other, _ = sample_tasks(tasks, 10, 8)
    assert name == "sample-10-seed-7" and [t.task_id for t in first] == [t.task_id for t in again]
    assert first != other and len({t.task_id for t in first}) == 10
    order = [t.task_id for t in tasks]
    assert [order.index(t.task_id) for t in first] == sorted(order.index(t.task_id) for t in first)
    assert sample_tasks(tasks, None, None) == (tasks, "all-164")
    with pytest.raises(EvalInputError, match="--sample 165: the benchmark has only 164 tasks"):
        sample_tasks(tasks, 165, 1)


def test_a_sample_larger_than_the_benchmark_is_refused_by_the_bench(capsys) -> None:
    with pytest.raises(SystemExit, match="error: --sample 3: the benchmark has only 2 tasks"):
        bench.main(["--data", str(DATA / "humaneval.jsonl"), "--sample", "3", "--draw-seed", "1"])


def test_a_tiny_bench_measures_both_variants_twice_and_resumes(local_engine, scripted, tmp_path, capsys) -> None:
    name, model = scripted(right_script)
    argv = [
        "--data", str(DATA / "humaneval.jsonl"), "--model", name, "--sandbox", "local", "--rounds", "2",
        "--variants", "hidden,as-is", "--runs", "2", "--revision-temperature", "0.7", "--out", str(tmp_path),
    ]  # fmt: skip
    figures = bench.main(argv)
    assert list(figures) == ["hidden", "as-is"] and all(len(runs) == 2 for runs in figures.values())
    for variant, runs in figures.items():
        for number, run in enumerate(runs, 1):
            assert {mode: (s.evaluated, s.pass_at_1) for mode, s in run.items()} == {
                "plain": (2, 1.0),
                "codergen": (2, 1.0),
            }
            assert all(s.hide_examples is (variant == "hidden") for s in run.values())
            settings = json.loads((tmp_path / "all-2" / variant / f"run-{number}" / "run.json").read_text())["settings"]
            assert (settings["hide_examples"], settings["revision_temperature"]) == (variant == "hidden", 0.7)
    printed = capsys.readouterr().out
    assert "pass@1 (%) over 2 run(s): mean [min to max] sd" in printed
    assert "hidden  plain 100.0 [100.0 to 100.0] sd 0.0  codergen 100.0" in printed
    assert "codergen-plain  +0.0 [+0.0 to +0.0] sd 0.0" in printed
    calls = len(model.calls)
    assert bench.main(argv) and len(model.calls) == calls  # the same command again: every sample is resumed


def test_a_sample_is_the_same_tasks_for_both_modes(local_engine, scripted, tmp_path, capsys) -> None:
    name, _ = scripted(right_script)
    argv = ["--data", str(DATA / "humaneval.jsonl"), "--model", name, "--sandbox", "local", "--out", str(tmp_path)]
    figures = bench.main([*argv, "--sample", "1", "--draw-seed", "5", "--hide-examples"])
    assert "1 tasks drawn with --draw-seed 5" in capsys.readouterr().out
    (run,) = figures["hidden"]
    assert run["plain"].tasks == run["codergen"].tasks == 1
    log = tmp_path / "sample-1-seed-5" / "hidden" / "run-1" / "results.jsonl"
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert sorted(row["mode"] for row in rows) == ["codergen", "plain"] and len({row["task_id"] for row in rows}) == 1
