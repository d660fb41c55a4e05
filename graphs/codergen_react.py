"""CoderGen as a ReAct agent: the model acts through tools (run code, install a package, run the tests) in a
LangGraph tool loop (``ToolNode`` + ``tools_condition``) instead of the fixed programmer/analyst pipeline.

The model's tool calls come back through ``agents.model_call``, which also reads calls written as text (the embedded
llama.cpp server returns them so). A passing ``run_tests`` ends the run; otherwise the loop is bounded by
``Context.max_rounds`` sandbox executions and twice as many model turns. Tools update the state with ``Command``;
keys that parallel tool calls may both write use reducers (latest wins, lists concatenate), so a model that
calls two tools at once cannot trip LangGraph's one-writer-per-step rule.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    messages_to_dict,
)
from langchain_core.tools import tool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode, ToolRuntime, tools_condition
from langgraph.runtime import Runtime
from langgraph.types import Command

from ..agents.context import Context
from ..agents.dialogue import Speaker
from ..agents.model_call import ModelCallError, call_model, new_dialogue
from ..agents.prompts import load_prompt, render_prompt
from ..sandbox.engine import run_request
from ..sandbox.requirements import is_install
from ..sandbox.types import ExecRequest, ExecResult
from .codergen import CoderGenResult
from .execute import interpreter_text

CoderToolRuntime = ToolRuntime[Context, dict[str, Any]]  # what ToolNode injects into each tool


def _latest(current: Any, update: Any) -> Any:
    return update


def _union(current: list[str] | None, update: list[str] | None) -> list[str]:
    return list(dict.fromkeys([*(current or []), *(update or [])]))


class ReactState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    task: str
    user_tests: str
    setup: Annotated[list[str], _union]  # pip installs that succeeded, replayed before every run
    solution: Annotated[str, _latest]  # the code of the latest run_tests call
    tests: Annotated[str, _latest]  # the tests it ran with
    passed: Annotated[bool, _latest]
    executions: Annotated[list[dict[str, Any]], operator.add]
    model_error: str  # the model could not answer (ModelCallError): the run ends with reason "model_error"


def _run(runtime: CoderToolRuntime, request: ExecRequest) -> ExecResult:
    return run_request((runtime.context or Context()).sandbox, request)


def _reply(runtime: CoderToolRuntime, text: str, result: ExecResult | None, **update: Any) -> Command:
    message = ToolMessage(content=text, tool_call_id=runtime.tool_call_id or "")
    executions = [result.model_dump(mode="json")] if result else []
    return Command(update={"messages": [message], "executions": executions, **update})


@tool(description=load_prompt("codergen_tool_run_python"))
def run_python(code: str, runtime: CoderToolRuntime) -> Command:
    context = runtime.context or Context()
    result = _run(runtime, ExecRequest.python(code, setup=runtime.state.get("setup", []), timeout_s=context.timeout_s))
    return _reply(runtime, interpreter_text(result), result)


@tool(description=load_prompt("codergen_tool_install_package"))
def install_package(package: str, runtime: CoderToolRuntime) -> Command:
    package = package.strip()
    line = f"pip install {package}"
    if not is_install(line):  # the sandbox's one setup-line parser: requirement specifiers, no shell syntax
        return _reply(runtime, render_prompt("codergen_tool_bad_package", package=repr(package)), None)
    result = _run(runtime, ExecRequest.python("", setup=[*runtime.state.get("setup", []), line]))
    text = f"Installed {package}." if result.passed else result.feedback()
    return _reply(runtime, text, result, setup=[line] if result.passed else [])


@tool(description=load_prompt("codergen_tool_run_tests"))
def run_tests(code: str, runtime: CoderToolRuntime, tests: str = "") -> Command:
    tests = runtime.state.get("user_tests") or tests
    if not tests.strip():
        return _reply(runtime, load_prompt("codergen_tool_no_tests"), None)
    context = runtime.context or Context()
    request = ExecRequest.python(code, tests=tests, setup=runtime.state.get("setup", []), timeout_s=context.timeout_s)
    result = _run(runtime, request)
    return _reply(runtime, interpreter_text(result), result, solution=code, tests=tests, passed=result.passed)


TOOLS = [run_python, install_package, run_tests]


def intake(state: ReactState) -> ReactState:
    task, tests = state["task"].strip(), (state.get("user_tests") or "").strip()
    text = render_prompt("codergen_task_with_tests", task=task, tests=tests) if tests else task
    return {"messages": [HumanMessage(content=text, name=Speaker.USER.value)], "user_tests": tests, "passed": False}


def agent(state: ReactState, runtime: Runtime[Context]) -> ReactState:
    messages = [SystemMessage(content=load_prompt("codergen_react_system")), *state["messages"]]
    try:
        reply = call_model(Speaker.PROGRAMMER, messages, runtime.context or Context(), tools=TOOLS)
    except ModelCallError as error:
        return {"model_error": str(error)}
    return {"messages": [reply]}


def after_agent(state: ReactState, runtime: Runtime[Context]) -> str:
    """The tools when the reply calls any, else a reminder to call them (small models answer with bare code).

    Ends on a model failure, at the execution budget, or after two model turns per execution allowed: a reply
    without a call, or with a call of a tool that does not exist, executes nothing and must not loop forever."""
    max_rounds = (runtime.context or Context()).max_rounds
    turns = sum(isinstance(message, AIMessage) for message in state["messages"])
    if state.get("model_error") or len(state.get("executions", [])) >= max_rounds or turns >= 2 * max_rounds:
        return END
    return "tools" if tools_condition(state) == "tools" else "remind"


def remind(state: ReactState) -> ReactState:
    return {"messages": [HumanMessage(content=load_prompt("codergen_react_no_tool"), name=Speaker.INTERPRETER.value)]}


def after_tools(state: ReactState) -> str:
    """A passing ``run_tests`` ends the run with that code, as a pass ends the fixed loop: small models otherwise
    keep re-running passing tests until the budget is spent instead of closing with their answer."""
    return END if state.get("passed") else "agent"


def build_graph(checkpointer: Any = None):
    builder = StateGraph(ReactState, context_schema=Context)
    builder.add_node("intake", intake)
    builder.add_node("agent", agent)
    builder.add_node("tools", ToolNode(TOOLS))
    builder.add_node("remind", remind)
    builder.add_edge(START, "intake")
    builder.add_edge("intake", "agent")
    builder.add_conditional_edges("agent", after_agent, ["tools", "remind", END])
    builder.add_edge("remind", "agent")
    builder.add_conditional_edges("tools", after_tools, ["agent", END])
    return builder.compile(checkpointer=checkpointer, name="codergen_react")


graph = build_graph()


def solve_react(task: str, *, tests: str | None = None, context: Context | None = None) -> CoderGenResult:
    """``codergen.solve`` with the model driving the tools itself."""
    context = context or Context()
    state = graph.invoke({"task": task, "user_tests": tests or ""}, new_dialogue(), context=context)
    executions = state.get("executions", [])
    passed = bool(state.get("passed"))
    messages = state.get("messages", [])
    tool_outputs = [m.content for m in messages if isinstance(m, ToolMessage)]
    model_error = state.get("model_error", "")
    return CoderGenResult(
        task=task,
        code=state.get("solution", ""),
        passed=passed,
        reason=_reason(passed, model_error, len(executions), context.max_rounds),
        rounds=len(executions),
        chosen_round=len(executions),
        setup=state.get("setup", []),
        tests=state.get("tests", ""),
        tests_source="user" if tests else "generated",
        report=str(tool_outputs[-1]) if tool_outputs else "",
        last_error="" if passed else model_error or (str(tool_outputs[-1]) if tool_outputs else ""),
        executions=executions,
        messages=messages_to_dict(messages),
        tokens={},
    )


def _reason(passed: bool, model_error: str, executions: int, max_rounds: int) -> str:
    if passed:
        return "passed"
    if model_error:
        return "model_error"
    return "max_rounds" if executions >= max_rounds else "stopped"
