"""``aiev generate``: run AIEV-Instruct over many seeds, concurrently, resumable after any crash.

Durability has two layers. The results log (``results.jsonl``, whole fsynced lines) is the source of
truth for finished seeds; ``samples.jsonl``, ``discards.jsonl``, ``stats.json`` and ``report.html`` are
rebuilt from it atomically, so they can never disagree with it or hold a seed twice. The LangGraph SQLite
checkpointer (thread id = seed id) holds dialogues still in flight, so a seed interrupted after five
rounds resumes at round six; a seed's checkpoints are dropped once its result is logged. On Ray (``ray=``, see
``graphs/batch.py``) the dialogues run on the cluster's workers, whose checkpoints live in their memory: a dialogue
lost with its node starts again from its first turn, and the results log, written here by the driver, stays the one
source of truth.

Failures that say nothing about the seed (model endpoint down, sandbox broken, an unexpected exception)
are logged as discards with a *retryable* reason: the next run of the same command tries those seeds
again from scratch, and the rebuilt files keep only each seed's latest result.

Each log record also names the invocation (session) that finished it and how long that session had run by then,
so the wall time of a run resumed over several sessions, killed ones included, is the sum over sessions of their
last record's elapsed time (``bench/generation_yield.py`` reports samples per hour from it). A dialogue's own
``duration_s`` counts what a killed run of it had spent before (the span of its checkpoints) with the resume.
"""

from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import messages_to_dict
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver
from pydantic import BaseModel, ConfigDict, Field
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
from ..agents.state import Seed
from .aiev_instruct import build_graph
from .batch import RayOptions, run_batch
from .durable import JsonlLog, atomic_write_jsonl, checkpoint_connection
from .parameter_coverage import unexercised_parameters
from .presets import ROLES
from .report import compute_stats, passed_against_seed, write_stats
from .seeds import SeedFormat, load_seeds
from .state import Stage, State

RETRYABLE = frozenset({"model_error", "sandbox_error", "internal_error"})


class PipelineConfig(BaseModel):
    """Everything one generation run needs; the CLI and the training loop build one of these."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    seeds: Path
    out: Path
    format: SeedFormat = "auto"
    limit: int | None = Field(default=None, ge=1)
    concurrency: int = Field(default=2, ge=1, le=256)
    stage: Stage = "teaching"
    context: Context = Field(default_factory=Context)
    ray: RayOptions | None = None  # None: threads in this process; else the seeds run on a Ray cluster
    progress: bool = True
    # Start no further seed once the selected seeds hold this many verified samples (earlier runs' included); the
    # dialogues already in flight finish, so a run may end with up to ``concurrency - 1`` more. None: every seed.
    until_verified: int | None = Field(default=None, ge=1)


class RunSummary(BaseModel):
    out: Path
    selected: int  # seeds after dedup and --limit
    already_done: int  # finished in an earlier run, not redone
    ran: int  # finished by this run
    not_started: int  # seeds left unrun because ``until_verified`` was reached; a rerun with a higher one runs them
    # The selected seeds up to the last one with a result: seeds are drawn in order, so these are the ones taken
    # (the training loop's next batch starts after them).
    reached: int
    passed: int  # over the whole output directory
    discarded: int
    retryable: int  # discards that the next run will retry (model / sandbox failures)
    stats: dict[str, Any]
    first_error: str | None = None  # one retryable error message, to tell the user why


def run_pipeline(config: PipelineConfig, *, console: Console | None = None) -> RunSummary:
    """Generate verified samples for the configured seeds into ``config.out``, skipping finished ones.

    Raises ``SeedsError`` for unusable seeds and ``ModelError`` when a role names an unknown model,
    before any work starts.
    """
    started = time.monotonic()
    session = uuid.uuid4().hex[:12]
    seeds = load_seeds(config.seeds, config.format)[: config.limit]
    _check_models(config.context)
    config.out.mkdir(parents=True, exist_ok=True)
    log = JsonlLog(config.out / "results.jsonl")
    done = {seed_id: record for seed_id, record in _latest(log).items() if record["reason"] not in RETRYABLE}
    todo = [seed for seed in seeds if seed["id"] not in done]
    earlier = [done[seed["id"]] for seed in seeds if seed["id"] in done]

    work = SeedWork(
        context=config.context,
        stage=config.stage,
        checkpoints=config.out / "checkpoints.sqlite",
        models=registered_models({config.context.model_for(role) for role in ROLES}),
    )
    verified = sum(record["status"] == "passed" for record in earlier)
    ran = 0

    def wanted() -> Iterator[Seed]:
        """The seeds still to run, drawn by ``run_batch`` one per free slot: stops once enough are verified."""
        for seed in todo:
            if config.until_verified is not None and verified >= config.until_verified:
                return
            yield seed

    with _RunProgress(len(seeds), earlier, config.progress, console) as progress:
        for record in run_batch(wanted(), work, concurrency=config.concurrency, ray=config.ray):
            record["session"] = {"id": session, "elapsed_s": round(time.monotonic() - started, 3)}
            log.append(record)
            progress.advance(record)
            ran += 1
            verified += record["status"] == "passed"

    latest = _latest(log)
    records = list(latest.values())
    reached = max((position + 1 for position, seed in enumerate(seeds) if seed["id"] in latest), default=0)
    _write_outputs(config.out, records)
    stats = compute_stats(records, time.monotonic() - started)
    write_stats(config.out, stats, records)
    retryable = [r for r in records if r["reason"] in RETRYABLE]
    return RunSummary(
        out=config.out,
        selected=len(seeds),
        already_done=len(seeds) - len(todo),
        ran=ran,
        not_started=len(todo) - ran,
        reached=reached,
        passed=stats["passed"],
        discarded=stats["discarded"],
        retryable=len(retryable),
        stats=stats,
        first_error=retryable[0]["last_error"] if retryable else None,
    )


def _check_models(context: Context) -> None:
    """Resolve every role's model name up front: a typo should stop the run, not discard every seed."""
    for role in ROLES:
        get_chat_model(context.model_for(role), temperature=context.temperature, max_tokens=context.max_tokens)


def _latest(log: JsonlLog) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for record in log.records():
        latest[record["seed_id"]] = record
    return latest


@dataclass(frozen=True)
class SeedWork:
    """A generation run's work for ``batch.run_batch``: picklable, so a Ray worker can open it on any node."""

    context: Context
    stage: Stage
    checkpoints: Path  # the run's SQLite checkpoints; used by the driver's own process only
    models: dict[str, BaseChatModel] = field(default_factory=dict)  # registered in this process, shipped along

    @contextmanager
    def open(self, *, remote: bool) -> Iterator[_SeedRunner]:
        """A runner whose dialogues resume mid-way from the run's SQLite checkpoints, or, on a Ray worker (which
        may not see the output directory), from checkpoints in memory: a dialogue lost with its node restarts."""
        if not remote:
            connection = checkpoint_connection(self.checkpoints)
            try:
                yield _SeedRunner(SqliteSaver(connection), self.context, self.stage)
            finally:
                connection.close()
            return
        register_models(self.models)
        yield _SeedRunner(InMemorySaver(), self.context, self.stage)


class _SeedRunner:
    """Runs (or resumes) one seed's dialogue and turns the final state into a results-log record."""

    def __init__(self, checkpointer: BaseCheckpointSaver, context: Context, stage: Stage) -> None:
        self.graph = build_graph(checkpointer=checkpointer)
        self.checkpointer = checkpointer
        self.context = context
        self.stage = stage

    def __call__(self, seed: Seed) -> dict[str, Any]:
        started = time.monotonic()
        config = {"configurable": {"thread_id": seed["id"]}}
        earlier = 0.0
        try:
            state, earlier = self._finish(seed, config)
        except Exception as error:
            state = _failed(seed, error)
        return to_record(seed, state, self.context, earlier + time.monotonic() - started)

    def failure(self, seed: Seed, error: BaseException) -> dict[str, Any]:
        return to_record(seed, _failed(seed, error), self.context, 0.0)

    def forget(self, seed_id: str) -> None:
        self.checkpointer.delete_thread(seed_id)

    def _finish(self, seed: Seed, config: dict[str, Any]) -> tuple[State, float]:
        """The dialogue's final state, and the seconds an interrupted run of it had already spent (0 for a fresh one):
        the span of its checkpoints, so that a dialogue resumed after a kill records its whole duration, not the
        resume's alone."""
        snapshot = self.graph.get_state(config)
        verdict = snapshot.values.get("verdict")
        if verdict and verdict["reason"] in RETRYABLE:
            self.checkpointer.delete_thread(seed["id"])  # start over: the failure was not the dialogue's
        elif snapshot.next:
            earlier = self._spent(config)
            return self.graph.invoke(None, config, context=self.context), earlier  # resume mid-dialogue
        elif verdict:
            return snapshot.values, self._spent(config)  # finished just before a crash, not yet logged
        return self.graph.invoke({"seed": seed, "stage": self.stage}, config, context=self.context), 0.0

    def _spent(self, config: dict[str, Any]) -> float:
        """Seconds between the thread's first and last checkpoint (their ``created_at`` timestamps)."""
        times = [datetime.fromisoformat(s.created_at) for s in self.graph.get_state_history(config) if s.created_at]
        return (max(times) - min(times)).total_seconds() if times else 0.0


def _failed(seed: Seed, error: BaseException) -> State:
    """The state of a dialogue that raised: discarded as ``internal_error`` (retried by the next run). The message
    says where aiev's code raised it, since the dialogue's state is not kept: a seed of session 25's measured loop
    failed with ``TypeError: 'NoneType' object is not iterable`` and nothing else to go on."""
    return {
        "seed": seed,
        "verdict": {
            "status": "discarded",
            "reason": "internal_error",
            "last_error": f"{type(error).__name__}: {error}{_raised_at(error)}",
        },
    }


def _raised_at(error: BaseException, frames: int = 4) -> str:
    """`` (at graphs/x.py:12 in node -> agents/y.py:34 in helper)``: the innermost ``frames`` frames of the traceback
    that are aiev's own code (a library's frames name no place to fix), outermost first; empty when there are none."""
    root = Path(__file__).resolve().parents[1]
    own = []
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(root) and not path.is_relative_to(root / ".venv"):
            own.append(f"{path.relative_to(root)}:{frame.lineno} in {frame.name}")
    return f" (at {' -> '.join(own[-frames:])})" if own else ""


def to_record(seed: Seed, state: State, context: Context, duration_s: float) -> dict[str, Any]:
    """The results-log line for a finished dialogue: the full sample plus what the statistics need."""
    verdict = state.get("verdict") or {"status": "discarded", "reason": "internal_error", "last_error": "no verdict"}
    passed = verdict["status"] == "passed"
    return {
        "seed_id": seed["id"],
        "seed": seed,
        "status": verdict["status"],
        "reason": verdict["reason"],
        "last_error": verdict["last_error"],
        "stage": state.get("stage"),
        "rounds": state.get("round", 0),
        "models": {role: context.model_for(role) for role in ROLES},
        "messages": messages_to_dict(state.get("messages", [])),
        "problem": state.get("problem"),
        "entry_point": state.get("entry_point"),
        "solution": state.get("solution"),
        "tests": state.get("tests"),
        "setup": state.get("setup", []),
        "executions": state.get("executions", []),
        "blamed_tests": state.get("blamed_tests", []),
        # what the verification says nothing about (``parameter_coverage``); passed dialogues only
        "unexercised_parameters": (
            unexercised_parameters(state.get("solution", ""), state.get("tests", ""), state.get("entry_point"))
            if passed
            else []
        ),
        "tokens": state.get("tokens", {}),
        "duration_s": round(duration_s, 3),
    }


def _write_outputs(out: Path, records: list[dict[str, Any]]) -> None:
    """samples.jsonl (verified dialogues) and discards.jsonl (reason + last error), rebuilt from the log."""
    samples = [
        {
            **{key: r[key] for key in ("seed_id", "seed", "stage", "rounds", "models", "messages", "blamed_tests")},
            "unexercised_parameters": r.get("unexercised_parameters", []),  # absent from records written before it
            "seed_checked": passed_against_seed(r),
            "tokens": r["tokens"],
        }
        for r in records
        if r["status"] == "passed"
    ]
    discards = [
        {key: r[key] for key in ("seed_id", "seed", "reason", "last_error", "rounds", "messages")}
        for r in records
        if r["status"] != "passed"
    ]
    atomic_write_jsonl(out / "samples.jsonl", samples)
    atomic_write_jsonl(out / "discards.jsonl", discards)


class _RunProgress:
    """Rich progress: seeds done of total, passed, discarded and mean rounds; silent when disabled.

    Seeds finished by an earlier run are counted from the start, so a resumed run shows the whole picture.
    """

    def __init__(self, total: int, earlier: list[dict[str, Any]], enabled: bool, console: Console | None) -> None:
        self.counts = {"passed": 0, "discarded": 0, "rounds": 0, "finished": 0}
        self.progress = Progress(
            TextColumn("[bold]generate"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[green]{task.fields[passed]} passed[/] [red]{task.fields[discarded]} discarded[/]"),
            TextColumn("{task.fields[rounds]} rounds/seed"),
            TimeElapsedColumn(),
            console=console,
            disable=not enabled,
        )
        self.task = self.progress.add_task("generate", total=total, passed=0, discarded=0, rounds="-")
        for record in earlier:
            self.advance(record)

    def __enter__(self) -> Self:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def advance(self, record: dict[str, Any]) -> None:
        self.counts["passed" if record["status"] == "passed" else "discarded"] += 1
        self.counts["rounds"] += record["rounds"]
        self.counts["finished"] += 1
        mean = self.counts["rounds"] / self.counts["finished"]
        self.progress.update(
            self.task, advance=1, passed=self.counts["passed"], discarded=self.counts["discarded"], rounds=f"{mean:.1f}"
        )
