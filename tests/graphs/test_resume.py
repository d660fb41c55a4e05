"""Crash safety of `aiev generate`: SIGKILL mid-run, run again, and get exactly what an uninterrupted run gets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fake_openai import adder_dialogue, fake_openai, models_file

AIEV = [str(Path(sys.executable).with_name("aiev"))]
SEEDS = 14


def generate(seeds: Path, out: Path, env: dict[str, str]) -> subprocess.Popen:
    command = [*AIEV, "generate", "--seeds", str(seeds), "--out", str(out), "--model", "fake", "--sandbox", "local"]
    command += ["--max-rounds", "2", "--concurrency", "3", "--quiet"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finished(out: Path) -> int:
    log = out / "results.jsonl"
    return log.read_text().count("\n") if log.exists() else 0


def ids(path: Path) -> list[str]:
    return sorted(json.loads(line)["seed_id"] for line in path.read_text().splitlines())


def test_sigkill_then_rerun_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(
        "".join(json.dumps({"snippet": f"{'hard' if i % 4 == 0 else 'v'}_{i} = {i}"}) + "\n" for i in range(SEEDS))
    )
    with fake_openai(adder_dialogue, delay_s=0.05) as base_url:
        env = {**os.environ, "AIEV_MODELS": str(models_file(tmp_path / "models.yaml", base_url))}

        reference = generate(seeds, tmp_path / "reference", env)
        assert reference.wait(timeout=300) == 0, reference.stdout.read()

        interrupted = tmp_path / "interrupted"
        victim = generate(seeds, interrupted, env)
        deadline = time.monotonic() + 120
        while finished(interrupted) < 4 and victim.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert victim.poll() is None, "the run finished before it could be killed; raise SEEDS or the delay"
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        killed_at = finished(interrupted)
        assert 0 < killed_at < SEEDS

        resumed = generate(seeds, interrupted, env)
        output = resumed.communicate(timeout=300)[0]
        assert resumed.returncode == 0, output

    assert f"{SEEDS - killed_at} run now, {killed_at} already done" in output.replace("\n", " ")
    for name in ("samples.jsonl", "discards.jsonl"):
        assert ids(interrupted / name) == ids(tmp_path / "reference" / name)
    assert len(ids(interrupted / "samples.jsonl")) == SEEDS - (SEEDS + 3) // 4
    log_ids = ids(interrupted / "results.jsonl")
    assert len(log_ids) == len(set(log_ids)) == SEEDS  # nothing lost, nothing logged twice
