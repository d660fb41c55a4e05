"""Serve a freshly trained student for the length of a block, so pipeline and evaluation reach it by name.

The student is a checkpoint directory, but generation and evaluation address models by ``configs/models.yaml``
name (``student``: an OpenAI-compatible endpoint). The user supplies the serving command as a template
(e.g. ``vllm serve {model} --port 8001 --served-model-name student``); it is started in its own process
group, awaited until the endpoint's ``/models`` answers, and stopped with its whole group afterwards.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from ..agents.model_specs import OpenAICompatibleSpec, load_model_specs
from .errors import TrainingInputError


def endpoint_of(name: str) -> str:
    spec = load_model_specs().get(name)
    if not isinstance(spec, OpenAICompatibleSpec):
        raise TrainingInputError(
            f"model {name!r} must be an openai_compatible entry of the models file to serve the student"
        )
    urls = spec.resolved_base_urls()
    if len(urls) > 1:
        raise TrainingInputError(
            f"model {name!r} lists {len(urls)} servers; --serve-student starts one, so the entry must name one"
        )
    return urls[0].rstrip("/")


@contextmanager
def served(command_template: str, model: str, name: str, log: Path, timeout_s: float = 900.0) -> Iterator[None]:
    """Run ``command_template`` with ``{model}`` filled until the endpoint of ``name`` answers; stop it on exit."""
    health = endpoint_of(name) + "/models"
    argv = shlex.split(command_template.format(model=model))
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as sink:
        try:
            process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as error:
            raise TrainingInputError(f"--serve-student {command_template!r}: cannot start ({error})") from None
    try:
        _wait_ready(process, health, timeout_s, log)
        yield
    finally:
        _stop(process)


def _wait_ready(process: subprocess.Popen, health: str, timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TrainingInputError(f"the student server exited with code {process.returncode}; see {log}")
        try:
            if httpx.get(health, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1.0)
    raise TrainingInputError(f"the student server did not answer at {health} within {timeout_s:.0f}s; see {log}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
