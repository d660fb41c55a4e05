"""The teaching loop measured on this machine: `aiev loop` with its real steps on a fresh random draw of harvested
standard-library seeds, then what the loop itself does not measure.

The loop (teacher in every role, the student trained from the base, teacher / base / student held-out pass@1 per
batch, the stage decision) runs through `aiev loop` itself, in ``OUT/loop``. After it, with the last batch's student:

- **HumanEval pass@1**, plain mode, of the student against the untrained base: the same tasks (all 164, or a
  ``--humaneval-sample`` drawn with a printed seed), both served the same way (f16 GGUF, aiev's llama-server), so only
  the training differs. A student may gain on its own problems and lose general skill: this is the check.
- **The interpreter format**: every held-out problem of every batch is sent as `aiev chat` sends a user's message (its
  system prompt, the problem), and each reply is read as `aiev chat` reads it (``executable_blocks``): the share of
  replies with a block to run inside the run tokens (the format the training samples teach), and the share with any
  block to run. The base is asked the same, as the baseline.

Prints one row per batch (samples, held-out size, the three held-out scores, each step's minutes, the stage), the
HumanEval and format figures, and the issue's targets (student held-out >= base + 5 points; HumanEval no more than 2
points under the base; >= 90 % of replies in the run-token format). Everything is resumable: rerunning the same
command continues the loop at its first unfinished step, each evaluation at its first unjudged task and the format
probe at its first unasked problem. Figures go to ``OUT/figures.json``.

Usage: python bench/measured_loop.py --teacher vllm-cpu-1.5b --base local-qwen-0.5b --preset configs/demo.yaml
    --batches 2 --batch-samples 6 --lora --concurrency 3 [--gradient-accumulation 1] [--humaneval-sample 40]
    [--draw-seed S] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import secrets
import shlex
import sys
from functools import cache
from pathlib import Path
from typing import Any

import typer
import yaml
from generation_yield import BenchError, harvest_pool, measured_on, prepare_draw, stdlib_root
from langchain_core.messages import HumanMessage, SystemMessage

from aiev.agents.context import Context, every_role
from aiev.agents.dialogue import Speaker
from aiev.agents.interpreter_blocks import executable_blocks
from aiev.agents.model_call import ModelCallError, call_model
from aiev.agents.prompts import load_prompt
from aiev.cli.train_cmd import loop
from aiev.eval import load_benchmark
from aiev.eval.heldout import tasks_from_records
from aiev.eval.runner import evaluate
from aiev.eval.task_sample import sample_tasks
from aiev.graphs.durable import JsonlLog, atomic_write_text
from aiev.graphs.seeds import SeedsError
from aiev.sandbox.engine import unwind_on_sigterm
from aiev.training.loop import STEPS, BatchRecord, batch_dir, load_state
from aiev.training.serve import served_gguf
from aiev.training.sft_settings import DEFAULTS_FILE
from aiev.training.student_base import resolve_base

DEFAULT_OUT = Path("runs/bench/measured_loop")
SERVED = "student"  # the models-file name the student, and the base in its turn, answer under
# The targets, in points of pass@1 and share of replies.
HELDOUT_GAIN, HUMANEVAL_LOSS, FORMAT_SHARE = 5.0, 2.0, 0.90


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", required=True, help="models-file name of the teacher (every role)")
    parser.add_argument("--base", required=True, help="student base: checkpoint directory or models-file name")
    parser.add_argument("--preset", type=Path, help="run-context fields for generation (e.g. configs/demo.yaml)")
    parser.add_argument("--batches", type=int, default=2, help="loop batches (default 2)")
    parser.add_argument("--batch-samples", type=int, required=True, help="verified samples per batch")
    parser.add_argument("--lora", action="store_true", help="train the student with LoRA")
    parser.add_argument("--training-config", type=Path, help="SFT settings replacing configs/training.yaml")
    parser.add_argument(
        "--gradient-accumulation",
        type=int,
        help="the shipped SFT settings with this many samples per optimizer step (the CPU recipe's 8 gives a batch "
        "of 6 samples one step per epoch)",
    )
    parser.add_argument("--concurrency", type=int, default=2, help="dialogues, and evaluated tasks, at once")
    parser.add_argument("--seeds", type=int, default=200, help="seeds drawn for the loop to take from (default 200)")
    parser.add_argument("--draw-seed", type=int, help="the seed draw to repeat (default: fresh, printed)")
    parser.add_argument("--humaneval-sample", type=int, help="HumanEval tasks drawn (default: all 164)")
    parser.add_argument("--humaneval-seed", type=int, help="seed of that draw (default: fresh, printed)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    for option in ("batches", "batch_samples", "concurrency", "seeds"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1, got {getattr(args, option)}")
    if args.humaneval_sample is not None and args.humaneval_sample < 1:
        parser.error(f"--humaneval-sample must be at least 1, got {args.humaneval_sample}")
    if args.gradient_accumulation is not None and args.gradient_accumulation < 1:
        parser.error(f"--gradient-accumulation must be at least 1, got {args.gradient_accumulation}")
    if args.gradient_accumulation is not None and args.training_config is not None:
        parser.error("--gradient-accumulation changes the shipped settings; with --training-config set it in that file")
    if args.humaneval_seed is not None and args.humaneval_sample is None:
        parser.error("--humaneval-seed seeds the --humaneval-sample draw: give --humaneval-sample N too")
    return args


def repeat_command(args: argparse.Namespace, draw_seed: int, humaneval_seed: int | None) -> str:
    command = ["python", "bench/measured_loop.py", "--teacher", args.teacher, "--base", args.base]
    command += ["--batches", str(args.batches), "--batch-samples", str(args.batch_samples)]
    command += ["--concurrency", str(args.concurrency), "--seeds", str(args.seeds), "--draw-seed", str(draw_seed)]
    for option, value in (
        ("--preset", args.preset),
        ("--training-config", args.training_config),
        ("--gradient-accumulation", args.gradient_accumulation),
    ):
        if value is not None:
            command += [option, str(value)]
    if args.humaneval_sample is not None:
        command += ["--humaneval-sample", str(args.humaneval_sample), "--humaneval-seed", str(humaneval_seed)]
    return shlex.join(command + (["--lora"] if args.lora else []) + ["--out", str(args.out)])


def training_config(args: argparse.Namespace) -> Path | None:
    """The SFT settings file the loop trains with: the user's, or the shipped one with ``--gradient-accumulation``
    (for the CPU recipe and the GPU one alike), written into the run directory."""
    if args.gradient_accumulation is None:
        return args.training_config
    settings = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    settings["gradient_accumulation"] = args.gradient_accumulation
    settings["cpu"] = {**(settings.get("cpu") or {}), "gradient_accumulation": args.gradient_accumulation}
    path = args.out / "training.yaml"
    atomic_write_text(path, yaml.safe_dump(settings, sort_keys=False))
    return path


def heldout_problems(loop_dir: Path, batches: list[BatchRecord]) -> list[dict[str, str]]:
    """Every batch's held-out problems, in batch order: the statements the format probe sends."""
    problems = []
    for record in batches:
        path = batch_dir(loop_dir, record.batch) / "built" / "heldout.jsonl"
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        problems += [{"task_id": task.task_id, "prompt": task.prompt} for task in tasks_from_records(records)]
    return problems


def format_probe(problems: list[dict[str, str]], log: JsonlLog) -> dict[str, Any]:
    """Each problem sent as `aiev chat` sends a user's message to the served model, the reply read as `aiev chat`
    reads it; one log line per problem, so a rerun asks only the ones not yet answered."""
    answered = {record["task_id"]: record for record in log.records()}
    context = Context.from_mapping(every_role(SERVED))
    for problem in problems:
        if problem["task_id"] in answered:
            continue
        messages = [SystemMessage(content=load_prompt("chat_system")), HumanMessage(content=problem["prompt"])]
        try:
            reply = call_model(Speaker.PROGRAMMER, messages, context).text
        except ModelCallError as error:
            raise BenchError(f"the format probe could not reach the served model: {error}") from None
        blocks, wrapped = executable_blocks(reply)
        record = {"task_id": problem["task_id"], "run_tokens": wrapped and bool(blocks), "runnable": bool(blocks)}
        log.append({**record, "reply": reply})
        answered[problem["task_id"]] = record
    asked = [answered[problem["task_id"]] for problem in problems]
    return {
        "problems": len(asked),
        "run_tokens_share": sum(r["run_tokens"] for r in asked) / len(asked) if asked else None,
        "runnable_share": sum(r["runnable"] for r in asked) / len(asked) if asked else None,
    }


def measure(checkpoint: Path, label: str, args: argparse.Namespace, tasks, problems) -> dict[str, Any]:
    """HumanEval pass@1 and the format probe of one checkpoint, served as the student is in the loop."""
    print(f"\n{label}: serving {checkpoint}", flush=True)
    with served_gguf(checkpoint, SERVED, parallel=args.concurrency):
        summary = evaluate(
            tasks, SERVED, "plain", out=args.out / "humaneval" / label, benchmark="humaneval",
            concurrency=args.concurrency, progress=True,
        )  # fmt: skip
        probe = format_probe(problems, JsonlLog(args.out / "format" / f"{label}.jsonl"))
    return {"humaneval_pass1": summary.pass_at_1, "humaneval_tasks": len(tasks), **probe}


def _points(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f}"


def print_figures(figures: dict[str, Any]) -> None:
    print("\nbatch | stage | samples | train | held out | teacher | base | student | minutes gen/build/train/eval")
    for row in figures["batches"]:
        minutes = "/".join(f"{row['seconds'].get(step, 0) / 60:.1f}" for step in STEPS)
        print(
            f"{row['batch']} | {row['stage']} | {row['samples']} | {row['train_samples']} | {row['heldout_samples']} | "
            f"{_points(row['teacher_pass1'])} | {_points(row['base_pass1'])} | {_points(row['student_pass1'])} | "
            f"{minutes}"
        )
    switch = figures["stage_switch"]
    print(f"stage: {figures['stage']}" + (f" (switched after batch {switch['batch']})" if switch else ""))
    base, student = figures["base"], figures["student"]
    print(
        f"HumanEval pass@1 (plain, {student['humaneval_tasks']} tasks): student {_points(student['humaneval_pass1'])}"
        f" vs base {_points(base['humaneval_pass1'])}"
    )
    print(
        f"replies to the {student['problems']} held-out problems in the run-token format: student "
        f"{_points(student['run_tokens_share'])} % vs base {_points(base['run_tokens_share'])} %; with any block to "
        f"run: {_points(student['runnable_share'])} % vs {_points(base['runnable_share'])} %"
    )
    for name, met in figures["targets"].items():
        print(f"target {name}: {'met' if met else 'NOT met'}")
    print(f"repeat: {figures['command']}")


def targets(batches: list[dict[str, Any]], base: dict[str, Any], student: dict[str, Any]) -> dict[str, bool]:
    last = batches[-1]
    return {
        f"student held-out >= base + {HELDOUT_GAIN:g} points": 100 * (last["student_pass1"] - last["base_pass1"])
        >= HELDOUT_GAIN,
        f"student HumanEval >= base - {HUMANEVAL_LOSS:g} points": 100
        * (student["humaneval_pass1"] - base["humaneval_pass1"])
        >= -HUMANEVAL_LOSS,
        f">= {100 * FORMAT_SHARE:g} % of student replies in the run-token format": (student["run_tokens_share"] or 0)
        >= FORMAT_SHARE,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fresh = args.draw_seed is None
    draw_seed = secrets.randbelow(2**31) if fresh else args.draw_seed
    print(f"seed draw: {draw_seed}" + (" (fresh from os.urandom)" if fresh else ""), flush=True)
    source = stdlib_root().resolve()
    settings = {"teacher": args.teacher, "preset": str(args.preset) if args.preset else None}
    try:
        pool = cache(lambda: harvest_pool(source))
        seeds_file = prepare_draw(args.out, draw_seed, args.seeds, source, settings, pool)
        tasks_all = load_benchmark("humaneval")
    except (BenchError, SeedsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    humaneval_seed = None
    if args.humaneval_sample is not None:
        humaneval_seed = args.humaneval_seed if args.humaneval_seed is not None else secrets.randbelow(2**31)
        print(f"HumanEval draw: {args.humaneval_sample} tasks, seed {humaneval_seed}", flush=True)
    tasks, _ = sample_tasks(tasks_all, args.humaneval_sample, humaneval_seed)
    loop_dir = args.out / "loop"
    try:
        loop(
            seeds=seeds_file, out=loop_dir, base=args.base, teacher=args.teacher, batches=args.batches,
            batch_samples=args.batch_samples, lora=args.lora, training_config=training_config(args),
            preset=args.preset, concurrency=args.concurrency,
        )  # fmt: skip
    except typer.Exit as stop:  # the loop has said why
        return stop.exit_code or 1
    state = load_state(loop_dir)
    if len(state.history) < args.batches:
        print(f"error: the loop stopped after {len(state.history)} of {args.batches} batches", file=sys.stderr)
        return 1
    problems = heldout_problems(loop_dir, state.history)
    base = measure(Path(resolve_base(args.base)), "base", args, tasks, problems)
    student = measure(Path(state.history[-1].student), "student", args, tasks, problems)
    batches = [record.model_dump() for record in state.history]
    figures = {
        "draw_seed": draw_seed,
        "humaneval_seed": humaneval_seed,
        "batches": batches,
        "stage": state.stage,
        "stage_switch": state.switch.model_dump() if state.switch else None,
        "base": base,
        "student": student,
        "targets": targets(batches, base, student),
        "command": repeat_command(args, draw_seed, humaneval_seed),
        "measured_on": measured_on({args.teacher} | (set() if Path(args.base).is_dir() else {args.base})),
    }
    atomic_write_text(args.out / "figures.json", json.dumps(figures, indent=2) + "\n")
    print_figures(figures)
    return 0


if __name__ == "__main__":
    unwind_on_sigterm()  # a killed run removes its sandbox containers
    raise SystemExit(main())
