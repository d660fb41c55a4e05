"""The README's Python example: build and run AIEV-Instruct on one seed through ``from aiev import ...`` only."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage

import aiev
from aiev import Context, ScriptedChatModel, generate_one, registered_model

SEED = "def mean(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total / len(xs)\n"


def test_generate_one_with_scripted_models_through_the_public_api() -> None:
    replies = {
        "questioner": ["Write `average(values)` returning the arithmetic mean of a non-empty list of numbers."],
        "programmer": ["```python\ndef average(values):\n    return sum(values) / len(values)\n```"],
        "test_writer": ["```python\nassert average([1, 2, 3]) == 2\nassert average([5]) == 5\n```"],
    }
    models = {role: ScriptedChatModel(script=script) for role, script in replies.items()}
    with registered_model("api-q", models["questioner"]), registered_model("api-p", models["programmer"]), \
            registered_model("api-t", models["test_writer"]):  # fmt: skip
        context = Context(questioner_model="api-q", programmer_model="api-p", test_writer_model="api-t",
                          error_analyst_model="api-p", sandbox="local")  # fmt: skip
        state = generate_one(SEED, context)

    assert state["verdict"]["status"] == "passed"
    assert state["round"] == 1 and state["executions"][0]["outcome"] == "passed"
    assert "def average" in state["solution"]
    assert isinstance(state["messages"][-1], AIMessage) and "def average" in state["messages"][-1].content
    assert SEED.strip() in models["questioner"].calls[0][-1].content  # the questioner was shown the seed


def test_unknown_public_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        aiev.nope  # noqa: B018
    assert {"Context", "generate_one", "run_pipeline", "get_engine"} <= set(dir(aiev))
