"""``run_batch`` on a Ray cluster: the jobs become a Ray Data stream mapped by a pool of async actors.

Imported only when a run asks for Ray (``batch.run_batch``). Each actor opens the batch's ``Work`` once (graph,
models, its node's sandbox engine) and runs many jobs at once on its own threads, the way one process does
without Ray.

Why the shape:
- One job per row and per block (``override_num_blocks``): a finished job leaves its worker at once and the
  driver stores it. A block of several jobs would hold finished ones back until its slowest was done, and a
  lost node would take them with it.
- Records travel as JSON text in one column: Arrow would otherwise infer a schema from the first record's nested
  messages and reject a later record whose nesting differs.
- Fault tolerance is Ray Data's own: pool actors restart (``max_restarts=-1``) and their tasks are retried on
  the nodes that remain (``max_task_retries=-1``), so a node lost mid-run costs only the jobs it had in flight,
  which run again elsewhere. The driver is the only writer: killed and rerun, the caller resumes from its log.
- ``AIEV_*`` variables of the driver are forwarded to the workers: a models file named by ``AIEV_MODELS`` must
  therefore be readable at that path on every node (the job's working directory, a shared mount).
- Jobs start flowing only once every pool actor is up (``wait_for_min_actors_s``): the first actor ready would
  otherwise take the whole stream while the others still import, and short batches would run on one node.
- Actors claim a fraction of a CPU (``RayOptions.worker_cpus``): their time goes to waiting on models and
  sandboxes, and whole CPUs on a small node would starve Ray Data's own tasks.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import ray
from ray.data import ActorPoolStrategy, DataContext

from ..sandbox.node_slots import SLOTS_ENV
from .batch import Job, RayOptions, RayUnavailableError, Record, Work, run_job, this_process

# aiev's own settings (AIEV_MODELS, AIEV_*_BASE_URL, ...) go with the job to every worker, as they would reach
# threads here; anything else (API keys) is the node's own environment or the job's runtime env.
FORWARDED_ENV = "AIEV_"
# How long the pool may take to start (each actor imports aiev and opens its node's sandbox engine) before the run
# is refused: a node that cannot host a worker should be named, not wait forever.
WORKERS_START_S = 600


class _Worker:
    """Ray Data's callable class: one per pool actor, holding one runner for all the jobs sent to it."""

    def __init__(self, work: Work, dialogues: int, env: dict[str, str]) -> None:
        os.environ.update(env)  # before the work opens: the sandbox engine and models read their settings then
        self._stack = ExitStack()  # held, never closed: the runner lives as long as the actor's process
        self._runner = self._stack.enter_context(work.open(remote=True))
        self._threads = ThreadPoolExecutor(max_workers=dialogues, thread_name_prefix="aiev-ray-job")
        self._worker = {**this_process(), "node": ray.get_runtime_context().get_node_id()}

    async def __call__(self, row: dict[str, Any]) -> dict[str, str]:
        job = json.loads(row["job"])
        record = await asyncio.get_running_loop().run_in_executor(
            self._threads, run_job, self._runner, job, self._worker
        )
        self._runner.forget(job["id"])  # nothing here outlives the actor: its record is on its way to the driver
        return {"record": json.dumps(record, ensure_ascii=False)}


def run(jobs: Sequence[Job], work: Work, *, concurrency: int, options: RayOptions) -> Iterator[Record]:
    connect(options.address)
    workers = options.workers or alive_nodes()
    dialogues = options.dialogues_per_worker(concurrency, workers)
    env = {name: value for name, value in os.environ.items() if name.startswith(FORWARDED_ENV)}
    if options.executions_per_node:
        env[SLOTS_ENV] = str(options.executions_per_node)
    data_context = DataContext.get_current()
    data_context.enable_progress_bars = False  # the caller shows its own progress
    data_context.wait_for_min_actors_s = WORKERS_START_S
    logging.getLogger("ray.data").setLevel(logging.WARNING)  # per-dataset INFO lines would cut through it too
    stream = ray.data.from_items(
        [{"job": json.dumps(job, ensure_ascii=False)} for job in jobs], override_num_blocks=len(jobs)
    ).map(
        _Worker,
        fn_constructor_kwargs={"work": work, "dialogues": dialogues, "env": env},
        # No job queued beyond what an actor runs: Ray Data sends a job to the actor beside its block (the driver's
        # node) while that one has room, so a queue there kept a 2-seed batch off the second node, and a queued
        # dialogue of minutes would wait behind another while an actor elsewhere idles.
        compute=ActorPoolStrategy(
            size=workers, max_tasks_in_flight_per_actor=dialogues, max_concurrent_calls_per_actor=dialogues
        ),
        num_cpus=options.worker_cpus,
    )
    try:
        for row in stream.iter_rows():
            yield json.loads(row["record"])
    except ray.exceptions.GetTimeoutError:
        raise RayUnavailableError(
            f"the Ray cluster did not start {workers} aiev workers ({options.worker_cpus} CPU each) within "
            f"{WORKERS_START_S} s: are aiev and its sandbox engine installed on every node, with CPUs to spare?"
        ) from None


def connect(address: str | None) -> None:
    """Join the cluster at ``address`` (None: ``RAY_ADDRESS``, else a new Ray on this machine) once per process."""
    if ray.is_initialized():
        return
    _check_listening(address or os.environ.get("RAY_ADDRESS"))
    try:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    except ray.exceptions.AuthenticationError as error:
        raise RayUnavailableError(
            f"the Ray cluster at {address or os.environ.get('RAY_ADDRESS', 'RAY_ADDRESS')} wants its auth token: "
            f"set RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH) to the token its nodes were started with ({error})"
        ) from None
    except (ConnectionError, ValueError, RuntimeError) as error:
        raise RayUnavailableError(f"cannot reach a Ray cluster at {address or 'RAY_ADDRESS'}: {error}") from None


def _check_listening(address: str | None) -> None:
    """Refuse at once an address where nothing listens: ``ray.init`` would retry it for minutes, printing only
    connection warnings. ``auto``, None and anything that is not HOST:PORT are left to Ray."""
    host, _, port = (address or "").removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except OSError as error:
        raise RayUnavailableError(
            f"no Ray cluster answers at {address} ({error.strerror or error}); start one with `ray start --head` "
            "or give the head node's address"
        ) from None


def alive_nodes() -> int:
    return sum(1 for node in ray.nodes() if node["Alive"])
