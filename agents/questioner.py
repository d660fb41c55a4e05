"""The questioner: turns a seed snippet into a self-contained programming problem (OSS-Instruct style).

The seed itself is not part of the dialogue: the training sample starts with the problem, exactly as a
user would pose it, so the questioner is shown the seed in a one-off request rather than the transcript. The
request ends with the seed's signatures (``seed_interface``): a problem that keeps them is one the seed can check.
"""

from __future__ import annotations

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from .context import Context
from .dialogue import Speaker, say
from .echoes import without_repeats
from .model_call import ModelCallError, ask_view, model_failure
from .parsing import entry_point_of, problem_statement, top_level_functions
from .prompts import load_prompt, render_prompt
from .seed_interface import signatures
from .state import RoleState


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    snippet = state["seed"]["snippet"]
    interface = signatures(snippet)
    shown = f"\n{render_prompt('questioner_seed_signatures', signatures=interface)}\n" if interface else ""
    view = [
        SystemMessage(content=load_prompt("questioner")),
        HumanMessage(content=render_prompt("questioner_seed", snippet=snippet, signatures=shown)),
    ]
    try:
        reply = ask_view(Speaker.QUESTIONER, view, runtime)
    except ModelCallError as error:
        return model_failure(error)
    # a sentence looped to the token cap is kept once (csv's DictWriter problem, session 18: one edge case 33 times)
    problem = without_repeats(problem_statement(reply.complete_text))
    if not problem:
        return {
            "tokens": reply.tokens,
            "verdict": {
                "status": "discarded",
                "reason": "no_problem",
                "last_error": "the questioner replied with nothing",
            },
        }
    return {
        "messages": [say(Speaker.QUESTIONER, problem)],
        "problem": problem,
        "entry_point": entry_point_of(problem, top_level_functions(snippet)),
        "tokens": reply.tokens,
    }
