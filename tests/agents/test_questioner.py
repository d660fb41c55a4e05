"""The questioner's reply becomes the problem: cut where the token cap cut it."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from aiev.agents import questioner
from aiev.agents.context import Context

REPLY = "Write `double(x)`.\n\nExamples:\n- `double(2) -> 4`\n- `double(3) -> 6`\n- `double(4) -"


@pytest.mark.parametrize(("output_tokens", "last"), [(64, "- `double(3) -> 6`"), (63, "- `double(4) -")])
def test_a_reply_cut_by_the_token_cap_loses_its_unfinished_last_line(scripted, output_tokens, last) -> None:
    usage = {"input_tokens": 5, "output_tokens": output_tokens, "total_tokens": 5 + output_tokens}
    name, _ = scripted([AIMessage(content=REPLY, usage_metadata=usage)])
    state = {"seed": {"id": "s", "snippet": "def double(x):\n    return 2 * x\n", "source": "t"}}
    update = questioner.node(state, Runtime(context=Context(questioner_model=name, max_tokens=64)))
    assert update["problem"].splitlines()[-1] == last and update["entry_point"] == "double"
