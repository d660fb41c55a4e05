"""HumanEval pass@1 and wall time of the embedded model in plain mode (baseline) and in CoderGen mode, with the
prompts' examples shown (as-is) and hidden, over repeated runs.

Plain mode is one completion with the interpreter off; CoderGen runs the execute / analyse / refine loop with the
examples the prompt shows as its tests, the test writer's only where it shows none (never the hidden tests). Both
use the same model, prompt wording, token cap and sandbox, so the difference isolates what the loop buys and what it
costs. Variants: ``as-is`` (the benchmark's prompts) and ``hidden`` (``--hide-examples``: every prompt without its
examples, ``eval/hidden_examples.py``, so CoderGen's tests are its test writer's: the case of tasks that show none).

Runs (``--runs K``) repeat the measurement to show its spread. They differ only where the models sample: CoderGen's
revisions after a failure at ``--revision-temperature`` (``Context.revision_temperature``; the first answer stays
greedy, so it is plain's) and, with ``--temperature`` (``Context.temperature``), every call of every role, plain
mode's and the test writer's included. Greedy runs would repeat each other, so ``--runs`` above 1 needs one of them.
``--sample N`` measures a random subset of N tasks drawn with ``--draw-seed`` (printed; drawn at random when not
given), the same subset for every mode, variant and run.

Long: 164 tasks at ~47 tok/s on 2 cores for the 0.5B model take ~20 min plain and ~1 h CoderGen per run and variant.
Every run is an ordinary ``aiev eval`` output directory (results.jsonl, report.html), OUT/SUBSET/VARIANT/run-K, so an
interrupted bench resumes where it stopped when run again with the same arguments (and the printed draw seed).

Usage: python bench/humaneval_modes.py [--variants hidden,as-is | --hide-examples] [--runs K]
       [--sample N [--draw-seed S]] [--model local-qwen-0.5b] [--sandbox auto] [--rounds 7] [--max-tokens 512]
       [--temperature T] [--revision-temperature T] [--candidates N] [--concurrency 1] [--data HUMANEVAL.jsonl]
       [--out runs/bench/humaneval_modes]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from aiev.eval import EvalInputError, EvalSummary, EvalTask, evaluate, load_benchmark
from aiev.eval.report import write_report
from aiev.eval.results import read_run
from aiev.eval.task_sample import sample_tasks
from aiev.sandbox.engine import unwind_on_sigterm

VARIANTS = ("hidden", "as-is")
MODES = ("plain", "codergen")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=None, help="comma-separated: hidden, as-is (default: as-is)")
    parser.add_argument("--hide-examples", action="store_true", help="the hidden variant only (= --variants hidden)")
    parser.add_argument("--runs", type=int, default=1, help="repeats, each in its own output directory")
    parser.add_argument("--sample", type=int, default=None, help="a random subset of N tasks (default: all)")
    parser.add_argument("--draw-seed", type=int, default=None, help="seed of the --sample draw (default: random)")
    parser.add_argument("--model", default="local-qwen-0.5b")
    parser.add_argument("--sandbox", default="auto", choices=["auto", "docker", "local"])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--temperature", type=float, default=0.0, help="every call, both modes (0: greedy)")
    parser.add_argument(
        "--revision-temperature", type=float, default=None, help="CoderGen revisions (first answer greedy)"
    )
    parser.add_argument("--candidates", type=int, default=1, help="CoderGen: programmer replies sampled per turn")
    parser.add_argument("--concurrency", type=int, default=1, help="llama.cpp serves one request at a time")
    parser.add_argument("--data", type=Path, default=None, help="HumanEval-layout JSONL (default: the bundled 164)")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/humaneval_modes"))
    args = parser.parse_args(argv)
    args.variants = _variants(parser, args)
    for name in ("runs", "rounds", "max_tokens", "candidates", "concurrency"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.sample is not None and args.sample < 1:
        parser.error(f"--sample must be at least 1, got {args.sample}")
    if args.draw_seed is not None and args.sample is None:
        parser.error("--draw-seed seeds the --sample draw: give --sample N too")
    if args.runs > 1 and args.temperature == 0 and not args.revision_temperature:
        parser.error(
            f"--runs {args.runs} would repeat the same greedy answers: give --revision-temperature T (CoderGen's "
            "revisions) and/or --temperature T (every call, plain mode's too)"
        )
    return args


def _variants(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    if args.variants is None:
        return ["hidden"] if args.hide_examples else ["as-is"]
    variants = [name.strip() for name in args.variants.split(",") if name.strip()]
    unknown = [name for name in variants if name not in VARIANTS]
    if unknown or not variants:
        parser.error(f"--variants {args.variants!r}: expected a comma-separated list of {', '.join(VARIANTS)}")
    if len(set(variants)) < len(variants):
        parser.error(f"--variants {args.variants!r}: a variant is named twice")
    if args.hide_examples and "hidden" not in variants:
        parser.error(f"--hide-examples contradicts --variants {args.variants!r}")
    return variants


def main(argv: list[str] | None = None) -> dict[str, list[dict[str, EvalSummary]]]:
    """Runs the bench and prints its figures; returns each variant's summaries, one mode -> summary dict per run."""
    args = parse_args(argv)
    tasks = load_benchmark("humaneval", args.data)
    seed = args.draw_seed
    if args.sample is not None and seed is None:
        seed = random.SystemRandom().randrange(2**31)
    try:
        tasks, subset = sample_tasks(tasks, args.sample, seed)
    except EvalInputError as error:
        raise SystemExit(f"error: {error}") from None
    if args.sample is not None:
        print(f"sample: {len(tasks)} tasks drawn with --draw-seed {seed} (give it again to resume this subset)")
    figures: dict[str, list[dict[str, EvalSummary]]] = {}
    for variant in args.variants:
        figures[variant] = []
        for run in range(1, args.runs + 1):
            out = args.out / subset / variant / f"run-{run}"
            print(f"\n[{variant}] run {run}/{args.runs}: {out}")
            figures[variant].append(measure(tasks, out, variant, args))
    print_spread(figures)
    return figures


def measure(tasks: list[EvalTask], out: Path, variant: str, args: argparse.Namespace) -> dict[str, EvalSummary]:
    summaries: dict[str, EvalSummary] = {}
    walls: dict[str, float] = {}
    for mode in MODES:
        started = time.monotonic()
        summary = evaluate(
            tasks, args.model, mode, out=out, sandbox=args.sandbox, max_rounds=args.rounds,
            temperature=args.temperature, revision_temperature=args.revision_temperature, max_tokens=args.max_tokens,
            hide_examples=variant == "hidden", candidates=args.candidates, concurrency=args.concurrency,
            benchmark="humaneval", progress=True,
        )  # fmt: skip
        summaries[mode], walls[mode] = summary, time.monotonic() - started
        print(
            f"{mode:9s} pass@1 {summary.pass_at_1:6.1%} ({summary.solved}/{summary.evaluated} tasks, "
            f"{summary.incomplete} incomplete)  mean rounds {summary.mean_rounds:.2f}  "
            f"wall {walls[mode]:7.1f} s ({summary.ran} samples run now)"
        )
    plain, codergen = summaries["plain"], summaries["codergen"]
    ratio = codergen.pass_at_1 / plain.pass_at_1 if plain.pass_at_1 else float("nan")
    print(
        f"codergen vs plain: pass@1 {codergen.pass_at_1 - plain.pass_at_1:+.1%} points, x{ratio:.2f}; "
        f"{wall_ratio(summaries, walls)}"
    )
    per_sample = sample_seconds(out)
    if per_sample.get("plain") and per_sample.get("codergen"):
        print(
            f"seconds per sample (results.jsonl, every invocation into this run): plain {per_sample['plain']:.1f}, "
            f"codergen {per_sample['codergen']:.1f}, x{per_sample['codergen'] / per_sample['plain']:.2f}"
        )
    write_report(out)
    return summaries


def wall_ratio(summaries: dict[str, EvalSummary], walls: dict[str, float]) -> str:
    """Wall times compare only when this invocation ran every sample of both modes (a resumed mode took ~0 s)."""
    if any(summary.ran < summary.evaluated for summary in summaries.values()):
        return "wall time: no ratio, a mode was resumed from earlier runs (see seconds per sample)"
    return f"wall time x{walls['codergen'] / walls['plain']:.2f} (this invocation)"


def sample_seconds(out: Path) -> dict[str, float]:
    """Mean judged-sample duration per mode over the whole output directory, resumed runs included."""
    _, results = read_run(out)
    totals: dict[str, list[float]] = {}
    for result in results:
        totals.setdefault(result.mode, []).append(result.duration_s)
    return {mode: sum(times) / len(times) for mode, times in totals.items() if times}


def spread(values: list[float], sign: str = "") -> str:
    """Mean, range and sample standard deviation of per-run pass@1 values (or differences: ``sign="+"``), in
    percentage points."""
    points = [100 * value for value in values]
    text = f"{statistics.mean(points):{sign}5.1f} [{min(points):{sign}.1f} to {max(points):{sign}.1f}]"
    return f"{text} sd {statistics.stdev(points):.1f}" if len(points) > 1 else text


def print_spread(figures: dict[str, list[dict[str, EvalSummary]]]) -> None:
    """One line per variant: plain, codergen and their per-run difference (paired: the same run's two modes)."""
    runs = len(next(iter(figures.values())))
    print(f"\npass@1 (%) over {runs} run(s): mean [min to max]{' sd' if runs > 1 else ''}")
    for variant, measured in figures.items():
        plain = [run["plain"].pass_at_1 for run in measured]
        codergen = [run["codergen"].pass_at_1 for run in measured]
        gain = [c - p for c, p in zip(codergen, plain, strict=True)]
        incomplete = sum(summary.incomplete for run in measured for summary in run.values())
        warning = f"  ({incomplete} task-runs incomplete: rerun to retry them)" if incomplete else ""
        difference = spread(gain, "+")
        print(f"{variant:7s} plain {spread(plain)}  codergen {spread(codergen)}  codergen-plain {difference}{warning}")


if __name__ == "__main__":
    unwind_on_sigterm()  # a killed run removes its sandbox containers
    main()
