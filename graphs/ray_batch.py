"""``run_batch`` on a Ray cluster: the jobs go to a pool of Ray actors, each running many of them at once.

Imported only when a run asks for Ray (``batch.run_batch``). Each actor opens the batch's ``Work`` once (graph,
models, its node's sandbox engine) and runs up to its share of the run's concurrency on its own threads, the way one
process does without Ray.

Why the shape:
- Ray Core actors fed by Ray's ``ActorPool``, not a Ray Data stream: measured on 2 cores (``bench/ray_scaling.py``)
  the same actors behind Ray Data ran at 0.79x one process (6 runs), this pool at 0.94x (6 runs). Ray Data
  starts four helper actors of its own (stats, autoscaling, usage, locations) on the job's cores and its executor
  loop polls every in-flight task; a batch of independent jobs whose records go straight to the driver uses none of
  its planning, so the pool is all it needs.
- The pool holds each actor ``dialogues`` times, one entry per slot: a job goes to a free slot the moment one
  frees, never queued behind a dialogue of minutes while an actor elsewhere idles; slots of the actors interleave,
  so a short batch spreads over every node.
- A finished job leaves its actor at once and the driver stores it: records come back one by one, in the order
  they finish.
- Fault tolerance is Ray's own: actors restart (``max_restarts=-1``, spread over the nodes that remain) and their
  in-flight calls are retried there (``max_task_retries=-1``), so a node lost mid-run costs only the jobs it had in
  flight, which run again elsewhere. The driver is the only writer: killed and rerun, the caller resumes from its
  log. Its actors die with it, and with the batch's end (killed here, so that a process running many batches does
  not collect pools).
- ``AIEV_*`` variables of the driver are forwarded to the workers: a models file named by ``AIEV_MODELS`` must
  therefore be readable at that path on every node (the job's working directory, a shared mount).
- Jobs start flowing only once every actor is up: the first actor ready would otherwise take a short batch whole
  while the others still import, and short batches would run on one node.
- Actors claim a fraction of a CPU (``RayOptions.worker_cpus``): their time goes to waiting on models and
  sandboxes, and with whole CPUs an actor restarted from a lost node would find no room on a small node.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import ExitStack

import ray
from ray.util import ActorPool

from ..sandbox.node_slots import SLOTS_ENV
from .batch import Job, RayOptions, RayUnavailableError, Record, Work, run_job, this_process

# aiev's own settings (AIEV_MODELS, AIEV_*_BASE_URL, ...) go with the job to every worker, as they would reach
# threads here; anything else (API keys) is the node's own environment or the job's runtime env.
FORWARDED_ENV = "AIEV_"
# How long the pool may take to start (each actor imports aiev and opens its node's sandbox engine) before the run
# is refused: a node that cannot host a worker should be named, not wait forever.
WORKERS_START_S = 600


class _Worker:
    """One pool actor: one runner for every job sent to it, run on Ray's threads (``max_concurrency``)."""

    def __init__(self, work: Work, env: dict[str, str]) -> None:
        os.environ.update(env)  # before the work opens: the sandbox engine and models read their settings then
        self._stack = ExitStack()  # held, never closed: the runner lives as long as the actor's process
        self._runner = self._stack.enter_context(work.open(remote=True))
        self._worker = {**this_process(), "node": ray.get_runtime_context().get_node_id()}

    def run(self, job: Job) -> Record:
        record = run_job(self._runner, job, self._worker)
        self._runner.forget(job["id"])  # nothing here outlives the actor: its record is on its way to the driver
        return record


def run(jobs: Iterator[Job], work: Work, *, concurrency: int, options: RayOptions) -> Iterator[Record]:
    connect(options.address)
    workers = options.workers or alive_nodes()
    dialogues = options.dialogues_per_worker(concurrency, workers)
    env = {name: value for name, value in os.environ.items() if name.startswith(FORWARDED_ENV)}
    if options.executions_per_node:
        env[SLOTS_ENV] = str(options.executions_per_node)
    actor_class = ray.remote(_Worker).options(
        num_cpus=options.worker_cpus,
        max_concurrency=dialogues,
        max_restarts=-1,
        max_task_retries=-1,
        scheduling_strategy="SPREAD",
    )
    actors = [actor_class.remote(work, env) for _ in range(workers)]
    try:
        _wait_until_up(actors, options.worker_cpus)
        pool = ActorPool([actor for _ in range(dialogues) for actor in actors])

        def fill() -> None:  # a job only for a free slot: ``jobs`` is pulled lazily (``batch.run_batch``)
            while pool.has_free() and (job := next(jobs, None)) is not None:
                pool.submit(lambda actor, job: actor.run.remote(job), job)

        fill()
        while pool.has_next():
            yield pool.get_next_unordered()
            fill()
    finally:
        for actor in actors:
            ray.kill(actor)


def _wait_until_up(actors: list, worker_cpus: float) -> None:
    try:
        ray.get([actor.__ray_ready__.remote() for actor in actors], timeout=WORKERS_START_S)
    except ray.exceptions.GetTimeoutError:
        raise RayUnavailableError(
            f"the Ray cluster did not start {len(actors)} aiev workers ({worker_cpus} CPU each) within "
            f"{WORKERS_START_S} s: are aiev and its sandbox engine installed on every node, with CPUs to spare?"
        ) from None
    except ray.exceptions.RayActorError as error:
        if not error.actor_init_failed:
            raise
        # The worker's own exception is the message's last line; the rest is Ray's framing and the traceback.
        raise RayUnavailableError(
            f"an aiev worker could not start on the Ray cluster: {error.error_msg.strip().splitlines()[-1]}"
        ) from error


def connect(address: str | None) -> None:
    """Join the cluster at ``address`` (None: ``RAY_ADDRESS``, else a new Ray on this machine) once per process."""
    if ray.is_initialized():
        return
    where = address or os.environ.get("RAY_ADDRESS")
    _check_listening(where)
    token = "set RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH) to the token its nodes were started with"
    try:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    except ray.exceptions.AuthenticationError as error:
        raise RayUnavailableError(
            f"the Ray cluster at {where or 'RAY_ADDRESS'} wants its auth token: {token} ({error})"
        ) from None
    except (ConnectionError, ValueError, RuntimeError) as error:
        # Something listens there (checked above), and Ray answers a token it rejects (a stale ~/.ray/auth_token
        # left by an earlier local Ray, another cluster's RAY_AUTH_TOKEN) with this same error: say so.
        raise RayUnavailableError(
            f"cannot reach a Ray cluster at {where or 'RAY_ADDRESS'}: {error}. If the cluster uses token auth, the "
            f"token this process found may be another cluster's: {token} (without either, Ray reads "
            "~/.ray/auth_token)"
        ) from None


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
