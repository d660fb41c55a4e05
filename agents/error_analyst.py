"""The error analyst: explains a failed execution in natural language and says who is at fault.

The explanation is the dialogue turn the programmer learns from (AutoCoder's natural-language error
description); the machine-readable ``FAULT: code|test`` line decides whether the code or the tests are
revised next. Every blame on the tests is recorded, because rewriting tests is how a wrong solution could
slip through.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from .context import Context
from .dialogue import Speaker, say
from .model_call import ModelCallError, ask, model_failure
from .parsing import parse_fault
from .prompts import load_prompt
from .state import RoleState


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    try:
        reply = ask(Speaker.ERROR_ANALYST, load_prompt("error_analyst"), state.get("messages", []), runtime)
    except ModelCallError as error:
        return model_failure(error)
    fault = parse_fault(reply.text)
    update: RoleState = {
        "messages": [say(Speaker.ERROR_ANALYST, reply.text, fault=fault)],
        "fault": fault,
        "tokens": reply.tokens,
    }
    if fault == "test":
        update["blamed_tests"] = [{"round": state.get("round", 0), "explanation": reply.text}]
    return update
