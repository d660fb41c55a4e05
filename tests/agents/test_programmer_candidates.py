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


def test_a_turn_asks_once_and_its_other_candidates_answer_the_same_view_and_are_paid_for(scripted) -> None:
    def reply(text: str, n: int) -> AIMessage:
        return AIMessage(content=text, usage_metadata={"input_tokens": 10, "output_tokens": n, "total_tokens": 10 + n})

    name, model = scripted([reply("No code, sorry.", 3), reply(CODE, 5), reply(CODE, 7)])
    state = {"messages": [HumanMessage(content="Add two numbers.", name="questioner")], "entry_point": "add"}
    runtime = Runtime(context=Context(programmer_model=name, candidates=3))
    update = programmer.node(state, runtime)
    assert len(model.calls) == 1  # the turn itself: the others only when it fails
    assert [m.content for m in update["messages"]] == ["No code, sorry."]
    assert update["solution"] == "" and update["tokens"] == {"input_tokens": 10, "output_tokens": 3}
    # later, the tests written: the others answer what the turn answered, not the tests after it
    later = {
        **state,
        "messages": [
            *state["messages"],
            *update["messages"],
            HumanMessage(content="assert add(1, 2) == 3", name="test_writer"),
        ],
    }
    others, tokens = programmer.sample_others(later, runtime)
    assert [c["solution"] for c in others] == ["def add(a, b):\n    return a + b\n"] * 2
    assert tokens == {"input_tokens": 20, "output_tokens": 12}
    assert model.calls[0] == model.calls[1] == model.calls[2]


FAILED_RUN = (
    "Traceback (most recent call last):\n"
    '  File "/work/run/main.py", line 5, in <module>\n'
    "    assert add(1, 2) == 3\n"
    "AssertionError: add(1, 2) is -1; the test expects 3\n"
)


def test_the_others_of_a_revision_are_drawn_from_the_task_and_the_check_that_failed(scripted) -> None:
    # shown the failed code, sampled revisions start from it; the greedy turn alone revises with the whole dialogue
    wrong = "```python\ndef add(a, b):\n    return a - b\n```"
    name, model = scripted([CODE, CODE])
    task = HumanMessage(content="Add two numbers.", name="questioner")
    later = [
        task,
        AIMessage(content=wrong, name="programmer"),
        HumanMessage(content="assert add(1, 2) == 3", name="test_writer"),
        HumanMessage(content=FAILED_RUN, name="interpreter", additional_kwargs={"outcome": "failed"}),
        AIMessage(content="It subtracts.\nFAULT: code", name="error_analyst"),
        AIMessage(content=wrong, name="programmer"),
    ]
    runtime = Runtime(context=Context(programmer_model=name, candidates=3))
    programmer.sample_others({"messages": later, "entry_point": "add"}, runtime)
    for call in model.calls:
        shown = str(call)
        assert "Add two numbers." in shown and "a - b" not in shown and "It subtracts." not in shown
        assert "add(1, 2) is -1; the test expects 3" in shown
    assert len(model.calls) == 2
