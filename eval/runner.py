"""``evaluate``: answer every task with a mode, judge each answer with the task's hidden tests in the sandbox.

Samples run concurrently (``concurrency`` threads; model calls and sandbox runs both release the GIL).
Each judged sample is appended to the results log at once, so an interrupted run loses at most the samples
in flight and a rerun with the same output directory does only what is missing.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any, Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from ..agents.context import Context
from ..agents.models import get_chat_model
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
    benchmark: str = "tasks",
    progress: bool = False,
    console: Console | None = None,
) -> EvalSummary:
    """pass@k of ``model`` on ``tasks`` in ``mode``; with ``out`` the run is logged there and resumable.

    ``samples`` > 1 needs ``temperature`` > 0 (greedy samples are identical). ``hide_examples`` shows every prompt
    without its examples (``hidden_examples``: the statement alone, so CoderGen's tests come from its test writer);
    the setting is pinned in ``run.json`` and named in the summaries. ``candidates``: the CoderGen programmer's
    replies per turn (``Context.candidates``). Raises ``EvalInputError`` for unusable settings
    and ``ModelError`` for an unknown model, before any sample runs.
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
    engine = _engine(sandbox)
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
    jobs = [(task, s) for task in executable for s in range(samples) if (mode, task.task_id, s) not in done]
    judge = _Judge(mode, settings, engine)
    total = len(executable) * samples
    with (
        _Progress(total, total - len(jobs), mode, progress, console) as bar,
        ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="aiev-eval") as pool,
    ):
        for future in as_completed([pool.submit(judge, task, s) for task, s in jobs]):
            result = future.result()
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

    def __call__(self, task: EvalTask, sample: int) -> SampleResult:
        started = time.monotonic()
        base = {"task_id": task.task_id, "mode": self.mode, "sample": sample}
        try:
            result = self._judge(task, base)
        except Exception as error:
            result = SampleResult(
                **base, status="retry", outcome="internal_error", feedback=f"{type(error).__name__}: {error}"
            )
        return result.model_copy(update={"duration_s": round(time.monotonic() - started, 3)})

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
