"""The real steps behind ``aiev loop``: the AIEV-Instruct pipeline, DeepSpeed SFT and sandboxed pass@1.

Each is a thin adapter from the loop's step signature to the component that does the work, so the loop
itself stays testable with scripted steps. A trained student is a checkpoint directory; generating with it
(self-learning) or evaluating it, or the untrained base, needs it served as the models-file name ``student`` for the
length of the step:
converted to GGUF and served by aiev's own llama-server (``serve.served_gguf``), or by the user's command
template ``serve_student`` (e.g. vLLM on GPUs).
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, Field

from ..agents.context import Stage, every_role
from ..agents.local_model.server import stop_all
from ..agents.state import Seed
from .errors import TrainingInputError, TrainingStepError
from .launch import deepspeed_command, launch_environment, run_launcher
from .loop import LoopSteps
from .serve import served, served_gguf
from .sft_settings import DEFAULTS_FILE, load_settings, trains_on_cpu
from .student_gguf import OutType


class LoopResources(BaseModel):
    """Where the loop's inputs are and how to reach its models."""

    seeds: Path  # every batch draws the next unused seeds of it, in file order, until it holds its samples
    base: str  # the student's base model (every batch trains from it on all train splits so far, and scores it)
    teacher: str  # models-file name of the teacher (what the teaching-stage preset plays every role with)
    # Run-context fields over the stage preset for generation (rounds, candidates, token cap, sandbox): the loop
    # itself decides who plays the roles (the teacher, or the student once it has won).
    preset: Path | None = None
    student_name: str = "student"  # models-file entry the served student answers under
    serve_student: str | None = None  # e.g. "vllm serve {model} --port 8001 --served-model-name student"
    student_gguf_type: OutType = "f16"  # without serve_student: the GGUF aiev converts the student to and serves
    deepspeed: Path | None = None
    lora: bool = False
    training_config: Path | None = None  # replaces configs/training.yaml's defaults for the student's SFT
    num_gpus: int = Field(default=1, ge=1)
    hostfile: Path | None = None
    concurrency: int = Field(default=2, ge=1)
    eval_mode: str = "plain"


class DefaultSteps:
    def __init__(self, resources: LoopResources) -> None:
        """Checks now, not after a batch has been generated, that the base can be served for its held-out score:
        aiev converts local checkpoints only; a hub id needs the user's serving command."""
        if resources.serve_student is None and not Path(resources.base).is_dir():
            raise TrainingInputError(
                f"--base {resources.base}: the loop scores the untrained base on every held-out split, and aiev "
                "serves only a local checkpoint directory itself; download it (`huggingface-cli download "
                f"{resources.base} --local-dir DIR`) and pass --base DIR, or give --serve-student"
            )
        self.r = resources

    def _serving(self, checkpoint: str | None, log: Path):
        """A checkpoint (a trained student, or the base to score) served as ``student_name`` for the block; nothing
        to do for the teacher, a models-file name."""
        if checkpoint is None or checkpoint == self.r.teacher:
            return nullcontext()
        if self.r.serve_student is None:
            return served_gguf(
                Path(checkpoint), self.r.student_name, outtype=self.r.student_gguf_type, parallel=self.r.concurrency
            )
        return served(self.r.serve_student, checkpoint, self.r.student_name, log)

    @cached_property
    def _seeds(self) -> list[Seed]:
        """The seeds list the loop's positions index, loaded (and deduplicated) once per run."""
        from ..graphs.seeds import SeedsError, load_seeds

        try:
            return load_seeds(self.r.seeds)
        except SeedsError as error:
            raise TrainingInputError(f"--seeds: {error}") from None

    def generate(self, batch: int, stage: Stage, student: str | None, first_seed: int, wanted: int, out: Path) -> int:
        """Runs the pipeline on the seeds from position ``first_seed`` on into ``out`` (which resumes: a seed
        finished there is skipped) until they hold ``wanted`` verified samples (``--until-verified``), and returns
        how many seeds it took. Seeds that failed for reasons not their own (model or sandbox down) stop the loop
        here, before the step counts as done, so the rerun retries them rather than spending the rest of the seeds
        on an outage."""
        # Imported here: the generation graph pulls in LangGraph and the sandbox, which no other command needs.
        from ..graphs.pipeline import PipelineConfig, run_pipeline
        from ..graphs.presets import resolve_context
        from ..graphs.seeds import write_seeds

        remaining = self._seeds[first_seed:]
        if not remaining:
            return 0
        seeds_file = out.parent / "seeds" / f"from-{first_seed:08d}.jsonl"
        write_seeds(remaining, seeds_file)
        player = self.r.teacher if stage == "teaching" else self.r.student_name
        context = resolve_context(stage, self.r.preset, overrides=every_role(player))
        config = PipelineConfig(
            seeds=seeds_file, out=out, stage=stage, context=context, concurrency=self.r.concurrency,
            until_verified=wanted,
        )  # fmt: skip
        with self._serving(student if stage == "self_learning" else None, out.parent / "serve.log"):
            summary = run_pipeline(config)
        if summary.retryable:
            raise TrainingStepError(
                f"batch {batch}: {summary.retryable} seeds failed for reasons not their own (first: "
                f"{summary.first_error}); rerun `aiev loop` to retry them"
            )
        return summary.reached

    def train(self, data: Path, out: Path) -> str:
        """The student's SFT run. The model servers the generate step started for this process (the teacher on
        vLLM's CPU build holds 8.8 GB for the 1.5B) are stopped first: beside them, the 0.5B's training (12 GB) was
        killed for memory on a 24 GB machine. The next step that calls the teacher starts it again."""
        stop_all()
        settings = load_settings(
            {"data": data, "base": self.r.base, "out": out, "deepspeed": self.r.deepspeed, "lora": self.r.lora},
            self.r.training_config or DEFAULTS_FILE,
            cpu=trains_on_cpu(self.r.hostfile),
        )
        command = deepspeed_command(settings, self.r.num_gpus, self.r.hostfile)
        code = run_launcher(command, launch_environment(self.r.hostfile))
        if code != 0:
            raise TrainingStepError(f"student training failed (deepspeed exit code {code}); rerun `aiev loop` to retry")
        return str(out)

    def evaluate(self, model: str, heldout: Path) -> float:
        from ..eval.errors import EvalInputError
        from ..eval.heldout import tasks_from_records
        from ..eval.runner import evaluate

        records = [json.loads(line) for line in heldout.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not records:
            return 0.0
        is_teacher = model == self.r.teacher
        label = "teacher" if is_teacher else "base" if model == self.r.base else "student"
        try:
            tasks = tasks_from_records(records)
            with self._serving(model, heldout.parent / f"serve-eval-{label}.log"):
                summary = evaluate(
                    tasks,
                    model if is_teacher else self.r.student_name,
                    self.r.eval_mode,
                    out=heldout.parent / f"eval-{label}",  # resumable: a crash mid-evaluation loses no judged task
                    benchmark="heldout",
                    concurrency=self.r.concurrency,
                    progress=True,
                )
        except EvalInputError as error:
            raise TrainingInputError(f"held-out evaluation of {label}: {error}") from None
        return float(summary.pass_at_1)

    def steps(self) -> LoopSteps:
        return LoopSteps(self.generate, self.train, self.evaluate)
