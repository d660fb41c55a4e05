"""The programmer: writes the solution, then revises it after each failed execution.

A reply without code still becomes a turn of the dialogue and clears ``solution``; the execute node then
records a failed round instead of running stale code, so the programmer is told and asked again.

A revision that resends the failing code unchanged shows a model anchored on its own earlier reply (small
models copy it verbatim, even when sampled at a temperature). Its next attempt therefore starts over: it is
shown the dialogue up to its first answer only, so with ``Context.revision_temperature`` set it draws a fresh
solution instead of a third copy. The transcript itself keeps every turn.

With ``Context.candidates`` above one, a turn may have more replies than the one in the transcript (SelfCodeAlign
samples several per instruction): ``sample_others`` draws the others, at ``candidate_temperature``: a first turn's to
the very view the turn answered, a revision's afresh, from the task and the check that failed (``starting_afresh``).
Shown their own failed code, sampled revisions copy it as the turn does, and a copy runs once (``graphs/candidates``):
the others are the round's only attempts that do not start from that code. The execute node asks for them only when
the turn's own reply failed, so a reply that passes costs no extra tokens, and tests refused before any code ran
waste none (on a CPU the tokens are the time). The others are requested at once: a server with parallel slots (the
embedded ``llama-server``, vLLM) decodes them in one batch. Which sampled reply lands at which index is therefore not
fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

from langchain_core.messages import AnyMessage, BaseMessage, HumanMessage
from langchain_core.runnables.config import ContextThreadPoolExecutor
from langgraph.runtime import Runtime

from .context import Context
from .dialogue import Speaker, before_first_turn, say, speaker_of, view_for
from .echoes import without_echoes
from .failing_check import quoted
from .missing_imports import with_imports
from .model_call import ModelCallError, ask_view, model_failure
from .parsing import extract_setup, extract_solution, solution_block
from .prompts import load_prompt
from .state import Candidate, RoleState, add_token_counts


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    executions = state.get("executions") or []
    messages = state.get("messages", [])
    starting_over = bool(executions) and executions[-1].get("skipped") == "unchanged"
    shown = starting_afresh(messages) if starting_over else messages
    try:
        reply = ask_view(Speaker.PROGRAMMER, programmer_view(shown), runtime, revising=bool(executions))
    except ModelCallError as error:
        return model_failure(error)
    answer = candidate(reply.complete_text, state.get("entry_point"), messages)
    turn = say(Speaker.PROGRAMMER, answer["text"], has_code=bool(answer["solution"]), started_over=starting_over)
    return {
        "messages": [turn],
        "solution": answer["solution"],
        "setup": answer["setup"],
        "tokens": reply.tokens,
    }


def sample_others(state: RoleState, runtime: Runtime[Context]) -> tuple[list[Candidate], dict[str, int]]:
    """``Context.candidates - 1`` more replies for the programmer's latest turn, sampled at ``candidate_temperature``,
    and the tokens they cost: to the view the turn answered, or, when that view holds a failed run, to the task and
    the check that failed (see the module doc). Raises ``ModelCallError`` when the model fails."""
    context = runtime.context or Context()
    messages = state.get("messages", [])
    at = max(index for index, message in enumerate(messages) if speaker_of(message) is Speaker.PROGRAMMER)
    shown = messages[:at]
    if any(speaker_of(message) is Speaker.INTERPRETER for message in shown):
        shown = starting_afresh(shown)
    sampled = runtime.override(context=context.for_candidates())
    view, count = programmer_view(shown), context.candidates - 1
    with ContextThreadPoolExecutor(count) as pool:  # the calling thread's run context goes with each call
        futures = [pool.submit(ask_view, Speaker.PROGRAMMER, view, sampled) for _ in range(count)]
        replies = [future.result() for future in futures]
    others = [candidate(reply.complete_text, state.get("entry_point"), messages) for reply in replies]
    return others, reduce(add_token_counts, (reply.tokens for reply in replies), {})


def programmer_view(shown: Sequence[AnyMessage]) -> list[BaseMessage]:
    """The transcript ``shown`` as the programmer sees it; after an analysis, closed by the check that failed
    (``failing_check``) and the request for corrected code (``prompts/programmer_revision_request.md``): shown the
    analyst's explanation last, the embedded 0.5B restated it and wrote no code, in every one of 4 candidates of each
    of the 2 first revisions of a draw (session 15), and wrote corrected code for both when the request followed."""
    view = view_for({Speaker.PROGRAMMER}, load_prompt("programmer"), shown)
    if shown and speaker_of(shown[-1]) is Speaker.ERROR_ANALYST:
        closing = [quoted(shown, "programmer_failing_check"), load_prompt("programmer_revision_request")]
        view[-1] = HumanMessage(content="\n\n".join([str(view[-1].content), *filter(None, closing)]))
    return view


def starting_afresh(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """What a programmer that resent failed code, and each sampled candidate of a revision, is shown: the task as it
    first saw it, none of its own replies to copy (see the module doc), and the check its code failed
    (``failing_check``), so that the fresh attempt does not fail it again the same way: started from the task alone,
    the 1.5B at its temperature wrote ``splitext``'s failed code a third time (session 21)."""
    task = before_first_turn(Speaker.PROGRAMMER, messages)
    check = quoted(messages, "programmer_start_over")
    return [*task, HumanMessage(content=check)] if check else task


def candidate(text: str, entry_point: str | None, messages: Sequence[AnyMessage] = ()) -> Candidate:
    """A reply's text without what it echoed of the feedback in ``messages`` (``echoes``) and with the standard-library
    imports its code forgot (``missing_imports``), its code and setup. Each revision is complete (see the prompt), so
    its bash block replaces the previous setup: an install that failed can be dropped by simply not repeating it."""
    feedback = [str(m.content) for m in messages if speaker_of(m) in (Speaker.INTERPRETER, Speaker.ERROR_ANALYST)]
    text = without_echoes(text, feedback)
    if block := solution_block(text, entry_point):  # the imports its code forgot, in the turn (``missing_imports``)
        text = with_imports(text, [block])
    return {"text": text, "solution": extract_solution(text, entry_point) or "", "setup": extract_setup(text)}
