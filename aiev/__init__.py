"""aiev: execution-feedback coding agents on LangGraph.

The public API, re-exported lazily (PEP 562) so that ``import aiev`` and the CLI start fast and a user who only
wants the sandbox does not pay for LangGraph, datasets or torch imports::

    from aiev import Context, generate_one, register_model
    state = generate_one("def add(a, b):\n    return a + b\n", Context(sandbox="local"))
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # run configuration and models
    "Context": "aiev.agents.context",
    "get_chat_model": "aiev.agents.models",
    "register_model": "aiev.agents.models",
    "unregister_model": "aiev.agents.models",
    "registered_model": "aiev.agents.models",
    "ScriptedChatModel": "aiev.agents.scripted",
    # code interpreter
    "ExecRequest": "aiev.sandbox.types",
    "ExecResult": "aiev.sandbox.types",
    "Limits": "aiev.sandbox.types",
    "Outcome": "aiev.sandbox.types",
    "get_engine": "aiev.sandbox.engine",
    # AIEV-Instruct
    "build_graph": "aiev.graphs.aiev_instruct",
    "generate_one": "aiev.graphs.aiev_instruct",
    "PipelineConfig": "aiev.graphs.pipeline",
    "RunSummary": "aiev.graphs.pipeline",
    "run_pipeline": "aiev.graphs.pipeline",
    "RayOptions": "aiev.graphs.batch",
    "load_seeds": "aiev.graphs.seeds",
    "harvest": "aiev.graphs.seeds",
    # CoderGen and evaluation
    "solve": "aiev.graphs.codergen",
    "solve_react": "aiev.graphs.codergen_react",
    "CoderGenResult": "aiev.graphs.codergen",
    "evaluate": "aiev.eval",
    "load_benchmark": "aiev.eval",
    "EvalTask": "aiev.eval",
    "EvalSummary": "aiev.eval",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aiev' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
