"""The code-interpreter chat: the assistant's ```python / ```bash blocks run in the sandbox and their output goes
back to it, turn after turn, until it replies without a block (or ``Context.max_rounds`` runs per user turn).

Execution needs the user's consent: unless the state says ``auto_approve``, the ``approve`` node pauses the
graph with ``interrupt`` showing the blocks, and the caller resumes it with ``Command(resume=True|False)``,
the LangGraph idiom that works the same from the CLI and from Studio (it needs a checkpointer). The model
sees each output clipped; the full output travels in the interpreter message's ``additional_kwargs`` for the
user.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from ..agents.context import Context
from ..agents.dialogue import Speaker
from ..agents.interpreter_blocks import (
    RunBlock,
    block_request,
    executable_blocks,
    refusal,
    results_message,
    run_output,
    shell_lines,
)
from ..agents.model_call import call_model
from ..agents.prompts import load_prompt
from ..agents.special_tokens import load_special_tokens
from ..sandbox.engine import run_request
from ..sandbox.requirements import SetupLineError

MODEL_OUTPUT_CHARS = 2000  # per block, what the model is shown; the user always sees everything


class ChatState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    setup: list[str]  # shell lines of successful blocks, replayed before every run
    auto_approve: bool  # run blocks without asking (the CLI's --yes)
    runs: int  # interpreter turns since the user last spoke; the caller resets it to 0 with each user message


def _pending(state: ChatState) -> tuple[list[RunBlock], bool]:
    last = state["messages"][-1]
    if not isinstance(last, AIMessage):
        return [], False
    return executable_blocks(last.text, load_special_tokens())


def assistant(state: ChatState, runtime: Runtime[Context]) -> ChatState:
    messages = [SystemMessage(content=load_prompt("chat_system")), *state["messages"]]
    reply = call_model(Speaker.PROGRAMMER, messages, runtime.context or Context())  # ModelCallError: the CLI says so
    return {"messages": [AIMessage(content=reply.text, name=Speaker.PROGRAMMER.value)]}


def after_assistant(state: ChatState, runtime: Runtime[Context]) -> str:
    blocks, _ = _pending(state)
    if not blocks or state.get("runs", 0) >= (runtime.context or Context()).max_rounds:
        return END
    return "execute" if state.get("auto_approve") else "approve"


def approve(state: ChatState) -> ChatState:
    blocks, _ = _pending(state)
    if interrupt({"blocks": [block._asdict() for block in blocks]}):
        return {}
    return {"messages": [HumanMessage(content=load_prompt("chat_declined"), name=Speaker.USER.value)]}


def after_approve(state: ChatState) -> str:
    return "execute" if isinstance(state["messages"][-1], AIMessage) else END


def execute(state: ChatState, runtime: Runtime[Context]) -> ChatState:
    context = runtime.context or Context()
    blocks, wrapped = _pending(state)
    setup = list(state.get("setup", []))
    outputs = []
    for block in blocks:
        try:
            result = run_request(context.sandbox, block_request(block, setup, context.timeout_s))
        except SetupLineError as error:
            result = refusal(error)
        outputs.append(run_output(block, result))
        if block.kind == "shell" and result.passed:
            setup += shell_lines(block.code)
    text = results_message(blocks, outputs, wrapped, load_special_tokens(), MODEL_OUTPUT_CHARS)
    message = HumanMessage(content=text, name=Speaker.INTERPRETER.value, additional_kwargs={"outputs": outputs})
    return {"messages": [message], "setup": setup, "runs": state.get("runs", 0) + 1}


def build_graph(checkpointer: Any = None):
    builder = StateGraph(ChatState, context_schema=Context)
    builder.add_node("assistant", assistant)
    builder.add_node("approve", approve)
    builder.add_node("execute", execute)
    builder.add_edge(START, "assistant")
    builder.add_conditional_edges("assistant", after_assistant, ["approve", "execute", END])
    builder.add_conditional_edges("approve", after_approve, ["execute", END])
    builder.add_edge("execute", "assistant")
    return builder.compile(checkpointer=checkpointer, name="interpreter_chat")


def new_session():
    """A chat graph with its own in-memory checkpointer (interrupts need one); one per CLI session."""
    return build_graph(checkpointer=InMemorySaver())


graph = build_graph()  # for LangGraph Studio, which supplies its own checkpointer
