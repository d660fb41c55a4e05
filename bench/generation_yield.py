"""Yield of AIEV-Instruct on fresh random draws of standard-library seeds: how many dialogues end verified, how fast,
after how many rounds, and why the others were discarded.

A yield figure measured on a hand-picked seed list says little about the next list, so every draw is random and its
seed printed first: ``--draw-seed S`` repeats a draw exactly. The pool is what ``aiev seeds harvest`` keeps (its
quality filters on) from this Python's standard library, the ``stdlib`` directory of ``sysconfig``: the harvest
leaves out the regression suite ``test/`` and the packages installed inside the tree (``site-packages``, which on a
pyenv install lives there and would make the pool whatever third-party code is installed). From the pool, ``--seeds
N`` are drawn with ``sample_seeds(pool, N, S)``, as ``aiev seeds harvest --sample N --random-seed S`` draws them.

Each draw runs in a directory of its own, ``<out>/<label>-draw<S>`` (label: the ``--preset`` file's stem and the
model, or ``mixed``), holding the drawn ``seeds.jsonl``, ``draw.json`` (the draw and the run settings) and an
ordinary ``aiev generate`` output: generation is ``aiev generate`` itself, called in-process, so a rerun of the same
command resumes where a killed one stopped and the figures cover the whole directory. A rerun of a draw with other
settings is refused rather than mixed into it.

Figures (``yield_figures``, computed from the run directory alone, also written to ``figures.json``): verified count
and share of the drawn seeds; generation wall time, the sum over every session that worked on the directory of its
time to its last finished seed (``graphs/pipeline.py`` records it per result), and verified samples per hour of it;
the share of verified samples that needed >= 2 execution rounds and the rounds histogram of verified samples; how many
verified samples passed tests that also passed against their seed (known-correct code: the rest are checked only by
the model's own tests), and how many have an optional parameter their tests never pass (``parameter_coverage``);
discard reasons; tokens (input + output) of every seed's final dialogue, verified or discarded, per verified sample.
With several draws, a summary gives each figure's mean and spread across them.

Usage: python bench/generation_yield.py [--model local-qwen-1.5b] [--preset configs/demo.yaml] [--seeds 30]
       [--draw-seed S [S ...] | --draws K] [--max-rounds R] [--concurrency C] [--sandbox auto|docker|local]
       [--out runs/bench/generation_yield] [--source PATH] [--allow-small] [--quiet]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import secrets
import shlex
import statistics
import sys
import sysconfig
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import typer

from aiev.agents.local_model.cache import model_file
from aiev.agents.local_model.vllm_engine import engine_dir as vllm_engine_dir
from aiev.agents.model_specs import LlamaCppSpec, ModelError, OpenAICompatibleSpec, VllmCpuSpec, load_model_specs
from aiev.agents.state import Seed
from aiev.cli.generate_cmd import DEFAULT_CONCURRENCY, DEFAULT_STAGE, generate
from aiev.graphs.durable import JsonlLog, atomic_write_text
from aiev.graphs.pipeline import RETRYABLE
from aiev.graphs.presets import ROLES, PresetError, resolve_context, role_overrides
from aiev.graphs.report import compute_stats
from aiev.graphs.seeds import SeedsError, harvest, sample_seeds, write_seeds
from aiev.sandbox.engine import unwind_on_sigterm

MIN_SEEDS = 30
DEFAULT_OUT = Path("runs/bench/generation_yield")


class BenchError(ValueError):
    """An input the bench cannot use; the message names it."""


def stdlib_root() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def harvest_pool(root: Path) -> list[Seed]:
    """The seeds ``aiev seeds harvest ROOT`` keeps (quality filters on)."""
    if not root.exists():
        raise BenchError(f"--source {root}: no such file or directory")
    return harvest(root)


def prepare_draw(
    run_dir: Path, draw_seed: int, n: int, source: Path, settings: dict[str, Any], pool: Callable[[], list[Seed]]
) -> Path:
    """The drawn seeds file of ``run_dir``: written on the first run of a draw (``pool`` is only harvested then),
    reused as is on a rerun, which must ask for the same draw and settings (a context setting added to aiev since
    the draw was made is not held against it)."""
    draw_file, seeds_file = run_dir / "draw.json", run_dir / "seeds.jsonl"
    wanted = {"draw_seed": draw_seed, "seeds": n, "source": str(source), "settings": settings}
    if draw_file.exists():
        recorded = json.loads(draw_file.read_text(encoding="utf-8"))
        now, then = _flat(wanted), _flat(recorded)
        differing = [key for key, value in now.items() if then.get(key, value) != value]
        if differing:
            details = "; ".join(f"{key}: recorded {then[key]!r}, now {now[key]!r}" for key in differing)
            raise BenchError(f"{draw_file}: this directory holds another run ({details}); give another --out")
        if not seeds_file.exists():
            raise BenchError(f"{seeds_file}: missing beside {draw_file}; delete the directory to redraw")
        return seeds_file
    seeds = pool()
    if len(seeds) < n:
        raise BenchError(f"--seeds {n}: the harvest of {source} keeps only {len(seeds)} seeds")
    write_seeds(sample_seeds(seeds, n, draw_seed), seeds_file)
    record = {**wanted, "pool": len(seeds), "python": platform.python_version()}
    atomic_write_text(draw_file, json.dumps(record, indent=2) + "\n")  # last: its presence means the draw is whole
    return seeds_file


def _flat(draw: dict[str, Any]) -> dict[str, Any]:
    """A draw record with its settings as ``settings.<field>`` keys, to compare field by field."""
    settings = {f"settings.{key}": value for key, value in draw.get("settings", {}).items()}
    return {**{key: value for key, value in draw.items() if key != "settings"}, **settings}


def yield_figures(run_dir: Path) -> dict[str, Any]:
    """The figures of one draw's run directory, from ``draw.json`` and the results log alone.

    Each seed counts once, by its latest result (a seed retried after a model failure is not counted twice).
    Wall time is per session: every result records its session and that session's elapsed time, so the generation
    wall time is the sum over sessions of their last result's elapsed time (a killed session counts up to its last
    finished seed). Results logged before sessions were recorded are counted in ``untimed_results``.
    """
    draw = json.loads((run_dir / "draw.json").read_text(encoding="utf-8"))
    latest: dict[str, dict[str, Any]] = {}
    sessions: dict[str, float] = {}
    untimed = 0
    for record in JsonlLog(run_dir / "results.jsonl").records():
        latest[record["seed_id"]] = record
        session = record.get("session")
        if session is None:
            untimed += 1
        else:
            sessions[session["id"]] = max(sessions.get(session["id"], 0.0), session["elapsed_s"])
    records = list(latest.values())
    wall_s = round(sum(sessions.values()), 3)
    stats = compute_stats(records, wall_s)
    verified, seeds = stats["passed"], draw["seeds"]
    tokens = stats["tokens"]["input"] + stats["tokens"]["output"]
    retryable = sum(1 for record in records if record["reason"] in RETRYABLE)
    return {
        "draw_seed": draw["draw_seed"],
        "seeds": seeds,
        "pool": draw["pool"],
        "source": draw["source"],
        "python": draw["python"],
        "models": {role: draw["settings"][f"{role}_model"] for role in ROLES},
        "max_rounds": draw["settings"]["max_rounds"],
        "finished": len(records) - retryable,
        "retryable": retryable,
        "not_run": seeds - len(records),
        "verified": verified,
        "verified_share": verified / seeds,
        "wall_seconds": wall_s,
        "sessions": len(sessions),
        "untimed_results": untimed,
        "verified_per_hour": verified * 3600 / wall_s if wall_s else None,
        "multi_round": sum(count for rounds, count in stats["rounds_to_pass"].items() if int(rounds) >= 2),
        "multi_round_share": stats["multi_round_share"] if verified else None,
        "rounds_histogram": stats["rounds_to_pass"],
        "revision_passes": stats["revision_passes"],
        "verified_against_seed": stats["passed_against_seed"],
        "verified_with_unexercised_parameters": stats["passed_with_unexercised_parameters"],
        "seed_gate_failed_rounds": stats["seed_gate_failed_rounds"],
        "discard_reasons": dict(sorted(stats["discard_reasons"].items(), key=lambda item: (-item[1], item[0]))),
        "tokens": {"input": stats["tokens"]["input"], "output": stats["tokens"]["output"], "total": tokens},
        "tokens_per_verified": tokens / verified if verified else None,
    }


def measured_on(models: set[str]) -> dict[str, Any]:
    """Date, CPU, cores and model files of this machine, for the line a README figure is quoted with."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "models": {name: describe_model(name) for name in sorted(models)},
    }


def describe_model(name: str) -> str:
    try:
        spec = load_model_specs().get(name)
    except ModelError as error:
        return f"unknown ({error})"
    if spec is None:
        return "registered in this process (not in the models file)"
    if isinstance(spec, LlamaCppSpec):
        # model_file picks the pulled file or the entry's own path (a trained student's GGUF, pinned by no wheels)
        pinned = "the entry's own file"
        if spec.gguf is not None:
            pinned = f"{spec.gguf.size / 1e9:.2f} GB, sha256 {spec.gguf.sha256[:12]}"
        return f"{model_file(name, spec)} ({pinned})"
    if isinstance(spec, VllmCpuSpec):
        return f"vLLM's CPU build ({vllm_engine_dir().name}) serving the weights of {spec.weights}, bf16"
    where = ", ".join(spec.resolved_base_urls()) if isinstance(spec, OpenAICompatibleSpec) else "api.openai.com"
    return f"{spec.provider} {spec.model} at {where}"


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.1%}"


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _models(by_role: dict[str, str]) -> str:
    if len(set(by_role.values())) == 1:
        return f"{next(iter(by_role.values()))} in every role"
    return ", ".join(f"{role} {model}" for role, model in by_role.items())


def print_figures(figures: dict[str, Any], run_dir: Path) -> None:
    machine = figures["measured_on"]
    files = "; ".join(f"{name}: {path}" for name, path in machine["models"].items())
    print(f"\nmeasured on {machine['date']}: {machine['cpu']}, {machine['cores']} cores; {files}")
    print(f"repeat: {figures['command']}")
    wall = f"{figures['wall_seconds']:,.0f} s over {figures['sessions']} session(s), each to its last finished seed"
    if figures["untimed_results"]:
        wall += f" ({figures['untimed_results']} results logged before sessions were recorded are not timed)"
    histogram = ", ".join(f"{rounds}: {count}" for rounds, count in figures["rounds_histogram"].items()) or "-"
    reasons = ", ".join(f"{reason} {count}" for reason, count in figures["discard_reasons"].items()) or "-"
    rows = [
        ("draw seed", str(figures["draw_seed"])),
        ("seeds", f"{figures['seeds']} drawn from {figures['pool']} kept by the harvest of {figures['source']}"),
        ("models", _models(figures["models"])),
        ("max rounds", str(figures["max_rounds"])),
        ("verified", f"{figures['verified']} of {figures['seeds']} = {_percent(figures['verified_share'])}"),
        ("generation wall time", wall),
        ("verified samples per hour", _number(figures["verified_per_hour"])),
        ("verified with >= 2 rounds", f"{figures['multi_round']} ({_percent(figures['multi_round_share'])})"),
        (
            "  of which passed by",
            f"the programmer's turn {figures['revision_passes']['turn']}, "
            f"a candidate drawn afresh {figures['revision_passes']['sampled']}",
        ),
        (
            "verified, tests also passed by the seed",
            f"{figures['verified_against_seed']} (the others only by stand-ins and the test writer's own reading)",
        ),
        (
            "verified, optional parameter untested",
            f"{figures['verified_with_unexercised_parameters']} (their tests say nothing about it)",
        ),
        (
            "passes overturned by the seed",
            f"{figures['seed_gate_failed_rounds']} rounds (a case the seed answers, outside the tests, got wrong)",
        ),
        ("rounds histogram (verified)", histogram),
        ("discard reasons", reasons),
        (
            "tokens per verified sample",
            f"{_number(figures['tokens_per_verified'], 0)} (input + output of every seed's final dialogue, "
            f"verified or discarded: {figures['tokens']['total']:,} / {figures['verified']})",
        ),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    if figures["retryable"] or figures["not_run"]:
        print(
            f"  WARNING: {figures['retryable']} seed(s) failed outside the dialogue and {figures['not_run']} did not "
            "run: the same command retries them; these figures count them as not verified"
        )
    print(f"figures: {run_dir / 'figures.json'}; report: {run_dir / 'report.html'}")


SPREAD = (
    ("verified share", "verified_share", _percent),
    ("verified per hour", "verified_per_hour", _number),
    (">= 2 rounds share", "multi_round_share", _percent),
    ("tokens per verified", "tokens_per_verified", lambda value: _number(value, 0)),
)


def print_summary(all_figures: list[dict[str, Any]], command: str) -> None:
    """Each figure per draw, then its mean and min-max across the draws, and the command that repeats them all."""
    header = ["draw seed", "verified", *(label for label, _, _ in SPREAD)]
    rows = [
        [str(f["draw_seed"]), f"{f['verified']}/{f['seeds']}", *(show(f[key]) for _, key, show in SPREAD)]
        for f in all_figures
    ]
    for name, reduce in (("mean", statistics.mean), ("min", min), ("max", max)):
        row = [name, ""]
        for _, key, show in SPREAD:
            values = [f[key] for f in all_figures if f[key] is not None]
            row.append(show(reduce(values)) if values else "-")
        rows.append(row)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print(f"\nacross {len(all_figures)} draws:")
    for row in [header, *rows]:
        print("  " + "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    print(f"repeat: {command}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model name for every role (over the preset)")
    parser.add_argument("--preset", type=Path, help="YAML of run-context fields, as for aiev generate --preset")
    parser.add_argument("--seeds", type=int, default=MIN_SEEDS, help=f"seeds per draw (at least {MIN_SEEDS})")
    parser.add_argument("--draw-seed", type=int, nargs="+", help="draw seed(s) to repeat (default: fresh, printed)")
    parser.add_argument("--draws", type=int, help="number of fresh draws (default 1; with --draw-seed: their count)")
    parser.add_argument("--max-rounds", type=int, help="execution rounds before a discard (default: the preset's)")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="dialogues run at once")
    parser.add_argument("--sandbox", choices=["auto", "docker", "local"], help="code interpreter (default: preset's)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="each draw runs in OUT/<label>-draw<S>")
    parser.add_argument("--source", type=Path, default=None, help="harvest root (default: the standard library)")
    parser.add_argument("--allow-small", action="store_true", help=f"allow fewer than {MIN_SEEDS} seeds (tests)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.seeds < 1 or (args.seeds < MIN_SEEDS and not args.allow_small):
        parser.error(
            f"--seeds {args.seeds}: a yield figure needs at least {MIN_SEEDS} seeds per draw "
            "(pass --allow-small for a smoke run or a test)"
        )
    if args.draws is not None and args.draws < 1:
        parser.error(f"--draws {args.draws}: must be at least 1")
    if args.draw_seed and args.draws is not None and args.draws != len(args.draw_seed):
        parser.error(f"--draws {args.draws} with {len(args.draw_seed)} --draw-seed value(s): give one of them")
    if args.max_rounds is not None and args.max_rounds < 1:
        parser.error(f"--max-rounds {args.max_rounds}: must be at least 1")
    if args.concurrency < 1:
        parser.error(f"--concurrency {args.concurrency}: must be at least 1")
    return args


def repeat_command(args: argparse.Namespace, draw_seeds: list[int]) -> str:
    """The command line that repeats (or resumes) these draws with this invocation's settings."""
    command = ["python", "bench/generation_yield.py", "--draw-seed", *map(str, draw_seeds), "--seeds", str(args.seeds)]
    for option, value, default in (
        ("--model", args.model, None),
        ("--preset", args.preset, None),
        ("--max-rounds", args.max_rounds, None),
        ("--concurrency", args.concurrency, DEFAULT_CONCURRENCY),
        ("--sandbox", args.sandbox, None),
        ("--out", args.out, DEFAULT_OUT),
        ("--source", args.source, None),
    ):
        if value != default:
            command += [option, str(value)]
    return shlex.join(command + (["--allow-small"] if args.seeds < MIN_SEEDS else []))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fresh = not args.draw_seed
    draw_seeds = args.draw_seed or [secrets.randbelow(2**31) for _ in range(args.draws or 1)]
    print(f"draw seed(s): {' '.join(map(str, draw_seeds))}" + (" (fresh from os.urandom)" if fresh else ""))
    source = (args.source or stdlib_root()).resolve()
    try:
        overrides = {**role_overrides(args.model), "sandbox": args.sandbox, "max_rounds": args.max_rounds}
        context = resolve_context(DEFAULT_STAGE, args.preset, overrides)
    except PresetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    settings = {key: value for key, value in dataclasses.asdict(context).items() if key != "sandbox"}
    models = {context.model_for(role) for role in ROLES}
    label = "-".join(
        ([args.preset.stem] if args.preset else []) + [next(iter(models)) if len(models) == 1 else "mixed"]
    ).replace("/", "_")
    pool = cache(lambda: harvest_pool(source))

    all_figures = []
    for draw_seed in draw_seeds:
        run_dir = args.out / f"{label}-draw{draw_seed}"
        print(f"\ndraw {draw_seed}: {args.seeds} seeds from {source} into {run_dir}", flush=True)
        try:
            seeds_file = prepare_draw(run_dir, draw_seed, args.seeds, source, settings, pool)
        except (BenchError, SeedsError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        try:
            generate(
                seeds=seeds_file, out=run_dir, preset=args.preset, model=args.model, sandbox=args.sandbox,
                max_rounds=args.max_rounds, concurrency=args.concurrency, quiet=args.quiet,
            )  # fmt: skip
        except typer.Exit as stop:  # generate has said why
            if stop.exit_code:
                return stop.exit_code
        figures = yield_figures(run_dir)
        figures["command"] = repeat_command(args, [draw_seed])
        figures["measured_on"] = measured_on(models)
        atomic_write_text(run_dir / "figures.json", json.dumps(figures, indent=2) + "\n")
        print_figures(figures, run_dir)
        all_figures.append(figures)
    if len(all_figures) > 1:
        print_summary(all_figures, repeat_command(args, draw_seeds))
    return 0


if __name__ == "__main__":
    unwind_on_sigterm()  # a killed run removes its sandbox containers
    raise SystemExit(main())
