"""The ReAct variant: a scripted tool-calling model drives run_tests / install_package / run_python through
LangGraph's ToolNode loop, against the real local sandbox."""

from __future__ import annotations

from langchain_core.messages import AIMessage, ToolMessage

from aiev.agents.context import Context
from aiev.graphs.codergen_react import solve_react
from test_codergen import RIGHT, TASK, USER_TESTS, WRONG


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
        AIMessage(content="Done."),
    ])  # fmt: skip
    result = solve_react(TASK, context=context_for(name))
    assert result.passed and result.rounds == 1 and result.tests_source == "generated"
    assert result.tests == "assert fizz(9) == 'Fizz'"


def test_the_loop_stops_at_the_round_budget(local_engine, scripted) -> None:
    name, model = scripted(lambda messages: call("run_python", f"c{len(messages)}", code="print('again')"))
    result = solve_react(TASK, tests=USER_TESTS, context=context_for(name, max_rounds=3))
    assert not result.passed and result.reason == "max_rounds" and result.rounds == 3
    assert len(model.calls) == 4 and result.report.strip().endswith("again")
