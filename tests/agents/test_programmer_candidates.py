"""The programmer's candidates: how many a turn samples is a validated run setting, every one is paid for, and only
the first enters the transcript."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime

from aiev.agents import programmer
from aiev.agents.context import Context

CODE = "```python\ndef add(a, b):\n    return a + b\n```"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"candidates": 0}, r"candidates must be at least 1, got 0"),
        ({"candidates": "many"}, r"candidates='many'"),
        ({"candidate_temperature": -0.5}, r"candidate_temperature must not be negative"),
    ],
)
def test_bad_candidate_settings_are_refused_naming_the_setting(settings, message) -> None:
    with pytest.raises(ValueError, match=message):
        Context.from_mapping(settings)


def test_the_constructor_refuses_zero_candidates_too() -> None:
    # LangGraph builds a Studio run's context with the constructor, not from_mapping
    with pytest.raises(ValueError, match="candidates must be at least 1"):
        Context(candidates=0)


def test_candidates_are_sampled_at_their_own_temperature_even_for_revisions() -> None:
    context = Context(temperature=0.0, revision_temperature=0.4, candidate_temperature=0.8).for_candidates()
    assert context.temperature_for("programmer") == 0.8
    assert context.temperature_for("programmer", revising=True) == 0.8


def test_a_turn_keeps_every_candidate_and_counts_all_their_tokens(scripted) -> None:
    replies = [
        AIMessage(content=text, usage_metadata={"input_tokens": 10, "output_tokens": n, "total_tokens": 10 + n})
        for text, n in [("No code, sorry.", 3), (CODE, 5)]
    ]
    name, model = scripted(replies)
    state = {"messages": [HumanMessage(content="Add two numbers.", name="questioner")], "entry_point": "add"}
    update = programmer.node(state, Runtime(context=Context(programmer_model=name, candidates=2)))
    assert [m.content for m in update["messages"]] == ["No code, sorry."]
    assert update["solution"] == "" and update["tokens"] == {"input_tokens": 20, "output_tokens": 8}
    assert [c["solution"] for c in update["candidates"]] == ["", "def add(a, b):\n    return a + b\n"]
    assert model.calls[0] == model.calls[1]  # both candidates answer the same view
