"""The AutoCoder teaching -> self-learning loop, batch by batch, resumable after a crash at any step.

Every batch runs four steps: generate dialogues (teacher, or the student itself once it has won), build
the batch's dataset (dedup, decontamination, 1:9 split), train a student from the base model on the train
splits of all batches so far, and evaluate teacher and student pass@1 on this batch's held-out split. When
the student beats the teacher, later batches are generated in the self-learning stage.

``loop_state.json`` (replaced atomically after every step) records the stage, the history and which steps
of the current batch are done, so a rerun continues at the first unfinished step. The step implementations
are injected (``LoopSteps``): the CLI binds the real pipeline, DeepSpeed SFT and evaluation, tests bind
scripted ones.
"""

from __future__ import annotations

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

Step = Literal["generate", "build", "train", "evaluate"]
STEPS: tuple[Step, ...] = ("generate", "build", "train", "evaluate")

# generate(batch index, stage, latest student or None, output dir): writes an `aiev generate` output dir.
Generate = Callable[[int, Stage, str | None, Path], None]
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
    build: BuildOptions = Field(default_factory=BuildOptions)


class BatchRecord(BaseModel):
    batch: int
    stage: Stage  # the stage the batch was generated in
    train_samples: int
    heldout_samples: int
    teacher_pass1: float
    student_pass1: float
    student: str


class CurrentBatch(BaseModel):
    batch: int
    stage: Stage
    done: list[Step] = Field(default_factory=list)
    student: str | None = None
    train_samples: int = 0
    heldout_samples: int = 0
    teacher_pass1: float | None = None
    student_pass1: float | None = None


class LoopState(BaseModel):
    stage: Stage = "teaching"
    switched_at: int | None = None  # batch after which the student won
    history: list[BatchRecord] = Field(default_factory=list)
    current: CurrentBatch | None = None

    @property
    def latest_student(self) -> str | None:
        return self.history[-1].student if self.history else None


def state_path(out: Path) -> Path:
    return out / "loop_state.json"


def load_state(out: Path) -> LoopState:
    path = state_path(out)
    if not path.exists():
        return LoopState()
    try:
        return LoopState.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise TrainingInputError(f"{path}: not a loop state file ({error})") from None


def save_state(out: Path, state: LoopState) -> None:
    atomic_write_text(state_path(out), state.model_dump_json(indent=2) + "\n")


def batch_dir(out: Path, batch: int) -> Path:
    return out / "batches" / f"{batch:04d}"


def run_loop(config: LoopConfig, steps: LoopSteps, console: Console | None = None) -> LoopState:
    """Run (or resume) batches until ``config.batches`` are finished; returns the final state."""
    console = console or Console(stderr=True)
    config.out.mkdir(parents=True, exist_ok=True)
    state = load_state(config.out)
    while len(state.history) < config.batches:
        if state.current is None:
            state.current = CurrentBatch(batch=len(state.history), stage=state.stage)
            save_state(config.out, state)
        current = state.current
        for step in STEPS:
            if step in current.done:
                continue
            console.print(f"[bold]batch {current.batch}[/bold] ({current.stage}): {step}")
            _STEP_RUNNERS[step](config, steps, state, current)
            current.done.append(step)
            save_state(config.out, state)
        _finish_batch(config, state, current, console)
    return state


def _generate(config: LoopConfig, steps: LoopSteps, state: LoopState, current: CurrentBatch) -> None:
    steps.generate(
        current.batch, current.stage, state.latest_student, batch_dir(config.out, current.batch) / "generated"
    )


def _build(config: LoopConfig, steps: LoopSteps, state: LoopState, current: CurrentBatch) -> None:
    directory = batch_dir(config.out, current.batch)
    options = config.build.model_dump(exclude={"push_to_hub"})
    report = build_dataset(BuildConfig(**options, samples=[directory / "generated"], out=directory / "built"))
    current.heldout_samples = report.test
    # The student trains on every batch's train split so far; each batch keeps its own held-out split.
    parts = [
        load_from_disk(str(batch_dir(config.out, b) / "built" / "dataset"))["train"] for b in range(current.batch + 1)
    ]
    merged = concatenate_datasets(parts)
    current.train_samples = len(merged)
    save_atomically(merged, directory / "train_data")


def _train(config: LoopConfig, steps: LoopSteps, state: LoopState, current: CurrentBatch) -> None:
    directory = batch_dir(config.out, current.batch)
    current.student = steps.train(directory / "train_data", directory / "student")


def _evaluate(config: LoopConfig, steps: LoopSteps, state: LoopState, current: CurrentBatch) -> None:
    heldout = batch_dir(config.out, current.batch) / "built" / "heldout.jsonl"
    if current.teacher_pass1 is None:
        current.teacher_pass1 = steps.evaluate(config.teacher, heldout)
        save_state(config.out, state)  # the teacher's score survives a crash during the student's evaluation
    assert current.student is not None  # set by the train step, which always runs first
    current.student_pass1 = steps.evaluate(current.student, heldout)


_STEP_RUNNERS: dict[Step, Callable[[LoopConfig, LoopSteps, LoopState, CurrentBatch], None]] = {
    "generate": _generate,
    "build": _build,
    "train": _train,
    "evaluate": _evaluate,
}


def _finish_batch(config: LoopConfig, state: LoopState, current: CurrentBatch, console: Console) -> None:
    assert current.student is not None and current.teacher_pass1 is not None and current.student_pass1 is not None
    record = BatchRecord(
        batch=current.batch,
        stage=current.stage,
        train_samples=current.train_samples,
        heldout_samples=current.heldout_samples,
        teacher_pass1=current.teacher_pass1,
        student_pass1=current.student_pass1,
        student=current.student,
    )
    state.history.append(record)
    state.current = None
    console.print(
        f"batch {record.batch}: teacher pass@1 {record.teacher_pass1:.3f}, student pass@1 {record.student_pass1:.3f}"
    )
    if state.stage == "teaching" and record.student_pass1 > record.teacher_pass1:
        state.stage = "self_learning"
        state.switched_at = record.batch
        console.print("[green]the student beats the teacher: switching to the self-learning stage[/green]")
    save_state(config.out, state)
