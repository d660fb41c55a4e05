"""The ReAct variant: a scripted tool-calling model drives run_tests / install_package / run_python through
LangGraph's ToolNode loop, against the real local sandbox."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from test_codergen import RIGHT, TASK, USER_TESTS, WRONG

from aiev.agents.context import Context
from aiev.agents.prompts import load_prompt
from aiev.graphs.codergen_react import solve_react


def call(tool: str, call_id: str, **args) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": tool, "args": args, "id": call_id, "type": "tool_call"}])


def code_of(reply: str) -> str:
    return reply.split("```python\n")[1].split("```")[0]


def context_for(name: str, **settings) -> Context:
    return Context(programmer_model=name, sandbox="local", **settings)


def test_the_model_fixes_its_code_through_the_tools(local_engine, scripted) -> None:
    name, model = scripted([
        call("install_package", "c0", package="numpy; rm -rf /"),
        call("run_tests", "c1", code=code_of(WRONG)),
        call("run_tests", "c2", code=code_of(RIGHT)),
        AIMessage(content=f"All tests pass.\n{RIGHT}"),
    ])  # fmt: skip
    result = solve_react(TASK, tests=USER_TESTS, context=context_for(name))
    assert result.passed and result.rounds == 2 and "n % 3" in result.code and result.tests == USER_TESTS.strip()
    shown = model.calls[2]  # the third call sees the rejected install and the failed run
    tool_replies = [m.content for m in shown if isinstance(m, ToolMessage)]
    assert "is not a package requirement" in tool_replies[0]
    assert "AssertionError" in tool_replies[1]


def test_without_user_tests_the_model_supplies_them(local_engine, scripted) -> None:
    name, _ = scripted([
        call("run_tests", "c1", code=code_of(RIGHT)),
        call("run_tests", "c2", code=code_of(RIGHT), tests="assert fizz(9) == 'Fizz'"),
    ])  # fmt: skip
    result = solve_react(TASK, context=context_for(name))
    assert result.passed and result.rounds == 1 and result.tests_source == "generated"
    assert result.tests == "assert fizz(9) == 'Fizz'"


def test_the_loop_stops_at_the_round_budget(local_engine, scripted) -> None:
    name, model = scripted(lambda messages: call("run_python", f"c{len(messages)}", code="print('again')"))
    result = solve_react(TASK, tests=USER_TESTS, context=context_for(name, max_rounds=3))
    assert not result.passed and result.reason == "max_rounds" and result.rounds == 3
    assert len(model.calls) == 4 and result.report.strip().endswith("again")


def hermes(tool: str, **args) -> str:
    """A tool call as Qwen2.5 writes it in text (llama-cpp-python's server leaves it there)."""
    return f"Let me check.\n<tool_call>\n{json.dumps({'name': tool, 'arguments': args})}\n</tool_call>"


def test_tool_calls_the_model_writes_as_text_are_executed(local_engine, scripted) -> None:
    name, model = scripted([
        hermes("run_tests", code=code_of(WRONG)),
        f"```json\n{json.dumps({'name': 'run_tests', 'arguments': {'code': code_of(RIGHT)}})}\n```",
    ])  # fmt: skip
    result = solve_react(TASK, tests=USER_TESTS, context=context_for(name))
    assert result.passed and result.rounds == 2 and "n % 3" in result.code
    assert "AssertionError" in next(m.content for m in model.calls[1] if isinstance(m, ToolMessage))


def test_a_model_failure_ends_the_run_with_its_reason(scripted) -> None:
    def down(messages):
        raise ConnectionError("endpoint down")

    name, _ = scripted(down)
    result = solve_react(TASK, tests=USER_TESTS, context=context_for(name))
    assert (result.passed, result.reason, result.rounds) == (False, "model_error", 0)
    assert result.last_error == f"programmer model '{name}' failed: ConnectionError: endpoint down"


@pytest.mark.model
@pytest.mark.slow
def test_the_embedded_model_drives_the_tools(local_model_url, local_engine) -> None:
    # issue 12's `aiev solve "..." --react`: with llama-cpp-python's server the 0.5B model's tool calls arrive as
    # text, and it first answers with bare code (reminded to call a tool) or calls the function it was asked to
    # write (answered with the real tools); at least one of its calls must still run in the sandbox.
    task = "Write a Python function add(a, b) that returns the sum of a and b."
    context = Context.for_every_role("local-qwen-0.5b", sandbox="local", max_rounds=2, max_tokens=256)
    result = solve_react(task, context=context)
    transcript = [(m["type"], m["data"]["content"]) for m in result.messages]
    assert result.rounds >= 1 and result.executions, transcript
    called = [call["name"] for m in result.messages if m["type"] == "ai" for call in m["data"].get("tool_calls", [])]
    assert {"run_python", "run_tests"} & set(called), transcript


def test_a_call_of_a_tool_that_does_not_exist_is_answered_and_bounded(local_engine, scripted) -> None:
    # The 0.5B model's first reply to "write add(a, b)" (issue 12): told the real tools, it calls run_tests.
    wrong = '```json\n{"name": "fizz", "arguments": {"n": 3}}\n```'
    name, model = scripted([wrong, hermes("run_tests", code=code_of(RIGHT))])
    result = solve_react(TASK, tests=USER_TESTS, context=context_for(name))
    assert result.passed and result.rounds == 1
    told = next(m.content for m in model.calls[1] if isinstance(m, ToolMessage))
    assert told == "Error: fizz is not a valid tool, try one of [run_python, install_package, run_tests]."
    name, model = scripted(lambda messages: wrong)
    result = solve_react(TASK, tests=USER_TESTS, context=context_for(name, max_rounds=2))
    assert (result.passed, result.rounds, result.reason, len(model.calls)) == (False, 0, "stopped", 4)


def test_a_reply_that_calls_no_tool_gets_a_reminder_within_the_turn_bound(local_engine, scripted) -> None:
    name, model = scripted([RIGHT, call("run_tests", "c1", code=code_of(RIGHT))])
    result = solve_react(TASK, tests=USER_TESTS, context=context_for(name))
    assert result.passed and result.rounds == 1
    assert model.calls[1][-1].content == load_prompt("codergen_react_no_tool")
    name, model = scripted(lambda messages: RIGHT)
    result = solve_react(TASK, tests=USER_TESTS, context=context_for(name, max_rounds=2))
    assert (result.passed, result.rounds, result.reason, len(model.calls)) == (False, 0, "stopped", 4)
