"""The programmer: writes the solution, then revises it after each failed execution.

A reply without code still becomes a turn of the dialogue and clears ``solution``; the execute node then
records a failed round instead of running stale code, so the programmer is told and asked again.

A revision that resends the failing code unchanged shows a model anchored on its own earlier reply (small
models copy it verbatim, even when sampled at a temperature). Its next attempt therefore starts over: it is
shown the dialogue up to its first answer only, so with ``Context.revision_temperature`` set it draws a fresh
solution instead of a third copy. The transcript itself keeps every turn.
"""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AnyMessage
from langgraph.runtime import Runtime

from .context import Context
from .dialogue import Speaker, say, speaker_of
from .model_call import ModelCallError, ask, model_failure
from .parsing import extract_setup, extract_solution
from .prompts import load_prompt
from .state import RoleState


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    executions = state.get("executions") or []
    messages = state.get("messages", [])
    starting_over = bool(executions) and executions[-1].get("skipped") == "unchanged"
    shown = before_first_answer(messages) if starting_over else messages
    try:
        reply = ask(Speaker.PROGRAMMER, load_prompt("programmer"), shown, runtime, revising=bool(executions))
    except ModelCallError as error:
        return model_failure(error)
    code = extract_solution(reply.text, state.get("entry_point"))
    # Each revision is complete (see the prompt), so its bash block replaces the previous setup: an
    # install that failed can be dropped by simply not repeating it.
    return {
        "messages": [say(Speaker.PROGRAMMER, reply.text, has_code=code is not None, started_over=starting_over)],
        "solution": code or "",
        "setup": extract_setup(reply.text),
        "tokens": reply.tokens,
    }


def before_first_answer(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """The turns the programmer had seen when it first answered (the task, and the tests when shown)."""
    for index, message in enumerate(messages):
        if speaker_of(message) is Speaker.PROGRAMMER:
            return list(messages[:index])
    return list(messages)
