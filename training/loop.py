"""The AutoCoder teaching -> self-learning loop, batch by batch, resumable after a crash at any step.

Every batch runs four steps: generate dialogues (teacher, or the student itself once it has won), build
the batch's dataset (dedup against itself and every earlier batch, decontamination, 1:9 split), train a student
from the base model on the train splits of all batches so far, and evaluate teacher, untrained base and student
pass@1 on this batch's held-out split (the base's score is what says whether training helped: a student below the
teacher may still have gained). When the student beats the teacher, later batches are generated in the
self-learning stage; the switch is recorded with both scores. Each step's wall time is recorded with the batch.

Batches are sized in verified samples, as in the paper (a batch every 2,000 samples): the generate step runs the
pipeline over the unused seeds, in order, until the batch holds ``batch_samples`` verified dialogues (``aiev
generate --until-verified``), so it needs no seeds-per-batch setting and keeps every dialogue slot busy to the end;
the dialogues in flight when the count is reached finish, so a batch may hold up to ``concurrency - 1`` more.
Seeds are positions in the seeds list (``load_seeds`` order, so a seeds file may grow at its end between runs);
each batch records the range it took, and the next one starts where it stopped, so no seed serves two batches.
The range is recorded once the step has returned: a crash mid-step reruns it over the same seeds into the same
output directory, where the pipeline skips the seeds it had finished and counts their samples. When the seeds run
out, a batch holding samples closes short (``short`` in its record) and is built, trained and evaluated; one
holding none stops the loop with a message (append seeds and rerun to continue it).

``loop_state.json`` (replaced atomically after every step) records the stage, the history and
the current batch's progress, so a rerun continues at the first unfinished step. The step implementations are
injected (``LoopSteps``): the CLI binds the real pipeline, DeepSpeed SFT and evaluation, tests bind scripted ones.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from datasets import concatenate_datasets, load_from_disk
from pydantic import BaseModel, Field
from rich.console import Console

from ..agents.context import Stage
from ..graphs.durable import atomic_write_text
from .build import BuildConfig, BuildOptions, build_dataset
from .errors import TrainingInputError
from .export import save_atomically
from .samples import read_generation_records

Step = Literal["generate", "build", "train", "evaluate"]
STEPS: tuple[Step, ...] = ("generate", "build", "train", "evaluate")
STATE_VERSION = 2  # 1 (no version field): batches counted in seeds, without the seed ranges resuming needs

# generate(batch index, stage, latest student or None, first seed, wanted samples, output dir) -> how many seeds,
# from the first on, it took to hold the wanted verified samples (all that exist when the seeds ran out first).
# Seeds are positions in the seeds list; the output dir is an `aiev generate` one, resumable (a seed finished
# there is not generated again, and its sample counts).
Generate = Callable[[int, Stage, str | None, int, int, Path], int]
# train(dataset dir, output dir) -> reference of the trained student (its directory, or a served model name).
Train = Callable[[Path, Path], str]
# evaluate(model reference, held-out records file) -> pass@1 in [0, 1].
Evaluate = Callable[[str, Path], float]


@dataclass(frozen=True)
class LoopSteps:
    generate: Generate
    train: Train
    evaluate: Evaluate


class LoopConfig(BaseModel):
    out: Path
    batches: int = Field(ge=1)  # total batches the loop should have run when it stops
    teacher: str  # model reference the student is compared with
    base: str  # the untrained student base (a checkpoint reference, as train steps take it), scored beside them
    # ``build.batch_size`` is the batch size in verified samples: one loop batch is one split batch.
    build: BuildOptions = Field(default_factory=BuildOptions)

    @property
    def batch_samples(self) -> int:
        return self.build.batch_size


class _Batch(BaseModel):
    batch: int
    stage: Stage  # the stage the batch was generated in
    seed_start: int  # first seed the batch drew (a position in the seeds list)
    seed_stop: int  # one past the last seed the batch took (set when its generate step returns)
    samples: int = 0  # verified samples generated from seeds seed_start..seed_stop-1
    short: bool = False  # the seeds ran out before the batch held batch_samples
    train_samples: int = 0  # the student's training set: the train splits of this batch and all before it
    heldout_samples: int = 0
    earlier_duplicates: int = 0  # samples dropped as copies of an earlier batch's
    # Wall seconds of each finished step, in the run that finished it (a step rerun after a crash counts its rerun).
    seconds: dict[Step, float] = Field(default_factory=dict)


class CurrentBatch(_Batch):
    done: list[Step] = Field(default_factory=list)
    student: str | None = None
    teacher_pass1: float | None = None
    base_pass1: float | None = None
    student_pass1: float | None = None


class BatchRecord(_Batch):
    student: str
    teacher_pass1: float
    base_pass1: float | None = None  # None: recorded by an aiev that did not score the base
    student_pass1: float


class StageSwitch(BaseModel):
    batch: int  # the batch on whose held-out split the student beat the teacher
    teacher_pass1: float
    student_pass1: float


class LoopState(BaseModel):
    version: Literal[2] = STATE_VERSION
    stage: Stage = "teaching"
    switch: StageSwitch | None = None
    history: list[BatchRecord] = Field(default_factory=list)
    current: CurrentBatch | None = None

    @property
    def latest_student(self) -> str | None:
        return self.history[-1].student if self.history else None

    @property
    def next_seed(self) -> int:
        """Where the next batch starts drawing: after every seed of the batches before it."""
        return self.history[-1].seed_stop if self.history else 0


class SeedsExhausted(Exception):
    """The seeds ran out before the current batch held a single verified sample."""


def state_path(out: Path) -> Path:
    return out / "loop_state.json"


def load_state(out: Path) -> LoopState:
    path = state_path(out)
    if not path.exists():
        return LoopState()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise TrainingInputError(f"{path}: not a loop state file ({error})") from None
    if isinstance(data, dict) and "version" not in data:
        raise TrainingInputError(
            f"{path}: written by an earlier aiev whose loop counted batches in seeds and did not record the seed "
            "range of each batch, which resuming needs; start the loop in a new --out directory"
        )
    try:
        return LoopState.model_validate(data)
    except ValueError as error:
        raise TrainingInputError(f"{path}: not a loop state file ({error})") from None


def save_state(out: Path, state: LoopState) -> None:
    atomic_write_text(state_path(out), state.model_dump_json(indent=2) + "\n")


def batch_dir(out: Path, batch: int) -> Path:
    return out / "batches" / f"{batch:04d}"


def run_loop(config: LoopConfig, steps: LoopSteps, console: Console | None = None) -> LoopState:
    """Run (or resume) batches until ``config.batches`` are finished or the seeds run out; returns the state."""
    console = console or Console(stderr=True)
    config.out.mkdir(parents=True, exist_ok=True)
    state = load_state(config.out)
    while len(state.history) < config.batches:
        if state.current is None:
            start = state.next_seed
            state.current = CurrentBatch(batch=len(state.history), stage=state.stage, seed_start=start, seed_stop=start)
            save_state(config.out, state)
        current = state.current
        for step in STEPS:
            if step in current.done:
                continue
            console.print(f"[bold]batch {current.batch}[/bold] ({current.stage}): {step}")
            started = time.monotonic()
            try:
                summary = _STEP_RUNNERS[step](config, steps, state, current)
            except SeedsExhausted as stop:
                console.print(f"[yellow]{stop}[/yellow]", highlight=False)
                return state
            current.seconds[step] = round(time.monotonic() - started, 1)
            current.done.append(step)
            save_state(config.out, state)
            console.print(f"batch {current.batch}: {summary} ({current.seconds[step]:.0f} s)", highlight=False)
        _finish_batch(config, state, current, console)
    return state


def _generate(config: LoopConfig, steps: LoopSteps, state: LoopState, current: CurrentBatch) -> str:
    out = batch_dir(config.out, current.batch) / "generated"
    taken = steps.generate(
        current.batch, current.stage, state.latest_student, current.seed_start, config.batch_samples, out
    )
    current.seed_stop = current.seed_start + taken
    current.samples = sum(1 for _ in read_generation_records(out))
    drew = f"seeds {current.seed_start}..{current.seed_stop - 1}"
    if current.samples < config.batch_samples:
        if current.samples == 0:
            raise SeedsExhausted(
                f"the seeds ran out: batch {current.batch} holds no verified sample "
                f"({drew if current.seed_stop > current.seed_start else 'no seed left'}); "
                "append seeds to the seeds file and rerun to continue"
            )
        current.short = True
        return (
            f"the seeds ran out: a short batch of {current.samples} verified samples "
            f"(of {config.batch_samples}) from {drew}"
        )
    return f"{current.samples} verified samples from {drew}"


def _build(config: LoopConfig, steps: LoopSteps, state: LoopState, current: CurrentBatch) -> str:
    directory = batch_dir(config.out, current.batch)
    # One loop batch is one split batch, whatever it holds: a batch that ended with dialogues in flight holds a few
    # more samples than ``batch_samples``, a short one fewer, and its 1:9 held-out share is taken over all of them.
    options = {**config.build.model_dump(exclude={"push_to_hub"}), "batch_size": max(current.samples, 1)}
    report = build_dataset(
        BuildConfig(
            **options,
            samples=[directory / "generated"],
            earlier=[batch_dir(config.out, b) / "built" for b in range(current.batch)],
            out=directory / "built",
        )
    )
    current.heldout_samples = report.test
    current.earlier_duplicates = report.earlier_duplicates
    # The student trains on every batch's train split so far; each batch keeps its own held-out split.
    parts = [
        load_from_disk(str(batch_dir(config.out, b) / "built" / "dataset"))["train"] for b in range(current.batch + 1)
    ]
    merged = concatenate_datasets(parts)
    current.train_samples = len(merged)
    save_atomically(merged, directory / "train_data")
    return (
        f"{report.train} train / {report.test} held out; dropped {report.exact_duplicates} exact and "
        f"{report.near_duplicates} near duplicates ({report.earlier_duplicates} of earlier batches), "
        f"{report.contaminated} contaminated"
    )


def _train(config: LoopConfig, steps: LoopSteps, state: LoopState, current: CurrentBatch) -> str:
    directory = batch_dir(config.out, current.batch)
    current.student = steps.train(directory / "train_data", directory / "student")
    return f"student {current.student} trained on {current.train_samples} samples"


def _evaluate(config: LoopConfig, steps: LoopSteps, state: LoopState, current: CurrentBatch) -> str:
    heldout = batch_dir(config.out, current.batch) / "built" / "heldout.jsonl"
    if current.teacher_pass1 is None:
        current.teacher_pass1 = steps.evaluate(config.teacher, heldout)
        save_state(config.out, state)  # each score survives a crash during the next evaluation
    if current.base_pass1 is None:
        current.base_pass1 = steps.evaluate(config.base, heldout)
        save_state(config.out, state)
    assert current.student is not None  # set by the train step, which always runs first
    current.student_pass1 = steps.evaluate(current.student, heldout)
    return (
        f"teacher pass@1 {current.teacher_pass1:.3f}, base {current.base_pass1:.3f}, "
        f"student {current.student_pass1:.3f}"
    )


_STEP_RUNNERS: dict[Step, Callable[[LoopConfig, LoopSteps, LoopState, CurrentBatch], str]] = {
    "generate": _generate,
    "build": _build,
    "train": _train,
    "evaluate": _evaluate,
}


def _finish_batch(config: LoopConfig, state: LoopState, current: CurrentBatch, console: Console) -> None:
    record = BatchRecord.model_validate(current.model_dump(exclude={"done"}))
    state.history.append(record)
    state.current = None
    if state.stage == "teaching" and record.student_pass1 > record.teacher_pass1:
        state.stage = "self_learning"
        state.switch = StageSwitch(
            batch=record.batch, teacher_pass1=record.teacher_pass1, student_pass1=record.student_pass1
        )
        console.print(
            f"[green]stage switch after batch {record.batch}: the student's held-out pass@1 "
            f"{record.student_pass1:.3f} beats the teacher's {record.teacher_pass1:.3f}; later batches are "
            "generated in the self-learning stage[/green]",
            highlight=False,
        )
    save_state(config.out, state)
