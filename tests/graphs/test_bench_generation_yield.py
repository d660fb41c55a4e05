"""bench/generation_yield.py: the draw, the figures it prints against the run's own files, resume without double
counting, and the refusal of a draw too small to be a yield figure.

A scripted model plays every role in-process (a subprocess gets the fake OpenAI server instead): the harvested seed's
function name says how its dialogue goes, ``easy_*`` passes in round 1, ``twice_*`` fails once and passes after the
analyst's FAULT, ``hard_*`` never passes. Seeds come from a small source tree laid out like the standard library
directory (a ``site-packages`` and a ``test`` entry that must not be harvested), so no test waits for the stdlib.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from fake_openai import adder_dialogue, fake_openai, models_file, role_of
from langchain_core.messages import AIMessage

from aiev.graphs.seeds import harvest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "generation_yield.py"
_spec = importlib.util.spec_from_file_location("generation_yield", BENCH)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

KINDS = ("easy", "twice", "hard")


def function(name: str, number: int) -> str:
    """A definition the harvest keeps: self-contained, parameters, a returned value, five lines; dedup compares
    normal forms, which ignore the name, so ``number`` must differ between the functions of one tree."""
    return (
        f"def {name}(values, factor):\n    total = {number}\n    for value in values:\n"
        f"        total += value * factor\n    return total\n\n\n"
    )


@pytest.fixture
def stdlib_like(tmp_path: Path) -> Path:
    """Nine keepable functions, three of each kind, in a module and a package; two more where the bench must not
    look (installed packages, the regression suite)."""
    root = tmp_path / "lib"
    (root / "pkg").mkdir(parents=True)
    (root / "mod.py").write_text("".join(function(f"easy_{i}", i) + function(f"twice_{i}", 5 + i) for i in range(3)))
    (root / "pkg" / "hard.py").write_text("".join(function(f"hard_{i}", 10 + i) for i in range(3)))
    for entry in ("site-packages", "test"):
        (root / entry).mkdir()
        (root / entry / "extra.py").write_text(function(f"easy_{entry[0]}", 99))
    return root


def kind_of(snippet: str) -> str:
    (kind,) = [kind for kind in KINDS if f"def {kind}_" in snippet]
    return kind


def scripted_reply(messages) -> AIMessage:
    """Every role, by the kind of the seed; each reply reports token usage so the token figure is not zero."""
    role = role_of([{"content": m.content} for m in messages])
    if role == "questioner":
        level = kind_of(messages[-1].content)
        text = f"Level: {level}. Add two integers.\n```python\ndef add(a: int, b: int) -> int:\n```"
    elif role == "programmer":
        problem = messages[1].content
        told = any("wrong operation" in m.content for m in messages)  # the analysis reached the programmer
        wrong = "Level: hard" in problem or ("Level: twice" in problem and not told)
        text = f"```python\ndef add(a, b):\n    return a {'-' if wrong else '+'} b\n```"
    elif role == "test_writer":
        text = "```python\nassert add(2, 3) == 5\nassert add(-1, 1) == 0\n```"
    else:
        text = "add does the wrong operation.\nFAULT: code"
    usage = {"input_tokens": 3 * len(messages), "output_tokens": len(text.split())}
    return AIMessage(content=text, usage_metadata={**usage, "total_tokens": sum(usage.values())})


def bench_args(source: Path, out: Path, model: str, seeds: int, *extra: str) -> list[str]:
    return [
        "--source", str(source), "--out", str(out), "--model", model, "--seeds", str(seeds), "--allow-small",
        "--sandbox", "local", "--max-rounds", "2", "--quiet", *extra,
    ]  # fmt: skip


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_figures_printed_and_written_match_the_runs_files(stdlib_like, tmp_path, scripted, capsys) -> None:
    name, _ = scripted(scripted_reply)
    assert bench.main(bench_args(stdlib_like, tmp_path / "runs", name, 8)) == 0
    printed = capsys.readouterr().out
    first = printed.splitlines()[0]
    assert first.startswith("draw seed(s): ") and first.endswith("(fresh from os.urandom)")
    draw_seed = int(first.split()[2])
    run_dir = tmp_path / "runs" / f"{name}-draw{draw_seed}"

    kinds = Counter(kind_of(seed["snippet"]) for seed in read_jsonl(run_dir / "seeds.jsonl"))
    assert sum(kinds.values()) == 8 and all(kinds[kind] >= 2 for kind in KINDS)  # 8 of 9: every kind drawn
    samples, discards = read_jsonl(run_dir / "samples.jsonl"), read_jsonl(run_dir / "discards.jsonl")
    results = read_jsonl(run_dir / "results.jsonl")

    figures = json.loads((run_dir / "figures.json").read_text())
    assert {k: v for k, v in figures.items() if k not in ("command", "measured_on")} == bench.yield_figures(run_dir)
    assert (figures["draw_seed"], figures["seeds"], figures["pool"]) == (draw_seed, 8, 9)
    assert figures["verified"] == len(samples) == kinds["easy"] + kinds["twice"]
    assert figures["verified_share"] == pytest.approx(len(samples) / 8)
    rounds = Counter(sample["rounds"] for sample in samples)
    assert rounds == {1: kinds["easy"], 2: kinds["twice"]}
    assert figures["rounds_histogram"] == {str(r): count for r, count in sorted(rounds.items())}
    assert figures["multi_round"] == kinds["twice"]
    assert figures["multi_round_share"] == pytest.approx(kinds["twice"] / len(samples))
    assert figures["revision_passes"] == {"turn": kinds["twice"], "sampled": 0}  # one candidate per turn here
    assert figures["verified_against_seed"] == 0  # no seed defines ``add``: none could check the tests
    assert figures["seed_gate_failed_rounds"] == 0  # nor gate a pass
    assert figures["verified_with_unexercised_parameters"] == 0  # ``add(a, b)`` has no optional parameter
    assert figures["discard_reasons"] == dict(Counter(d["reason"] for d in discards)) == {"max_rounds": kinds["hard"]}
    tokens = sum(sum(r["tokens"].values()) for r in results)
    assert figures["tokens"]["total"] == tokens > 0
    assert figures["tokens_per_verified"] == pytest.approx(tokens / len(samples))
    assert figures["sessions"] == 1 and figures["wall_seconds"] > 0
    assert figures["verified_per_hour"] == pytest.approx(len(samples) * 3600 / figures["wall_seconds"])
    assert (figures["finished"], figures["retryable"], figures["not_run"]) == (8, 0, 0)
    assert figures["measured_on"]["cores"] >= 1 and name in figures["measured_on"]["models"]
    assert f"--draw-seed {draw_seed} --seeds 8" in figures["command"]

    assert f"{len(samples)} of 8 = {len(samples) / 8:.1%}" in printed
    assert f"{kinds['twice']} ({kinds['twice'] / len(samples):.1%})" in printed
    assert f"max_rounds {kinds['hard']}" in printed
    assert "verified, tests also passed by the seed  0 (the others only" in printed


def test_a_draw_seed_draws_the_same_seeds_another_draws_others(stdlib_like, tmp_path) -> None:
    pool = bench.harvest_pool(stdlib_like)
    whole_tree = tmp_path / "whole"
    shutil.copytree(stdlib_like, whole_tree, ignore=shutil.ignore_patterns("site-packages"))
    # The pool is exactly what one harvest of the tree keeps, installed packages left out.
    assert [(s["id"], s["source"]) for s in pool] == [(s["id"], s["source"]) for s in harvest(whole_tree)]
    assert {kind_of(s["snippet"]) for s in pool} == set(KINDS) and len(pool) == 9

    def drawn(directory: str, draw_seed: int) -> list[str]:
        seeds_file = bench.prepare_draw(tmp_path / directory, draw_seed, 5, stdlib_like, {}, lambda: pool)
        return [seed["id"] for seed in read_jsonl(seeds_file)]

    assert drawn("a", 1) == drawn("b", 1)
    assert drawn("c", 2) != drawn("a", 1)
    assert len(set(drawn("a", 1))) == 5


def test_a_rerun_reuses_its_draw_and_refuses_other_settings(stdlib_like, tmp_path) -> None:
    run_dir = tmp_path / "run"
    first = bench.prepare_draw(run_dir, 3, 4, stdlib_like, {"max_rounds": 2}, lambda: bench.harvest_pool(stdlib_like))
    drawn = first.read_text()

    def no_harvest():
        raise AssertionError("a rerun of a draw must not harvest again")

    assert bench.prepare_draw(run_dir, 3, 4, stdlib_like, {"max_rounds": 2, "added_later": 1}, no_harvest) == first
    assert first.read_text() == drawn
    with pytest.raises(bench.BenchError, match=r"draw\.json.*settings\.max_rounds: recorded 2, now 3"):
        bench.prepare_draw(run_dir, 3, 4, stdlib_like, {"max_rounds": 3}, no_harvest)
    with pytest.raises(bench.BenchError, match="seeds: recorded 4, now 5"):
        bench.prepare_draw(run_dir, 3, 5, stdlib_like, {"max_rounds": 2}, no_harvest)
    with pytest.raises(bench.BenchError, match="--seeds 10: the harvest of .* keeps only 9 seeds"):
        bench.prepare_draw(tmp_path / "big", 3, 10, stdlib_like, {}, lambda: bench.harvest_pool(stdlib_like))


def test_fewer_than_30_seeds_are_refused_without_allow_small(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        bench.main(["--seeds", "5", "--model", "anything"])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert "--seeds 5" in error and "at least 30" in error and "--allow-small" in error


def test_seeds_retried_after_a_model_failure_count_once(stdlib_like, tmp_path, scripted, capsys) -> None:
    endpoint_down = True

    def reply(messages) -> AIMessage:
        programmer = role_of([{"content": m.content} for m in messages]) == "programmer"
        if endpoint_down and programmer and "Level: twice" in messages[1].content:
            raise ConnectionError("endpoint down")
        return scripted_reply(messages)

    name, _ = scripted(reply)
    args = bench_args(stdlib_like, tmp_path / "runs", name, 9, "--draw-seed", "5")
    assert bench.main(args) == 0
    run_dir = tmp_path / "runs" / f"{name}-draw5"
    interrupted = json.loads((run_dir / "figures.json").read_text())
    assert (interrupted["retryable"], interrupted["verified"]) == (3, 3)
    assert interrupted["discard_reasons"] == {"max_rounds": 3, "model_error": 3}
    assert "WARNING: 3 seed(s) failed outside the dialogue" in capsys.readouterr().out

    endpoint_down = False
    assert bench.main(args) == 0
    figures = json.loads((run_dir / "figures.json").read_text())
    results = read_jsonl(run_dir / "results.jsonl")
    assert len(results) == 12  # the three retried seeds are logged twice ...
    assert figures["verified"] == len(read_jsonl(run_dir / "samples.jsonl")) == 6  # ... and counted once
    assert (figures["finished"], figures["retryable"], figures["seeds"]) == (9, 0, 9)
    assert figures["discard_reasons"] == {"max_rounds": 3}
    assert figures["rounds_histogram"] == {"1": 3, "2": 3}
    sessions: dict[str, float] = {}
    for record in results:
        sessions[record["session"]["id"]] = max(
            sessions.get(record["session"]["id"], 0.0), record["session"]["elapsed_s"]
        )
    assert len(sessions) == figures["sessions"] == 2
    assert figures["wall_seconds"] == pytest.approx(sum(sessions.values()))
    latest = {r["seed_id"]: r for r in results}
    assert figures["tokens"]["total"] == sum(sum(r["tokens"].values()) for r in latest.values())


@pytest.mark.slow
def test_sigkill_then_rerun_counts_every_seed_once(stdlib_like, tmp_path) -> None:
    # A bigger tree for a run long enough to kill: 16 functions, one in four "hard" (adder_dialogue never passes it).
    (stdlib_like / "more.py").write_text(
        "".join(function(f"{'hard' if i % 4 == 0 else 'v'}_{i}", 20 + i) for i in range(16))
    )
    shutil.rmtree(stdlib_like / "pkg")
    (stdlib_like / "mod.py").unlink()
    out = tmp_path / "runs"
    command = [sys.executable, str(BENCH), *bench_args(stdlib_like, out, "fake", 14, "--draw-seed", "9")]
    command += ["--concurrency", "3"]
    run_dir = out / "fake-draw9"
    log = run_dir / "results.jsonl"
    with fake_openai(adder_dialogue, delay_s=0.05) as base_url:
        env = {**os.environ, "AIEV_MODELS": str(models_file(tmp_path / "models.yaml", base_url))}
        victim = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 120
        while (not log.exists() or log.read_text().count("\n") < 4) and victim.poll() is None:
            assert time.monotonic() < deadline, "no results within 120 s"
            time.sleep(0.02)
        assert victim.poll() is None, "the run finished before it could be killed"
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        killed_at = log.read_text().count("\n")
        assert 0 < killed_at < 14 and not (run_dir / "figures.json").exists()

        resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr

    drawn = read_jsonl(run_dir / "seeds.jsonl")
    figures = json.loads((run_dir / "figures.json").read_text())
    ids = [record["seed_id"] for record in read_jsonl(log)]
    assert len(ids) == len(set(ids)) == 14
    assert figures["verified"] == sum("def hard_" not in seed["snippet"] for seed in drawn)
    assert figures["verified"] == len(read_jsonl(run_dir / "samples.jsonl"))
    assert (figures["finished"], figures["sessions"], figures["discard_reasons"]) == (
        14,
        2,
        {"max_rounds": 14 - figures["verified"]},
    )
    assert f"{figures['verified']} of 14" in resumed.stdout


def test_several_draws_end_with_mean_and_spread(stdlib_like, tmp_path, scripted, capsys) -> None:
    name, _ = scripted(scripted_reply)
    assert bench.main(bench_args(stdlib_like, tmp_path / "runs", name, 4, "--draw-seed", "1", "2")) == 0
    printed = capsys.readouterr().out
    shares = [
        json.loads((tmp_path / "runs" / f"{name}-draw{seed}" / "figures.json").read_text())["verified_share"]
        for seed in (1, 2)
    ]
    summary = printed.split("across 2 draws:")[1].splitlines()
    rows = {line.split()[0]: line.split() for line in summary if line.strip()}
    assert rows["1"][2] == f"{shares[0]:.1%}" and rows["2"][2] == f"{shares[1]:.1%}"
    assert rows["mean"][1] == f"{sum(shares) / 2:.1%}"
    assert (rows["min"][1], rows["max"][1]) == (f"{min(shares):.1%}", f"{max(shares):.1%}")
    assert "--draw-seed 1 2 --seeds 4" in " ".join(rows["repeat:"])


def test_a_model_served_from_its_own_file_is_described_by_that_file(tmp_path, monkeypatch) -> None:
    """A trained student's entry names its GGUF (``path:``) and pins no wheels: the figures name that file."""
    models = tmp_path / "models.yaml"
    models.write_text("models:\n  student: {provider: llama_cpp, model: s, path: out/student.gguf}\n")
    monkeypatch.setenv("AIEV_MODELS", str(models))
    assert bench.describe_model("student") == f"{tmp_path / 'out' / 'student.gguf'} (the entry's own file)"
