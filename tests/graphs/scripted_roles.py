"""Canned replies and per-role scripted models shared by the graph and pipeline tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiev.agents.context import Context
from aiev.agents.dialogue import speaker_of
from aiev.agents.models import register_model, unregister_model
from aiev.agents.scripted import ScriptedChatModel
from aiev.graphs.aiev_instruct import build_graph

ROLES = ("questioner", "programmer", "test_writer", "error_analyst")

PROBLEM = "Write a function that adds two integers.\n```python\ndef add(a: int, b: int) -> int:\n```"
GOOD_CODE = "Here you go:\n```python\ndef add(a, b):\n    return a + b\n```"
BAD_CODE = "```python\ndef add(a, b):\n    return a - b\n```"
# Distinct wrong revisions: a revision identical to code that just failed is not run again.
BAD_CODES = [f"```python\ndef add(a, b):\n    return a - b - {i}\n```" for i in range(7)]
GOOD_TESTS = "```python\ndef test_add():\n    assert add(1, 2) == 3\n    assert add(-1, 1) == 0\n```"
BAD_TESTS = "```python\nassert add(1, 2) == 4\nassert add(0, 0) == 0\n```"
BLAME_CODE = "add subtracts instead of adding.\nFAULT: code"
BLAME_TEST = "The assert expects 1 + 2 == 4, which contradicts the problem.\nFAULT: test"
SEED = {"id": "s1", "snippet": "def plus(x, y):\n    return x + y", "source": "test"}


@dataclass
class Scripted:
    context: Context
    models: dict[str, ScriptedChatModel]


class ScriptedRoles:
    """Registers one scripted model per role under unique names; ``close`` unregisters them all."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, **scripts: Sequence[str] | Callable | dict) -> Scripted:
        models = {role: ScriptedChatModel(script=scripts.get(role, [])) for role in ROLES}
        settings: dict[str, object] = {"sandbox": "local", "timeout_s": 10.0}
        for role, model in models.items():
            name = f"scripted-{role}-{uuid.uuid4().hex[:8]}"
            register_model(name, model)
            self.names.append(name)
            settings[f"{role}_model"] = name
        settings.update(scripts.get("context", {}))  # type: ignore[arg-type]
        return Scripted(Context.from_mapping(settings), models)

    def close(self) -> None:
        for name in self.names:
            unregister_model(name)


def run_seed(scripted: Scripted, seed: dict = SEED) -> dict:
    """One AIEV-Instruct dialogue on ``seed``; every role must have used its whole script."""
    state = build_graph().invoke({"seed": seed, "stage": "teaching"}, context=scripted.context)
    for role, model in scripted.models.items():
        assert len(model.calls) == len(model.script), f"{role} used {len(model.calls)} of {len(model.script)} replies"
    return state


def speakers(state: dict) -> list[str]:
    return [speaker_of(m).value for m in state["messages"]]
