"""Ray's overhead and scaling for ``aiev generate``: dialogues per second, single process vs Ray on 1 and 2 nodes.

An instant scripted model plays every role (registered in each run's process and shipped to the Ray workers), so the
wall time is orchestration plus the real sandbox's executions. Every path runs the same fresh random draw of seeds
(the draw's seed is printed) with the same total concurrency; paths are interleaved within each run and the
spread over ``--runs`` is printed. Every run of every path is a fresh Python process, timed from its spawn to the
end of its pipeline, as a user's ``aiev generate`` is: each pays its interpreter start, its imports and its sandbox
engine's start (warm containers), none inherits another's; the Ray runs also pay joining the cluster and starting
the job's actors. Their teardown (containers removed at exit) is outside the clock for every path. Clusters are
real (``ray start --head`` plus a second ``ray start`` on this machine, token auth on) and started before the
clock, as a job is submitted to a cluster that exists. One short untimed run warms the machine first (the sandbox
image's files, compiled bytecode), so the first timed path does not pay for what every later one finds cached.

Baseline, same run: the single-process pipeline. Target: Ray on 1 node >= 0.8x of it (Ray's overhead stays small).
The 2-node figure on this 2-core machine is bounded by the cores (both "nodes" share them): reported, not targeted.

    python bench/ray_scaling.py [--seeds 600] [--concurrency 8] [--runs 3] [--sandbox docker]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "graphs"))  # the tests' cluster helper

from ray_cluster import LocalCluster, local_cluster

from aiev.agents.models import registered_model
from aiev.agents.scripted import ScriptedChatModel
from aiev.graphs.batch import RayOptions
from aiev.graphs.pipeline import PipelineConfig, run_pipeline
from aiev.graphs.presets import resolve_context, role_overrides

MODEL = "bench-instant"
WARM_UP_SEEDS = 16


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
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sandbox", choices=("docker", "local"), default="docker")
    parser.add_argument("--draw-seed", type=int, default=None, help="random seed of the seed draw (default: fresh)")
    parser.add_argument("--path-run", help=argparse.SUPPRESS)  # one path's run, in the fresh process main spawns
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
    wall_s: float  # from the process's spawn to the end of its pipeline
    first_s: float  # from the pipeline's start to the first logged dialogue: Ray's actors start inside it
    steady: float  # dialogues per second from the first logged one to the last


def path_run(spec: dict[str, Any]) -> Measured:
    """One path's run inside its own process (``--path-run``): the pipeline with the instant model registered here
    (a ``__main__`` function, so Ray ships it to the workers by value)."""
    ray = RayOptions(address=spec["address"], workers=spec["workers"]) if spec["address"] else None
    out = Path(spec["out"])
    context = resolve_context(
        "teaching", overrides={**role_overrides(MODEL), "sandbox": spec["sandbox"], "max_rounds": 2}
    )
    config = PipelineConfig(
        seeds=Path(spec["seeds"]), out=out, context=context, concurrency=spec["concurrency"], ray=ray, progress=False
    )
    with registered_model(MODEL, ScriptedChatModel(script=instant)):
        summary = run_pipeline(config)
    wall = time.time() - spec["spawned_at"]
    if summary.passed != summary.selected:
        raise SystemExit(f"{out}: {summary.passed} of {summary.selected} passed; first error: {summary.first_error}")
    logged = sorted(json.loads(line)["session"]["elapsed_s"] for line in (out / "results.jsonl").open())
    return Measured(wall, logged[0], (len(logged) - 1) / max(logged[-1] - logged[0], 1e-9))


def timed_run(
    seeds: Path, out: Path, args: argparse.Namespace, cluster: LocalCluster | None = None, workers: int = 1
) -> Measured:
    """Spawn a fresh process for one path's run (on ``cluster`` with ``workers`` actors, else in that process)
    and read back what it measured."""
    spec = {
        "seeds": str(seeds),
        "out": str(out),
        "concurrency": args.concurrency,
        "sandbox": args.sandbox,
        "address": cluster.address if cluster else None,
        "workers": workers if cluster else None,
        "spawned_at": time.time(),
    }
    command = [sys.executable, __file__, "--path-run", json.dumps(spec)]
    done = subprocess.run(command, env=cluster.env if cluster else None, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"{out}: the run failed (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return Measured(*json.loads(done.stdout.strip().splitlines()[-1]))


def on_cluster(nodes: int, logs: Path, seeds: Path, out: Path, args: argparse.Namespace) -> Measured:
    """One run on a fresh cluster of ``nodes`` (one worker per node), its token the one ``main`` set."""
    with local_cluster(logs, nodes=nodes) as cluster:
        return timed_run(seeds, out, args, cluster, workers=nodes)


def main() -> None:
    args = parse_args()
    if args.path_run:
        print(json.dumps(path_run(json.loads(args.path_run))))
        return
    os.environ.update({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)})
    draw = args.draw_seed if args.draw_seed is not None else random.SystemRandom().randrange(2**31)
    print(f"seed draw: {draw}; {args.seeds} dialogues per path, concurrency {args.concurrency}, sandbox {args.sandbox}")
    runs: dict[str, list[Measured]] = {"single process": [], "ray 1 node": [], "ray 2 nodes": []}
    with tempfile.TemporaryDirectory(prefix="aiev-ray-bench-") as tmp:
        work = Path(tmp)
        rng = random.Random(draw)
        seeds = write_seeds(work / "seeds.jsonl", args.seeds, rng)
        warm = timed_run(write_seeds(work / "warm-up.jsonl", WARM_UP_SEEDS, rng), work / "warm-up", args)
        print(f"warm-up (untimed): {WARM_UP_SEEDS} dialogues in one process, {warm.wall_s:.1f} s")
        for run in range(args.runs):  # the paths interleaved, so a slow spell of the machine hits each of them
            runs["single process"].append(timed_run(seeds, work / f"here-{run}", args))
            for nodes, path in ((1, "ray 1 node"), (2, "ray 2 nodes")):
                out = work / f"ray{nodes}-{run}"
                runs[path].append(on_cluster(nodes, work / f"logs-{nodes}", seeds, out, args))
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
