"""Serve a freshly trained student for the length of a block, so pipeline and evaluation reach it by name.

The student is a checkpoint directory, but generation and evaluation address models by models-file name
(``student``). Two ways to put it there:

- ``served_gguf`` (the default): the checkpoint is converted to GGUF (``student_gguf``) and aiev's own llama-server
  serves it, with ``--special`` so the interpreter tokens the student writes reach the client. The name resolves to
  it through an entry added for the block only (``model_specs.extra_model``) rather than by rewriting the user's
  models file or pointing ``AIEV_MODELS`` at a generated copy: the user's file stays the one source of every other
  model, nothing is left behind after a crash, and the entry lives in the environment, so processes started meanwhile
  (Ray workers, which get every ``AIEV_*`` variable) resolve ``student`` to the same file. A registered chat model
  (``register_model``) would not do: it fixes temperature and max_tokens for every caller and cannot start a server
  in another process. The server is started when the block opens (a model that cannot load fails the step there)
  and stopped when it closes.
- ``served`` (``--serve-student``): the user supplies the serving command as a template (e.g.
  ``vllm serve {model} --port 8001 --served-model-name student``) and the models file's ``student`` entry says where
  it answers; it is started in its own process group, awaited until the endpoint's ``/models`` answers, and stopped
  with its whole group afterwards. For GPUs (vLLM) or any server aiev does not run itself.
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

from ..agents.local_model.server import ensure_server, stop_server
from ..agents.model_specs import LlamaCppSpec, OpenAICompatibleSpec, extra_model, load_model_specs
from .errors import TrainingInputError
from .student_gguf import OutType, student_gguf


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


@contextmanager
def served_gguf(checkpoint: Path, name: str, *, outtype: OutType = "f16", parallel: int = 4) -> Iterator[Path]:
    """``checkpoint`` converted to GGUF and served by aiev's llama-server as model ``name`` for the block; yields
    the GGUF file. The student writes the interpreter tokens, so the entry keeps them (``special_tokens``)."""
    gguf = student_gguf(checkpoint, outtype)
    spec = LlamaCppSpec(provider="llama_cpp", model=name, path=gguf.resolve(), parallel=parallel, special_tokens=True)
    with extra_model(name, spec):
        try:
            ensure_server(name, spec)
            yield gguf
        finally:
            stop_server(name)


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
