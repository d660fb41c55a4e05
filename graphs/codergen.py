"""CoderGen (AICoderEval): execute / analyse / refine as an inference mode for a user's task.

The same role nodes as AIEV-Instruct in another graph: the user's task replaces the questioner, and the
user's own tests, when given, replace the test writer and are never rewritten (the analyst may blame them,
but they are the specification, so the code is revised instead).

intake -> programmer -> [test_writer, only without user tests] -> execute, then: passed or out of rounds
-> finish; otherwise error_analyst -> programmer (or test_writer when it blames generated tests). Tests that
verify nothing (``test_quality``) are refused before the code runs: generated ones go back to the test writer,
the user's end the loop at once with reason ``vacuous_tests`` (they cannot be rewritten, and no answer can be
said to pass them).

When no round passes, the code returned is not simply the last: it is the attempt that got furthest through
the final tests, the earliest among equals (the earliest code when none ran against them), unless the candidates of a
round all agreed against generated tests (``agreed_attempt``): that round's code is then the answer. Revisions are
shaped by the feedback, and when the tests are wrong (a docstring example that contradicts the task, a generated
test with a wrong expected value) a small model trades correct code for code that fits the error, or ends on a reply
with no code at all; a revision replaces the first answer only by doing better on the tests. With several candidates
per programmer turn (``Context.candidates``, ``graphs/candidates.py``) a round's attempt is the candidate that answered
it: the one that passed, else the first, whose failure the round's feedback is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypedDict

from langchain_core.messages import AnyMessage, messages_to_dict
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from pydantic import BaseModel

from ..agents import error_analyst, programmer, test_writer
from ..agents.context import Context
from ..agents.dialogue import Speaker, say, speaker_of
from ..agents.model_call import new_dialogue
from ..agents.parsing import entry_point_of, extract_setup, extract_solution
from ..agents.prompts import render_prompt
from ..agents.state import RoleState, Verdict
from .execute import last_feedback, tests_digest
from .execute import node as execute
from .routing import (
    after_failed_run,
    after_programmer,
    after_test_writer,
    failure_reason,
    last_run_passed,
    last_tests_refused,
    out_of_rounds,
)


class CoderGenState(RoleState, total=False):
    task: str  # the user's task as given
    chosen_round: int  # the round whose code is the answer (0: no reply had code)
    tests_in_task: bool  # the user's tests are the task's own examples, already in its text


class CoderGenInput(TypedDict, total=False):
    """What a caller (or LangGraph Studio) passes in: the task, optionally its tests and function name."""

    task: str
    user_tests: str
    tests_in_task: bool
    entry_point: str | None
    environment: list[str]  # setup lines the task comes with (e.g. a benchmark's ``pip install``), run every round


def intake(state: CoderGenState) -> CoderGenState:
    """The user's turn that opens the dialogue; user tests are part of what the programmer is told, unless they
    are the task's own examples (then the opening turn is the task alone, exactly what a model without the loop
    is asked, so the loop's first answer is that model's answer)."""
    task = state["task"].strip()
    user_tests = (state.get("user_tests") or "").strip()
    shown = user_tests and not state.get("tests_in_task")
    text = render_prompt("codergen_task_with_tests", task=task, tests=user_tests) if shown else task
    return {
        "messages": [say(Speaker.USER, text)],
        "problem": task,
        "entry_point": state.get("entry_point") or entry_point_of(task),
        "tests": user_tests,
        "round": 0,
    }


def finish(state: CoderGenState) -> CoderGenState:
    executions = state.get("executions") or []
    if executions and executions[-1]["outcome"] == "passed":
        passed: Verdict = {"status": "passed", "reason": "passed", "last_error": ""}
        return {"verdict": passed, "chosen_round": executions[-1]["round"]}
    chosen = agreed_attempt(state) or furthest_attempt(state)
    failed: Verdict = {
        "status": "discarded",
        "reason": failure_reason(state),
        "last_error": feedback_of_round(state, chosen),
    }
    update: CoderGenState = {"verdict": failed, "chosen_round": chosen}
    if chosen:
        reply = _programmer_reply_of_round(state.get("messages", []), chosen)
        update |= {"solution": extract_solution(reply, state.get("entry_point")) or "", "setup": extract_setup(reply)}
    return update


def agreed_attempt(state: CoderGenState) -> int:
    """The earliest round whose candidates all gave the same values and failed generated tests (``suspect_asserts``),
    0 when none did. Without a pass its code is the answer, before any attempt that got further through the tests:
    the candidates' agreement is evidence the tests were wrong (``graphs/candidates``), and later rounds only fit the
    code to them. A user's tests are the specification, so never with those."""
    if state.get("user_tests"):
        return 0
    return next((e["round"] for e in state.get("executions") or [] if e.get("suspect_asserts")), 0)


def furthest_attempt(state: CoderGenState) -> int:
    """The round whose code got furthest through the final tests, the earliest among equals. When no code ran
    against them (each round's generated tests refused, or the tests rewritten after the last run), the earliest
    round that had code: a revision made without evidence against the first answer is no better than it, and a
    later reply may hold no code at all (the loop then returned nothing: the 0.5B's HumanEval/14 with its examples
    hidden ended so once, although its first answer was right). 0: no reply had code."""
    executions = state.get("executions") or []
    final = tests_digest(state.get("tests", ""))
    ran = [e for e in executions if not e.get("skipped") and e.get("tests_digest") == final]
    if not ran:
        return min((e["round"] for e in executions if e.get("skipped") != "missing"), default=0)
    return max(ran, key=lambda e: (e.get("tests_reached", 0), -e["round"]))["round"]


def _programmer_reply_of_round(messages: Sequence[AnyMessage], round_no: int) -> str:
    """The programmer's reply whose code the interpreter ran in ``round_no``."""
    reply = ""
    for message in messages:
        speaker = speaker_of(message)
        if speaker is Speaker.PROGRAMMER:
            reply = message.text
        elif _is_interpreter_turn_of(message, round_no):
            return reply
    return reply


def feedback_of_round(state: CoderGenState, round_no: int) -> str:
    """The interpreter's turn on the code of ``round_no``; the last word on code that ran when ``round_no`` is 0."""
    for message in state.get("messages", []) if round_no else []:
        if _is_interpreter_turn_of(message, round_no):
            return message.text
    return last_feedback(state)


def _is_interpreter_turn_of(message: AnyMessage, round_no: int) -> bool:
    return speaker_of(message) is Speaker.INTERPRETER and message.additional_kwargs.get("round") == round_no


def after_execute(state: CoderGenState, runtime: Runtime[Context]) -> str:
    """The user's tests are never rewritten, so when they verify nothing the loop ends there: no answer could be
    shown to pass them."""
    if "verdict" in state:
        return END
    if (
        last_run_passed(state)
        or out_of_rounds(state, runtime)
        or (last_tests_refused(state) and state.get("user_tests"))
    ):
        return "finish"
    return after_failed_run(state)


def after_error_analyst(state: CoderGenState) -> str:
    if "verdict" in state:
        return END
    return "test_writer" if state.get("fault") == "test" and not state.get("user_tests") else "programmer"


def build_graph(checkpointer: Any = None):
    builder = StateGraph(CoderGenState, input_schema=CoderGenInput, context_schema=Context)
    builder.add_node("intake", intake)
    builder.add_node("programmer", programmer.node)
    builder.add_node("test_writer", test_writer.node)
    builder.add_node("execute", execute)
    builder.add_node("error_analyst", error_analyst.node)
    builder.add_node("finish", finish)
    builder.add_edge(START, "intake")
    builder.add_edge("intake", "programmer")
    builder.add_conditional_edges("programmer", after_programmer, ["execute", "test_writer", END])
    builder.add_conditional_edges("test_writer", after_test_writer, ["execute", END])
    builder.add_conditional_edges(
        "execute", after_execute, ["finish", "programmer", "test_writer", "error_analyst", END]
    )
    builder.add_conditional_edges("error_analyst", after_error_analyst, ["programmer", "test_writer", END])
    builder.add_edge("finish", END)
    return builder.compile(checkpointer=checkpointer, name="codergen")


graph = build_graph()


class CoderGenResult(BaseModel):
    """What ``solve`` returns: the final code, how it fared on the tests, and the whole transcript."""

    task: str
    code: str  # the passing solution, else the attempt furthest through the tests, else the earliest code (none ran)
    passed: bool
    reason: str  # "passed", "max_rounds", "vacuous_tests", "model_error", "sandbox_error"
    rounds: int
    chosen_round: int  # the round ``code`` comes from (0 when no reply had code)
    setup: list[str]  # the pip install lines ``code`` ran with
    tests: str  # the tests the code was run with
    tests_source: Literal["user", "generated"]
    report: str  # the interpreter's output for ``code`` (stdout on success, the failure otherwise)
    last_error: str  # the failure of ``code`` ("" when it passed)
    executions: list[dict[str, Any]]
    messages: list[dict[str, Any]]  # langchain_core ``messages_to_dict`` of the transcript
    tokens: dict[str, int]


def solve(
    task: str,
    *,
    tests: str | None = None,
    entry_point: str | None = None,
    context: Context | None = None,
    tests_in_task: bool = False,
    environment: list[str] | None = None,
) -> CoderGenResult:
    """Solve ``task`` with execution feedback, in-process. ``tests``: the user's own assert-based tests;
    ``tests_in_task``: they only restate examples the task text already shows; ``environment``: setup lines
    (``pip install ...``) the task's code may rely on, run before every execution."""
    inputs: CoderGenInput = {
        "task": task, "user_tests": tests or "", "tests_in_task": tests_in_task, "entry_point": entry_point,
        "environment": environment or [],
    }  # fmt: skip
    state = graph.invoke(inputs, new_dialogue(), context=context or Context())  # one server per dialogue
    return result_from_state(state)


def result_from_state(state: CoderGenState) -> CoderGenResult:
    verdict = state.get("verdict") or {"status": "discarded", "reason": "unfinished", "last_error": ""}
    messages = state.get("messages", [])
    return CoderGenResult(
        task=state.get("task", ""),
        code=state.get("solution", ""),
        passed=verdict["status"] == "passed",
        reason=verdict["reason"],
        rounds=state.get("round", 0),
        chosen_round=state.get("chosen_round", state.get("round", 0)),
        setup=state.get("setup", []),
        tests=state.get("tests", ""),
        tests_source="user" if state.get("user_tests") else "generated",
        report=feedback_of_round(state, state.get("chosen_round", 0)),
        last_error=verdict["last_error"],
        executions=state.get("executions", []),
        messages=messages_to_dict(messages),
        tokens=state.get("tokens", {}),
    )
