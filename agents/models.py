"""The model factory: a model name becomes a LangChain chat model.

Runs carry model *names* (``context.Context``); this module is the one place a name is resolved. Models
registered in-process win over the models file, which is how tests and the Python API inject scripted or
fake models under any name (including a name the file also defines) without a server. Everything else
becomes a ``ChatOpenAI``: the embedded llama.cpp server, vLLM (started by aiev or by the user) and OpenAI all speak
the same chat API, so the graphs never know which one they are talking to.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_openai import ChatOpenAI

from .endpoint_choice import choose_endpoint, in_flight
from .local_model.server import ensure_server, server_failure
from .model_specs import (
    LlamaCppSpec,
    ModelError,
    ModelSpec,
    OpenAICompatibleSpec,
    OpenAISpec,
    UnknownModelError,
    VllmCpuSpec,
    load_model_specs,
)

__all__ = [
    "MissingApiKeyError",
    "ModelError",
    "UnknownModelError",
    "failure_cause",
    "get_chat_model",
    "load_model_specs",
    "register_model",
    "register_models",
    "registered_model",
    "registered_models",
    "unregister_model",
]

_registry: dict[str, BaseChatModel] = {}
_clients: dict[str, ChatOpenAI] = {}  # by their exact settings (see _chat_openai)
_registry_lock = threading.Lock()

# vLLM's sampling parameters that keep added special tokens in the reply text exactly as generated (servers that
# do not know them ignore them): a student trained with the interpreter tokens asks for execution with them.
KEEP_SPECIAL_TOKENS = {"skip_special_tokens": False, "spaces_between_special_tokens": False}


class MissingApiKeyError(ModelError):
    def __init__(self, name: str, env: str) -> None:
        super().__init__(f"model {name!r} needs an API key in the environment variable {env}, which is not set")


def register_model(name: str, chat_model: BaseChatModel) -> None:
    """Serve ``chat_model`` for ``name`` in this process, shadowing any models-file entry of that name."""
    with _registry_lock:
        _registry[name] = chat_model


def unregister_model(name: str) -> None:
    """Forget an in-process model; a name that is not registered is left alone."""
    with _registry_lock:
        _registry.pop(name, None)


@contextmanager
def registered_model(name: str, chat_model: BaseChatModel) -> Iterator[BaseChatModel]:
    """``register_model`` for the duration of a ``with`` block (restores whatever was registered before)."""
    with _registry_lock:
        previous = _registry.get(name)
        _registry[name] = chat_model
    try:
        yield chat_model
    finally:
        with _registry_lock:
            if previous is None:
                _registry.pop(name, None)
            else:
                _registry[name] = previous


def register_models(models: Mapping[str, BaseChatModel]) -> None:
    """``register_model`` for each: how a Ray worker takes on the models its driver shipped (``registered_models``)."""
    with _registry_lock:
        _registry.update(models)


def registered_models(names: Iterable[str]) -> dict[str, BaseChatModel]:
    """The in-process models among ``names``: a run that leaves this process (Ray workers) ships them along, so a
    model registered here answers for its name on every worker too."""
    with _registry_lock:
        return {name: _registry[name] for name in names if name in _registry}


def get_chat_model(
    name: str,
    *,
    temperature: float = 0.0,
    max_tokens: int = 1024,
    models_file: str | Path | None = None,
    affinity: str | None = None,
) -> BaseChatModel:
    """The chat model called ``name``: a registered one as is, else one built from the models file.

    For an embedded (``llama_cpp``) model this starts its server on first use; later calls reuse it.
    ``models_file`` replaces the default models file (``$AIEV_MODELS`` or the bundled one). For an entry with
    several servers, the client of the one chosen for dialogue ``affinity`` (``endpoint_choice``): the same
    server for every request of a dialogue, the least-loaded one for a new dialogue or a request of none.
    """
    with _registry_lock:
        registered = _registry.get(name)
    if registered is not None:
        return registered
    specs = load_model_specs(models_file)
    spec = specs.get(name)
    if spec is None:
        with _registry_lock:
            known = sorted(set(specs) | set(_registry))
        raise UnknownModelError(name, known)
    return _chat_openai(name, spec, temperature=temperature, max_tokens=max_tokens, affinity=affinity)


def _chat_openai(
    name: str, spec: ModelSpec, *, temperature: float, max_tokens: int, affinity: str | None
) -> ChatOpenAI:
    """One client per distinct settings, reused: building a ``ChatOpenAI`` costs a few ms and a fresh HTTP
    connection pool, and a dialogue asks for its models at every turn."""
    common = {"model": spec.model, "temperature": temperature, "max_tokens": max_tokens, "max_retries": 2}
    if isinstance(spec, OpenAISpec):
        settings = {**common, "api_key": _api_key(name, spec.api_key_env)}
    else:
        # ChatOpenAI sends the cap as ``max_completion_tokens``, which some servers ignore (llama-cpp-python's)
        # (it would then generate until the context is full); ``max_tokens`` is understood by llama.cpp and vLLM.
        settings = {**common, "extra_body": {"max_tokens": max_tokens}}
        if isinstance(spec, LlamaCppSpec | VllmCpuSpec):  # the server is (re)started here when it is not running
            server = ensure_server(name, spec)
            settings |= {"base_url": server.base_url, "api_key": "local"}
            if isinstance(spec, LlamaCppSpec) and spec.special_tokens:  # --special prints the end-of-turn token too
                settings["stop"] = server.reply_stops
        else:
            assert isinstance(spec, OpenAICompatibleSpec)
            # Self-hosted servers usually run without a key; the client library still insists on a non-empty one.
            key = os.environ.get(spec.api_key_env) if spec.api_key_env else None
            endpoint = choose_endpoint(spec.resolved_base_urls(), affinity)
            settings |= {"base_url": endpoint, "api_key": key or "none"}
            if spec.special_tokens:
                settings["extra_body"] |= KEEP_SPECIAL_TOKENS
    cache_key = json.dumps(settings, sort_keys=True)
    with _registry_lock:
        client = _clients.get(cache_key)
        if client is None:
            # Every client of a server reports to that server's in-flight counter, the load endpoint_choice reads.
            callbacks = [in_flight(settings["base_url"])] if "base_url" in settings else None
            client = _clients[cache_key] = ChatOpenAI(**settings, callbacks=callbacks)
    return client


def failure_cause(name: str, error: BaseException) -> BaseException:
    """What to report for a failed call to model ``name``: when its embedded server died (a crash on the first
    matrix multiply surfaces in the client as a bare connection error), the crash with its signal and fix."""
    return server_failure(name) or error


def _api_key(name: str, env: str) -> str:
    key = os.environ.get(env)
    if not key:
        raise MissingApiKeyError(name, env)
    return key
