"""Ray's overhead and scaling for ``aiev generate``: dialogues per second, single process vs Ray on 1 and 2 nodes.

An instant scripted model plays every role (registered in this process and shipped to the Ray workers), so the
wall time is orchestration plus the real sandbox's executions. Every path runs the same fresh random draw of seeds
(the draw's seed is printed) with the same total concurrency; paths are interleaved within each run and the
spread over ``--runs`` is printed. Clusters are real (``ray start --head`` plus a second ``ray start`` on this
machine, token auth on) and started before their timing begins, as a job is submitted to a cluster that exists;
the Ray time includes starting the job's actors, as a user's job pays for them; every path starts its sandbox
engine (warm containers) cold, as a new process does.

Baseline, same run: the single-process pipeline. Target: Ray on 1 node >= 0.8x of it (Ray's overhead stays small).
The 2-node figure on this 2-core machine is bounded by the cores (both "nodes" share them): reported, not targeted.

    python bench/ray_scaling.py [--seeds 600] [--concurrency 8] [--runs 2] [--sandbox docker]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "graphs"))  # the tests' cluster helper

from ray_cluster import local_cluster

from aiev.agents.models import registered_model
from aiev.agents.scripted import ScriptedChatModel
from aiev.graphs.batch import RayOptions
from aiev.graphs.pipeline import PipelineConfig, run_pipeline
from aiev.graphs.presets import resolve_context, role_overrides
from aiev.sandbox.engine import close_engines

MODEL = "bench-instant"


def instant(messages) -> str:
    """Every role of an 'add two numbers' dialogue that passes in one round (read from the system prompt)."""
    system = messages[0].content
    if "programming exercises" in system:
        return "Add two integers.\n```python\ndef add(a: int, b: int) -> int:\n```"
    if "expert Python programmer" in system:
        return "```python\ndef add(a, b):\n    return a + b\n```"
    if "expert at testing" in system:
        return "```python\nassert add(2, 3) == 5\nassert add(-1, 1) == 0\n```"
    return "FAULT: code"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=600, help="dialogues per path and run")
    parser.add_argument("--concurrency", type=int, default=8, help="dialogues in flight, in all, on every path")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--sandbox", choices=("docker", "local"), default="docker")
    parser.add_argument("--draw-seed", type=int, default=None, help="random seed of the seed draw (default: fresh)")
    args = parser.parse_args()
    for name in ("seeds", "concurrency", "runs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def write_seeds(path: Path, count: int, rng: random.Random) -> Path:
    """Distinct snippets; their text does not matter to the instant model, only that no two are duplicates."""
    values = rng.sample(range(10**9), count)
    path.write_text("".join(json.dumps({"snippet": f"value_{v} = {v}"}) + "\n" for v in values))
    return path


class Measured(NamedTuple):
    wall_s: float  # the whole run_pipeline call
    first_s: float  # until the first dialogue was logged: startup (actors, engines) plus one dialogue
    steady: float  # dialogues per second from the first logged one to the last


def timed_run(seeds: Path, out: Path, concurrency: int, sandbox: str, options: RayOptions | None) -> Measured:
    context = resolve_context("teaching", overrides={**role_overrides(MODEL), "sandbox": sandbox, "max_rounds": 2})
    config = PipelineConfig(seeds=seeds, out=out, context=context, concurrency=concurrency, ray=options, progress=False)
    close_engines()  # every path starts its sandbox engine cold, as a new `aiev generate` process (or actor) does
    started = time.perf_counter()
    try:
        summary = run_pipeline(config)
        wall = time.perf_counter() - started
    finally:
        close_engines()  # the single process's warm containers must not idle beside the Ray runs
    if summary.passed != summary.selected:
        raise SystemExit(f"{out}: {summary.passed} of {summary.selected} passed; first error: {summary.first_error}")
    logged = sorted(json.loads(line)["session"]["elapsed_s"] for line in (out / "results.jsonl").open())
    return Measured(wall, logged[0], (len(logged) - 1) / max(logged[-1] - logged[0], 1e-9))


def on_cluster(nodes: int, logs: Path, *run_args) -> Measured:
    """One run on a fresh cluster of ``nodes`` (one worker per node), joined with the token every cluster of this
    process shares (``main`` sets it before Ray is first imported: Ray reads it once)."""
    import ray

    with local_cluster(logs, nodes=nodes) as cluster:
        try:
            return timed_run(*run_args, RayOptions(address=cluster.address, workers=nodes))
        finally:
            ray.shutdown()


def main() -> None:
    args = parse_args()
    os.environ.update({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)})
    draw = args.draw_seed if args.draw_seed is not None else random.SystemRandom().randrange(2**31)
    print(f"seed draw: {draw}; {args.seeds} dialogues per path, concurrency {args.concurrency}, sandbox {args.sandbox}")
    runs: dict[str, list[Measured]] = {"single process": [], "ray 1 node": [], "ray 2 nodes": []}
    with (
        tempfile.TemporaryDirectory(prefix="aiev-ray-bench-") as tmp,
        registered_model(MODEL, ScriptedChatModel(script=instant)),
    ):
        work = Path(tmp)
        seeds = write_seeds(work / "seeds.jsonl", args.seeds, random.Random(draw))
        for run in range(args.runs):  # the paths interleaved, so a slow spell of the machine hits each of them
            runs["single process"].append(timed_run(seeds, work / f"here-{run}", args.concurrency, args.sandbox, None))
            for nodes, path in ((1, "ray 1 node"), (2, "ray 2 nodes")):
                out = work / f"ray{nodes}-{run}"
                runs[path].append(on_cluster(nodes, work / f"logs-{nodes}", seeds, out, args.concurrency, args.sandbox))
            print(f"run {run + 1}: " + ", ".join(f"{path} {done[-1].wall_s:.1f} s" for path, done in runs.items()))
    base = runs["single process"]
    print(f"\n{'path':<16}{'dialogues/s per run':<22}{'ratio per run':<18}{'mean':>6}"
          f"{'first record s':>16}{'steady d/s':>12}{'steady ratio':>14}")  # fmt: skip
    for path, done in runs.items():
        rates = [args.seeds / m.wall_s for m in done]
        ratios = [r / (args.seeds / b.wall_s) for r, b in zip(rates, base, strict=True)]
        steady = [m.steady / b.steady for m, b in zip(done, base, strict=True)]
        print(
            f"{path:<16}{' / '.join(f'{r:.2f}' for r in rates):<22}{' / '.join(f'{r:.2f}x' for r in ratios):<18}"
            f"{statistics.mean(ratios):>5.2f}x{' / '.join(f'{m.first_s:.1f}' for m in done):>16}"
            f"{statistics.mean(m.steady for m in done):>12.2f}{statistics.mean(steady):>13.2f}x"
        )
    print("target: ray 1 node >= 0.80x single process (wall); the 2-node figure shares these 2 cores: reported only")


if __name__ == "__main__":
    main()
