"""The error analyst: explains a failed execution in natural language and says who is at fault.

The explanation is the dialogue turn the programmer learns from (AutoCoder's natural-language error
description); the machine-readable ``FAULT: code|test`` line decides whether the code or the tests are
revised next, and is kept out of the turn (``fault`` in its metadata instead): shown the verdict, the programmer
answered it rather than the analysis. Every blame on the tests is recorded, because rewriting tests is how a wrong
solution could slip through.

The analyst is handed one review request (problem, solution, tests, interpreter output) instead of the
dialogue: shown the dialogue, small models continue it in the programmer's voice or answer with a bare
``FAULT`` line, while a single review request gets an explanation.

Asked for an explanation *and* a verdict line, the embedded 0.5B answers with the verdict alone: all 11 analyses of
a yield draw's first 6 dialogues (session 15) were a bare "FAULT: code", so the programmer was told nothing. Asked
for the explanation alone, the same model explains (``strong('')`` "should return an empty string, not an empty
``<strong>`` tag"). A reply that is nothing but the verdict is therefore followed by that second request, whose
answer is the turn; the verdict stays the first reply's, and both cost their tokens.
"""

from __future__ import annotations

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from .context import Context
from .dialogue import Speaker, say, speaker_of
from .echoes import without_repeats
from .model_call import ModelCallError, ask_view, model_failure
from .parsing import is_bare_verdict, parse_fault, without_verdict
from .prompts import load_prompt, render_prompt
from .state import RoleState, add_token_counts


def review_request(state: RoleState) -> str:
    """The failed round: the problem, the code and tests that ran, and what the interpreter said."""
    messages = state.get("messages", [])
    output = next((m.text for m in reversed(messages) if speaker_of(m) is Speaker.INTERPRETER), "")
    return render_prompt(
        "error_analyst_request",
        problem=state.get("problem", "").strip(),
        solution=state.get("solution", "").strip(),
        tests=state.get("tests", "").strip(),
        output=output.strip(),
    )


def _asking(review: str, ask: str) -> HumanMessage:
    """The review request closed by what is asked of it (``prompts/<ask>.md``)."""
    return HumanMessage(content=f"{review}\n\n{load_prompt(ask)}")


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    system, review = SystemMessage(content=load_prompt("error_analyst")), review_request(state)
    try:
        reply = ask_view(Speaker.ERROR_ANALYST, [system, _asking(review, "error_analyst_ask")], runtime)
        fault, analysis, tokens = parse_fault(reply.text), without_verdict(reply.text), reply.tokens
        if is_bare_verdict(reply.text):  # the verdict alone (see the module doc)
            explain = [system, _asking(review, "error_analyst_explain_request")]
            again = ask_view(Speaker.ERROR_ANALYST, explain, runtime)
            analysis = without_verdict(again.text) if again.text.strip() else analysis
            tokens = add_token_counts(tokens, again.tokens)
    except ModelCallError as error:
        return model_failure(error)
    analysis = without_repeats(analysis)  # a sentence looped to the token cap (``echoes``)
    update: RoleState = {
        "messages": [say(Speaker.ERROR_ANALYST, analysis, fault=fault)],
        "fault": fault,
        "tokens": tokens,
    }
    if fault == "test":
        update["blamed_tests"] = [{"round": state.get("round", 0), "explanation": analysis}]
    return update
