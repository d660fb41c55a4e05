"""``evaluate``: answer every task with a mode, judge each answer with the task's hidden tests in the sandbox.

Samples run concurrently (``concurrency`` threads; model calls and sandbox runs both release the GIL).
Each judged sample is appended to the results log at once, so an interrupted run loses at most the samples
in flight and a rerun with the same output directory does only what is missing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Self

from langchain_core.language_models.chat_models import BaseChatModel
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from ..agents.context import Context
from ..agents.models import get_chat_model, register_models, registered_models
from ..graphs.batch import RayOptions, run_batch
from ..sandbox.engine import Engine, SandboxUnavailable, get_engine
from ..sandbox.types import Outcome
from . import hidden_examples
from .errors import EvalInputError
from .modes import MODES, Mode, plain_messages
from .results import EvalSettings, ResultsStore, SampleResult
from .summary import EvalSummary, summarize
from .task import EvalTask

FEEDBACK_CHARS = 2000


def evaluate(
    tasks: list[EvalTask],
    model: str,
    mode: Mode = "plain",
    *,
    out: Path | None = None,
    samples: int = 1,
    temperature: float = 0.0,
    revision_temperature: float | None = None,
    max_tokens: int = 1024,
    max_rounds: int = 7,
    hide_examples: bool = False,
    candidates: int = 1,
    sandbox: str = "auto",
    timeout_s: float | None = None,
    concurrency: int = 2,
    ray: RayOptions | None = None,
    benchmark: str = "tasks",
    progress: bool = False,
    console: Console | None = None,
) -> EvalSummary:
    """pass@k of ``model`` on ``tasks`` in ``mode``; with ``out`` the run is logged there and resumable.

    ``samples`` > 1 needs ``temperature`` > 0 (greedy samples are identical). ``hide_examples`` shows every prompt
    without its examples (``hidden_examples``: the statement alone, so CoderGen's tests come from its test writer);
    the setting is pinned in ``run.json`` and named in the summaries. ``candidates``: the CoderGen programmer's
    replies per turn (``Context.candidates``). ``ray``: the samples run on a Ray cluster (``graphs.batch``), judged
    there by each node's sandbox, logged here as a run on one machine logs them. Raises ``EvalInputError`` for
    unusable settings and ``ModelError`` for an unknown model, before any sample runs.
    """
    if mode not in MODES:
        raise EvalInputError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    settings = EvalSettings(
        benchmark=benchmark, model=model, samples=samples, temperature=temperature,
        revision_temperature=revision_temperature, max_tokens=max_tokens, max_rounds=max_rounds,
        hide_examples=hide_examples, candidates=candidates, sandbox=sandbox, timeout_s=timeout_s,
        concurrency=concurrency,
    )  # fmt: skip
    if samples > 1 and temperature <= 0:
        raise EvalInputError(f"--samples {samples} needs --temperature > 0: greedy samples would all be identical")
    if hide_examples:  # unsupported tasks are never shown to a model: their prompts stay as loaded
        tasks = [hidden_examples.hide_examples(task) if task.executable else task for task in tasks]
    get_chat_model(model, temperature=temperature, max_tokens=max_tokens)  # an unknown name stops the run here
    if ray is None:
        _engine(sandbox)  # an unusable sandbox stops the run here; a Ray worker opens its own node's engine
    started = time.monotonic()
    store = ResultsStore(out)
    executable = [task for task in tasks if task.executable]
    store.pin(settings, _prompt_record(executable))
    done = {key: r for key, r in store.latest().items() if r.status != "retry"}
    for task in tasks:
        if not task.executable and (mode, task.task_id, 0) not in done:
            store.append(SampleResult(
                task_id=task.task_id, mode=mode, sample=0, status="unsupported", outcome="unsupported",
                feedback=f"language {task.language!r} is not executed by the sandbox"))  # fmt: skip
    jobs = [
        {"id": f"{task.task_id}#{s}", "task": task.model_dump(), "sample": s}
        for task in executable
        for s in range(samples)
        if (mode, task.task_id, s) not in done
    ]
    work = JudgeWork(mode=mode, settings=settings, models=registered_models({model}))
    total = len(executable) * samples
    with _Progress(total, total - len(jobs), mode, progress, console) as bar:
        for record in run_batch(jobs, work, concurrency=concurrency, ray=ray):
            result = SampleResult.model_validate(record)
            store.append(result)
            bar.advance(result)
    summary = summarize(
        store.latest().values(),
        [t.task_id for t in tasks],
        benchmark=benchmark,
        model=model,
        mode=mode,
        samples=samples,
        hide_examples=hide_examples,
    )
    return summary.model_copy(update={"ran": len(jobs), "wall_s": round(time.monotonic() - started, 3)})


def _engine(name: str) -> Engine:
    try:
        return get_engine(name)  # type: ignore[arg-type]
    except SandboxUnavailable as error:
        raise EvalInputError(f"--sandbox {name}: {error}") from None


def _prompt_record(tasks: list[EvalTask]) -> dict[str, Any]:
    """Plain mode's exact messages for the first task, kept in run.json and shown in the report."""
    if not tasks:
        return {}
    messages = plain_messages(tasks[0])
    return {"task_id": tasks[0].task_id, "messages": [{"role": m.type, "content": m.content} for m in messages]}


@dataclass(frozen=True)
class JudgeWork:
    """An eval run's work for ``graphs.batch.run_batch``: picklable, so a Ray worker can open it on any node."""

    mode: str
    settings: EvalSettings
    models: dict[str, BaseChatModel] = field(default_factory=dict)  # registered in this process, shipped along

    @contextmanager
    def open(self, *, remote: bool) -> Iterator[_Judge]:
        """A judge using this node's sandbox engine (a Ray worker's own Docker engine, or its local one)."""
        if remote:
            register_models(self.models)
        yield _Judge(self.mode, self.settings, _engine(self.settings.sandbox))


class _Judge:
    """Answers one sample with the mode and judges it; every failure becomes a result, never an exception."""

    def __init__(self, mode: str, settings: EvalSettings, engine: Engine) -> None:
        self.mode = mode
        self.settings = settings
        self.engine = engine
        self.context = Context.for_every_role(
            settings.model, max_rounds=settings.max_rounds, sandbox=settings.sandbox, temperature=settings.temperature,
            revision_temperature=settings.revision_temperature, max_tokens=settings.max_tokens,
            candidates=settings.candidates,
        )  # fmt: skip

    def __call__(self, job: dict[str, Any]) -> dict[str, Any]:
        started = time.monotonic()
        task = EvalTask.model_validate(job["task"])
        base = {"task_id": task.task_id, "mode": self.mode, "sample": job["sample"]}
        try:
            result = self._judge(task, base)
        except Exception as error:
            result = _internal_error(base, error)
        return result.model_copy(update={"duration_s": round(time.monotonic() - started, 3)}).model_dump()

    def failure(self, job: dict[str, Any], error: BaseException) -> dict[str, Any]:
        base = {"task_id": job["task"]["task_id"], "mode": self.mode, "sample": job["sample"]}
        return _internal_error(base, error).model_dump()

    def forget(self, job_id: str) -> None:
        """Nothing to drop: a sample keeps no state between runs."""

    def _judge(self, task: EvalTask, base: dict[str, Any]) -> SampleResult:
        timeout_s = task.timeout(self.settings.timeout_s)  # the loop's executions and the judge's alike
        attempt = MODES[self.mode](task, replace(self.context, timeout_s=timeout_s))
        common = {
            **base, "rounds": attempt.rounds, "tokens": attempt.tokens, "code": attempt.code,
            "installs": attempt.installs,
        }  # fmt: skip
        if attempt.error:
            return SampleResult(
                **common, status="retry", outcome="model_error", feedback=attempt.error[:FEEDBACK_CHARS]
            )
        if attempt.code is None:
            return SampleResult(
                **common, status="failed", outcome="no_code", feedback="the model's answer held no code"
            )
        executed = self.engine.run(task.exec_request(attempt.code, timeout_s, attempt.installs))
        if executed.outcome is Outcome.SANDBOX_ERROR:
            status = "retry"
        else:
            status = "passed" if executed.passed else "failed"
        feedback = "" if executed.passed else executed.feedback(FEEDBACK_CHARS)
        return SampleResult(**common, status=status, outcome=executed.outcome.value, feedback=feedback)


def _internal_error(base: dict[str, Any], error: BaseException) -> SampleResult:
    """A sample whose answering or judging raised: retried by the next run of the same command."""
    return SampleResult(**base, status="retry", outcome="internal_error", feedback=f"{type(error).__name__}: {error}")


class _Progress:
    def __init__(self, total: int, done: int, mode: str, enabled: bool, console: Console | None) -> None:
        self.passed = 0
        self.progress = Progress(
            TextColumn(f"[bold]eval {mode}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[green]{task.fields[passed]} passed[/] this run"),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
        )
        self.task = self.progress.add_task(mode, total=total, completed=done, passed=0)

    def __enter__(self) -> Self:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def advance(self, result: SampleResult) -> None:
        self.passed += result.status == "passed"
        self.progress.update(self.task, advance=1, passed=self.passed)
