"""The programmer: writes the solution, then revises it after each failed execution.

A reply without code still becomes a turn of the dialogue and clears ``solution``; the execute node then
records a failed round instead of running stale code, so the programmer is told and asked again.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from .context import Context
from .dialogue import Speaker, say
from .model_call import ModelCallError, ask, model_failure
from .parsing import extract_setup, extract_solution
from .prompts import load_prompt
from .state import RoleState


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    try:
        revising = bool(state.get("executions"))
        reply = ask(Speaker.PROGRAMMER, load_prompt("programmer"), state.get("messages", []), runtime, revising=revising)
    except ModelCallError as error:
        return model_failure(error)
    code = extract_solution(reply.text, state.get("entry_point"))
    # Each revision is complete (see the prompt), so its bash block replaces the previous setup: an
    # install that failed can be dropped by simply not repeating it.
    return {
        "messages": [say(Speaker.PROGRAMMER, reply.text, has_code=code is not None)],
        "solution": code or "",
        "setup": extract_setup(reply.text),
        "tokens": reply.tokens,
    }
