"""The real steps behind ``aiev loop``: the AIEV-Instruct pipeline, DeepSpeed SFT and sandboxed pass@1.

Each is a thin adapter from the loop's step signature to the component that does the work, so the loop
itself stays testable with scripted steps. A trained student is a checkpoint directory; generating with it
(self-learning) or evaluating it needs it served under the ``student`` entry of the models file, which
``serve_student`` (a command template) does for the length of the step.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path

from pydantic import BaseModel, Field

from ..agents.context import Stage, every_role
from .errors import TrainingInputError, TrainingStepError
from .launch import deepspeed_command, launch_environment, run_launcher
from .loop import LoopSteps
from .serve import served
from .sft_settings import load_settings


class LoopResources(BaseModel):
    """Where the loop's inputs are and how to reach its models."""

    seeds: Path
    seeds_per_batch: int = Field(ge=1)
    base: str  # the student's base model (every batch trains from it on all train splits so far)
    teacher: str  # models-file name of the teacher (what the teaching-stage preset plays every role with)
    student_name: str = "student"  # models-file entry the served student answers under
    serve_student: str | None = None  # e.g. "vllm serve {model} --port 8001 --served-model-name student"
    deepspeed: Path | None = None
    lora: bool = False
    num_gpus: int = Field(default=1, ge=1)
    hostfile: Path | None = None
    concurrency: int = Field(default=2, ge=1)
    eval_mode: str = "plain"


class DefaultSteps:
    def __init__(self, resources: LoopResources) -> None:
        self.r = resources

    def _serving(self, student: str | None, log: Path):
        """The student served for the block (nothing to do for a models-file name such as the teacher)."""
        if student is None or student == self.r.teacher or not Path(student).is_dir():
            return nullcontext()
        if self.r.serve_student is None:
            raise TrainingInputError(
                "the student checkpoint must be served to generate or be evaluated: pass --serve-student "
                "'COMMAND {model}' (e.g. a vLLM server answering as the models-file entry "
                f"{self.r.student_name!r})"
            )
        return served(self.r.serve_student, student, self.r.student_name, log)

    def generate(self, batch: int, stage: Stage, student: str | None, out: Path) -> None:
        # Imported here: the generation graph pulls in LangGraph and the sandbox, which no other command needs.
        from ..graphs.pipeline import PipelineConfig, run_pipeline
        from ..graphs.presets import resolve_context
        from ..graphs.seeds import load_seeds, write_seeds

        seeds = load_seeds(self.r.seeds)[batch * self.r.seeds_per_batch : (batch + 1) * self.r.seeds_per_batch]
        if not seeds:
            raise TrainingInputError(
                f"--seeds {self.r.seeds}: no seeds left for batch {batch} ({self.r.seeds_per_batch} per batch)"
            )
        seeds_file = out.parent / "seeds.jsonl"
        write_seeds(seeds, seeds_file)
        if stage == "teaching":
            role_models = every_role(self.r.teacher)
        else:
            role_models = {}  # the self-learning preset names the student for every role
        context = resolve_context(stage, overrides=role_models)
        config = PipelineConfig(seeds=seeds_file, out=out, stage=stage, context=context, concurrency=self.r.concurrency)
        with self._serving(student if stage == "self_learning" else None, out.parent / "serve.log"):
            run_pipeline(config)

    def train(self, data: Path, out: Path) -> str:
        settings = load_settings(
            {"data": data, "base": self.r.base, "out": out, "deepspeed": self.r.deepspeed, "lora": self.r.lora}
        )
        command = deepspeed_command(settings, self.r.num_gpus, self.r.hostfile)
        code = run_launcher(command, launch_environment())
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
        label = "teacher" if is_teacher else "student"
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
