"""The batch runner: many independent jobs (a seed's dialogue, an eval sample), on threads here or on a Ray cluster.

This is the one seam behind which aiev scales out: ``aiev generate`` and ``aiev eval`` describe their work once
(a picklable ``Work``) and get finished records back as they come, wherever they ran. The caller stores each
record itself, in its own results log, so a run on Ray writes the same files, with the same schema, as a run on
one machine, and resuming stays the caller's job: it passes only the jobs its log does not hold yet. Only the
driver writes; workers need no access to the output directory.

Every record gains a ``worker`` entry (host, pid, and the Ray node id on Ray) saying where it was made.
Without ``RayOptions`` nothing here imports Ray; with them ``ray_batch`` runs the same ``Work`` on a pool of Ray
actors, each running many jobs at once (see there for the shape and fault tolerance).
"""

from __future__ import annotations

import math
import os
import socket
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager
from itertools import chain
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

Job = dict[str, Any]  # JSON-able, with a unique "id"
Record = dict[str, Any]  # JSON-able


class RayUnavailableError(RuntimeError):
    """The Ray cluster named by the run cannot be reached or refuses this driver (raised before any job runs)."""


class Runner(Protocol):
    """Turns one job into its record. Built once per process (per Ray actor), called from many threads."""

    def __call__(self, job: Job) -> Record: ...

    def failure(self, job: Job, error: BaseException) -> Record:
        """The record of a job whose run raised: a failed record, never a failed batch."""
        ...

    def forget(self, job_id: str) -> None:
        """Drop what the runner kept to resume ``job_id`` (checkpoints): its record has been stored."""
        ...


class Work(Protocol):
    """A batch's work, picklable so that Ray can ship it to every worker process."""

    def open(self, *, remote: bool) -> AbstractContextManager[Runner]:
        """A runner for this process. ``remote``: a Ray worker, possibly on another machine, so anything the
        runner keeps must live in the worker (not in the caller's output directory)."""
        ...


class RayOptions(BaseModel):
    """Where and how wide a batch runs on Ray. ``concurrency`` (the caller's) stays the number of jobs in flight
    in all; it is split evenly over the workers."""

    model_config = ConfigDict(frozen=True)

    address: str | None = Field(
        default=None,
        description="ray.init address (auto, HOST:PORT, ray://...); None: RAY_ADDRESS, else a new local Ray.",
    )
    workers: int | None = Field(default=None, ge=1, description="Actors in the pool; None: one per alive node.")
    worker_cpus: float = Field(
        default=0.25,
        gt=0,
        description="CPUs each actor claims. Its work waits on models and sandboxes, so a fraction: with whole CPUs "
        "an actor restarted from a lost node would find no room on a small node and the job would wait for one.",
    )
    executions_per_node: int | None = Field(
        default=None, ge=1, description="Programs run at once on one node, over all its workers; None: no cap."
    )

    def dialogues_per_worker(self, concurrency: int, workers: int) -> int:
        return max(1, math.ceil(concurrency / workers))


def run_batch(jobs: Iterable[Job], work: Work, *, concurrency: int, ray: RayOptions | None = None) -> Iterator[Record]:
    """Every job's record, in the order they finish. The caller must store a record before asking for the next
    one: only then is the job's resume state dropped (``Runner.forget``).

    ``jobs`` is pulled lazily, one job each time a slot frees and only after the caller has stored the record that
    freed it, so a generator of jobs can stop the batch (``aiev generate --until-verified``): once it ends, the jobs
    in flight finish and nothing else starts. Nothing is opened (models, Ray workers) when it holds no job."""
    pending = iter(jobs)
    first = next(pending, None)
    if first is None:
        return iter(())
    pending = chain([first], pending)
    if ray is not None:
        from . import ray_batch  # Ray is imported only when asked for

        return ray_batch.run(pending, work, concurrency=concurrency, options=ray)
    return _run_here(pending, work, concurrency)


def run_job(runner: Runner, job: Job, worker: dict[str, str | int]) -> Record:
    """One job through ``runner``, whatever it raises, its record marked with the ``worker`` that made it (host,
    process, Ray node): both paths use this, so they agree on failures and a sample can be traced to its node."""
    try:
        record = runner(job)
    except Exception as error:
        record = runner.failure(job, error)
    return {**record, "worker": worker}


def this_process() -> dict[str, str | int]:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _run_here(jobs: Iterator[Job], work: Work, concurrency: int) -> Iterator[Record]:
    with (
        work.open(remote=False) as runner,
        ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="aiev-job") as pool,
    ):
        worker = this_process()
        running: dict[Future[Record], str] = {}

        def fill() -> None:
            while len(running) < concurrency and (job := next(jobs, None)) is not None:
                running[pool.submit(run_job, runner, job, worker)] = job["id"]

        fill()
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                yield future.result()
                runner.forget(running.pop(future))
            fill()
