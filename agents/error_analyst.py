"""The error analyst: explains a failed execution in natural language and says who is at fault.

The explanation is the dialogue turn the programmer learns from (AutoCoder's natural-language error
description); the machine-readable ``FAULT: code|test`` line decides whether the code or the tests are
revised next, and is kept out of the turn (``fault`` in its metadata instead): shown the verdict, the programmer
answered it rather than the analysis. Every blame on the tests is recorded, because rewriting tests is how a wrong
solution could slip through.

The analyst is handed one review request (problem, solution, tests, interpreter output) instead of the
dialogue: shown the dialogue, small models continue it in the programmer's voice or answer with a bare
``FAULT`` line, while a single review request gets an explanation.
"""

from __future__ import annotations

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from .context import Context
from .dialogue import Speaker, say, speaker_of
from .model_call import ModelCallError, ask_view, model_failure
from .parsing import parse_fault, without_verdict
from .prompts import load_prompt, render_prompt
from .state import RoleState


def review_request(state: RoleState) -> str:
    """The failed round as one message: the problem, the code and tests that ran, and what the interpreter said."""
    messages = state.get("messages", [])
    output = next((m.text for m in reversed(messages) if speaker_of(m) is Speaker.INTERPRETER), "")
    return render_prompt(
        "error_analyst_request",
        problem=state.get("problem", "").strip(),
        solution=state.get("solution", "").strip(),
        tests=state.get("tests", "").strip(),
        output=output.strip(),
    )


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    view = [SystemMessage(content=load_prompt("error_analyst")), HumanMessage(content=review_request(state))]
    try:
        reply = ask_view(Speaker.ERROR_ANALYST, view, runtime)
    except ModelCallError as error:
        return model_failure(error)
    fault, analysis = parse_fault(reply.text), without_verdict(reply.text)
    update: RoleState = {
        "messages": [say(Speaker.ERROR_ANALYST, analysis, fault=fault)],
        "fault": fault,
        "tokens": reply.tokens,
    }
    if fault == "test":
        update["blamed_tests"] = [{"round": state.get("round", 0), "explanation": analysis}]
    return update
