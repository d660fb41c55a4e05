"""AIEV-Instruct (AutoCoder): a seed becomes a problem, a solution and tests, verified by execution.

questioner -> check_examples -> programmer -> test_writer -> execute, then: passed -> finalize; failed with rounds
left -> error_analyst -> programmer (or test_writer when the analyst blames the tests); tests refused as vacuous (they
use nothing the solution defines or pass against a wrong stand-in of it) or as contradicting the seed (they fail
against the seed's own code, which the solution keeps the signature of, and could not be repaired from it) ->
test_writer; so do tests that expect another value than the problem's own example of the same call (unless they
passed against the seed); out of rounds -> discard (reason ``vacuous_tests``, ``tests_contradict_reference`` or
``tests_contradict_problem`` when the last tests were refused, else ``max_rounds``). ``check_examples`` keeps the
problem's first few examples, adds the seed's signature to a problem that states none, and replaces the example values
that the seed contradicts by the seed's (``problem_examples``) when the problem keeps the seed's function; a problem
whose examples give one call different values is discarded there (``contradictory_examples``,
``problem_consistency``). Messages follow AutoCoder's Figure 3: problem, solution and tests, interpreter stderr,
natural-language analysis, new code, ..., interpreter stdout and the closing answer. Any node that sets a ``verdict``
(model or sandbox failure, a contradictory problem) ends the dialogue at once.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Checkpointer

from ..agents import error_analyst, programmer, questioner, test_writer
from ..agents.context import Context
from ..agents.dialogue import Speaker, say
from ..agents.model_call import new_dialogue
from ..agents.prompts import render_prompt
from ..agents.seed_interface import signature
from ..agents.state import Seed
from . import problem_consistency, problem_examples, problem_names
from .execute import last_feedback
from .execute import node as execute
from .routing import (
    after_failed_run,
    after_programmer,
    after_test_writer,
    failure_reason,
    last_run_passed,
    out_of_rounds,
)
from .seeds import make_seed
from .state import Stage, State, Verdict


def finalize(state: State) -> State:
    """The closing answer with the verified code, and the passing verdict."""
    return {
        "messages": [say(Speaker.PROGRAMMER, render_prompt("closing_answer", code=state["solution"].strip()))],
        "verdict": {"status": "passed", "reason": "passed", "last_error": ""},
    }


def discard(state: State) -> State:
    """Out of rounds: keep the reason (the refusal when the last tests were refused, ``routing.failure_reason``)
    and the last interpreter feedback for the discards file."""
    reason = f"no passing execution in {state.get('round', 0)} rounds"
    last_error = f"{reason}\n{last_feedback(state)}".strip()
    return {"verdict": {"status": "discarded", "reason": failure_reason(state), "last_error": last_error}}


def check_examples(state: State, runtime: Runtime[Context]) -> State:
    """The problem with its function under the seed's name when the questioner renamed it (``problem_names``), its
    examples bounded (a looping questioner's 28 become 5), the seed's signature when it states none
    (``_with_seed_signature``) and the values the seed contradicts replaced by the seed's (``problem_examples``); the
    questioner's turn is rewritten to it (same message id), so the dialogue and the training sample state the
    corrected problem. A problem whose examples give one call different values ends the dialogue
    (``_contradictory``)."""
    context = runtime.context or Context()
    entry_point, problem = state.get("entry_point"), state["problem"]
    seed_name = problem_names.seed_named(problem, entry_point, state["seed"]["snippet"])
    if seed_name and entry_point:  # the questioner renamed the seed's function: the seed could check nothing
        problem = problem_names.renamed(problem, entry_point, seed_name)
    # before the bound, which drops a later example of a call already shown and with it the contradiction
    if conflicts := problem_consistency.conflicting_examples(problem, seed_name or entry_point):
        return {"verdict": _contradictory(conflicts)}  # the questioner's turn stays as written, for the discards file
    problem, dropped = problem_examples.bounded(problem, seed_name or entry_point)
    stated = _with_seed_signature(problem, seed_name or entry_point, state["seed"]["snippet"])
    problem, fixed = problem_examples.checked_problem(
        stated or problem, seed_name or entry_point, state["seed"]["snippet"], context
    )
    if not dropped and not fixed and not seed_name and not stated:
        return {}
    original = state["messages"][-1]
    meta = {
        **original.additional_kwargs,
        "examples_dropped": dropped,
        "examples_repaired_from_reference": fixed,
        "signature_from_seed": bool(stated),
    }
    if seed_name:
        meta["renamed_from"] = entry_point
    turn = say(Speaker.QUESTIONER, problem, **meta)
    update: State = {"problem": problem, "messages": [turn.model_copy(update={"id": original.id})]}
    return {**update, "entry_point": seed_name} if seed_name else update


def _contradictory(conflicts: list[str]) -> Verdict:
    """The verdict on a problem whose examples give one call different values (``problem_consistency``): no code
    can meet it, and a dialogue that ended verified on it would be trained on as if one could."""
    listed = "\n".join(f"- {conflict}" for conflict in conflicts)
    return {
        "status": "discarded",
        "reason": "contradictory_examples",
        "last_error": f"the problem's examples give one call different values:\n{listed}",
    }


def _with_seed_signature(problem: str, entry_point: str | None, seed: str) -> str | None:
    """The problem with the seed's signature of its entry point appended, when the problem states none that parses
    (the 0.5B gave ``unquote``'s "in words": "take a single string argument"); None when it states one or the seed
    has no such function. Without a signature the problem's examples cannot be checked against the seed, and the
    programmer must guess the parameters the tests call."""
    if not entry_point or problem_examples.signature_stub(problem, entry_point):
        return None
    stub = signature(seed, entry_point)
    return f"{problem.rstrip()}\n\nSignature:\n```python\n{stub}\n```" if stub else None


def after_questioner(state: State) -> str:
    return END if "verdict" in state else "check_examples"


def after_execute(state: State, runtime: Runtime[Context]) -> str:
    if "verdict" in state:
        return END
    if last_run_passed(state):
        return "finalize"
    return "discard" if out_of_rounds(state, runtime) else after_failed_run(state)


def after_check_examples(state: State) -> str:
    return END if "verdict" in state else "programmer"


def after_error_analyst(state: State) -> str:
    if "verdict" in state:
        return END
    return "test_writer" if state.get("fault") == "test" else "programmer"


def build_graph(checkpointer: Checkpointer = None):
    """The compiled AIEV-Instruct graph; pass a checkpointer to make runs resumable per thread."""
    builder = StateGraph(State, context_schema=Context)
    builder.add_node("questioner", questioner.node)
    builder.add_node("check_examples", check_examples)
    builder.add_node("programmer", programmer.node)
    builder.add_node("test_writer", test_writer.node)
    builder.add_node("execute", execute)
    builder.add_node("error_analyst", error_analyst.node)
    builder.add_node("finalize", finalize)
    builder.add_node("discard", discard)
    builder.add_edge(START, "questioner")
    builder.add_conditional_edges("questioner", after_questioner, ["check_examples", END])
    builder.add_conditional_edges("check_examples", after_check_examples, ["programmer", END])
    builder.add_conditional_edges("programmer", after_programmer, ["execute", "test_writer", END])
    builder.add_conditional_edges("test_writer", after_test_writer, ["execute", END])
    builder.add_conditional_edges(
        "execute", after_execute, ["finalize", "discard", "programmer", "test_writer", "error_analyst", END]
    )
    builder.add_conditional_edges("error_analyst", after_error_analyst, ["programmer", "test_writer", END])
    builder.add_edge("finalize", END)
    builder.add_edge("discard", END)
    return builder.compile(checkpointer=checkpointer, name="aiev_instruct")


graph = build_graph()


def generate_one(seed: Seed | str, context: Context | None = None, *, stage: Stage = "teaching") -> State:
    """Run one dialogue in-process (no checkpointer) and return its final state; a string is a snippet."""
    if isinstance(seed, str):
        seed = make_seed(seed, "inline")
    return graph.invoke({"seed": seed, "stage": stage}, new_dialogue(), context=context or Context())
