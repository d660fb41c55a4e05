"""Replies cut by the token cap lose their unfinished last line: the questioner's problem, the test writer's tests."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from aiev.agents import questioner, test_writer
from aiev.agents.context import Context

REPLY = "Write `double(x)`.\n\nExamples:\n- `double(2) -> 4`\n- `double(3) -> 6`\n- `double(4) -"


@pytest.mark.parametrize(("output_tokens", "last"), [(64, "- `double(3) -> 6`"), (63, "- `double(4) -")])
def test_a_reply_cut_by_the_token_cap_loses_its_unfinished_last_line(scripted, output_tokens, last) -> None:
    usage = {"input_tokens": 5, "output_tokens": output_tokens, "total_tokens": 5 + output_tokens}
    name, _ = scripted([AIMessage(content=REPLY, usage_metadata=usage)])
    state = {"seed": {"id": "s", "snippet": "def double(x):\n    return 2 * x\n", "source": "t"}}
    update = questioner.node(state, Runtime(context=Context(questioner_model=name, max_tokens=64)))
    assert update["problem"].splitlines()[-1] == last and update["entry_point"] == "double"


def test_a_sentence_the_questioner_looped_is_kept_once_and_examples_stay_as_written(scripted) -> None:
    looped = "- Handle missing keys.\n" + "- Handle exceptions by raising a `ValueError`.\n" * 5
    reply = f"Write `double(x)`.\n\nEdge cases:\n{looped}\nExamples:\n```python\ndouble(2)  # 4\ndouble(2)  # 4\n```"
    name, _ = scripted([AIMessage(content=reply)])
    state = {"seed": {"id": "s", "snippet": "def double(x):\n    return 2 * x\n", "source": "t"}}
    problem = questioner.node(state, Runtime(context=Context(questioner_model=name)))["problem"]
    assert problem.count("Handle exceptions") == 1 and problem.count("double(2)  # 4") == 2


def test_tests_cut_by_the_token_cap_lose_the_unfinished_assert_that_would_still_parse(scripted) -> None:
    # the 1.5B's looping test writer, cut by the cap after ``assert remove`` (valid Python, a NameError at run time)
    cut = "```python\nassert dedup('a:a') == 'a'\nassert dedup('b:b') == 'b'\nassert remove"
    name, _ = scripted([AIMessage(content=cut, response_metadata={"finish_reason": "length"})])
    state = {"problem": "Write `dedup(s)`.", "entry_point": "dedup", "messages": []}
    update = test_writer.node(state, Runtime(context=Context(test_writer_model=name)))
    assert update["tests"] == "assert dedup('a:a') == 'a'\nassert dedup('b:b') == 'b'\n"
    assert "remove" not in update["messages"][0].content  # the training sample holds no half line either
    # a reply that ended on its own keeps its last line, whatever it holds
    name, _ = scripted([AIMessage(content=cut.replace("assert remove", "assert dedup('') == ''"))])
    update = test_writer.node(state, Runtime(context=Context(test_writer_model=name)))
    assert update["tests"].endswith("assert dedup('') == ''\n")
