"""ScriptedChatModel: the stand-in model every graph test relies on."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from langchain_core.messages import HumanMessage

from aiev.agents.scripted import ScriptedChatModel, ScriptExhausted


def test_list_replies_come_in_order_and_calls_are_recorded() -> None:
    model = ScriptedChatModel(script=["first", "second"])
    assert model.invoke("a").content == "first"
    assert model.invoke([HumanMessage("b")]).content == "second"
    assert [[m.content for m in call] for call in model.calls] == [["a"], ["b"]]


def test_running_out_of_replies_is_an_error_not_a_recycled_reply() -> None:
    model = ScriptedChatModel(script=["only"])
    model.invoke("a")
    with pytest.raises(ScriptExhausted, match="called 2 times but has only 1"):
        model.invoke("b")


def test_callable_script_sees_the_messages() -> None:
    model = ScriptedChatModel(script=lambda messages: f"{len(messages)}:{messages[-1].content[::-1]}")
    assert model.invoke([HumanMessage("x"), HumanMessage("abc")]).content == "2:cba"


def test_concurrent_calls_each_get_a_distinct_reply() -> None:
    replies = [f"r{i}" for i in range(64)]
    model = ScriptedChatModel(script=replies)
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda i: model.invoke(str(i)).content, range(64)))
    assert sorted(got) == sorted(replies)
    assert len(model.calls) == 64
