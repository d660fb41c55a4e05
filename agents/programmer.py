"""The programmer: writes the solution, then revises it after each failed execution.

A reply without code still becomes a turn of the dialogue and clears ``solution``; the execute node then
records a failed round instead of running stale code, so the programmer is told and asked again.

A revision that resends the failing code unchanged shows a model anchored on its own earlier reply (small
models copy it verbatim, even when sampled at a temperature). Its next attempt therefore starts over: it is
shown the dialogue up to its first answer only, so with ``Context.revision_temperature`` set it draws a fresh
solution instead of a third copy. The transcript itself keeps every turn.

With ``Context.candidates`` above one, a turn samples that many replies to the same view (SelfCodeAlign): the first
as a single reply would be, the others at ``candidate_temperature``. Only the first enters the transcript; all of
them are kept in ``candidates`` for the execute node, which runs the others when the first fails. The others are
requested at once: a server with parallel slots (the embedded ``llama-server``, vLLM) decodes them in one batch, so
N candidates take less wall time than N turns in a row (on this project's 2-core CPUs only 1.1-1.3x less:
``bench/local_model_tps.py``). Which sampled reply lands at which index is therefore not fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

from langchain_core.messages import AnyMessage
from langchain_core.runnables.config import ContextThreadPoolExecutor
from langgraph.runtime import Runtime

from .context import Context
from .dialogue import Speaker, say, speaker_of
from .model_call import ModelCallError, ask, model_failure
from .parsing import extract_setup, extract_solution
from .prompts import load_prompt
from .state import Candidate, RoleState, add_token_counts


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    executions = state.get("executions") or []
    messages = state.get("messages", [])
    starting_over = bool(executions) and executions[-1].get("skipped") == "unchanged"
    shown = before_first_answer(messages) if starting_over else messages
    prompt = load_prompt("programmer")
    context = runtime.context or Context()
    sampled = runtime.override(context=context.for_candidates())
    try:
        replies = [ask(Speaker.PROGRAMMER, prompt, shown, runtime, revising=bool(executions))]
        if context.candidates > 1:  # the calling thread's run context (callbacks, tracing) goes with each call
            with ContextThreadPoolExecutor(context.candidates - 1) as pool:
                others = [
                    pool.submit(ask, Speaker.PROGRAMMER, prompt, shown, sampled) for _ in range(context.candidates - 1)
                ]
                replies += [future.result() for future in others]
    except ModelCallError as error:
        return model_failure(error)
    candidates = [candidate(reply.text, state.get("entry_point")) for reply in replies]
    first = candidates[0]
    turn = say(Speaker.PROGRAMMER, first["text"], has_code=bool(first["solution"]), started_over=starting_over)
    update: RoleState = {
        "messages": [turn],
        "solution": first["solution"],
        "setup": first["setup"],
        "tokens": reduce(add_token_counts, (reply.tokens for reply in replies), {}),
    }
    if len(candidates) > 1:
        update["candidates"] = candidates
    return update


def candidate(text: str, entry_point: str | None) -> Candidate:
    """A reply's code and setup. Each revision is complete (see the prompt), so its bash block replaces the
    previous setup: an install that failed can be dropped by simply not repeating it."""
    return {"text": text, "solution": extract_solution(text, entry_point) or "", "setup": extract_setup(text)}


def before_first_answer(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """The turns the programmer had seen when it first answered (the task, and the tests when shown)."""
    for index, message in enumerate(messages):
        if speaker_of(message) is Speaker.PROGRAMMER:
            return list(messages[:index])
    return list(messages)
