"""The execute node: runs the current solution with the current tests in the sandbox chosen for the run.

Every execution is a round, including one where there was nothing to run because the last reply had no
code: that round is recorded (so a model that never writes code still runs out of rounds) without a
sandbox call. The same holds for a revision identical to code that just failed (small models resend their
code after an explanation): running it again would only repeat the failure, so the programmer is told
instead. Sandbox breakage is not the code's fault, so it ends the dialogue with its own reason instead of
being fed to the error analyst. Tests that verify nothing (``test_quality``: they use nothing the solution
defines, or pass against a wrong stand-in of it) are refused before the solution runs: a failed round
recorded as ``skipped="vacuous_tests"`` with the check's verdict, whose interpreter turn tells the test
writer what is wrong, so no dialogue is ever verified by such tests.

Each record also says which tests the code ran against and how far through them it got, so a graph that
ends without a pass can tell its attempts apart (see ``codergen.finish``).
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from ..agents.context import Context
from ..agents.dialogue import Speaker, say, speaker_of
from ..agents.prompts import load_prompt, render_prompt
from ..agents.state import RoleState
from ..sandbox.engine import run_request
from ..sandbox.progress import line_of_tests_reached
from ..sandbox.requirements import with_setup
from ..sandbox.types import ExecRequest, ExecResult, Outcome
from .test_quality import QualityVerdict, check_tests, digest, refusal


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    context = runtime.context or Context()
    round_no = state.get("round", 0) + 1
    missing = _missing(state)
    inputs = inputs_digest(state)
    setup = with_setup(state.get("environment") or [], state.get("setup") or [])
    checked = (
        None
        if missing
        else check_tests(state["solution"], state["tests"], setup, context, state.get("executions") or [])
    )
    quality, broken = checked or (None, None)
    skipped = _skipped(state, missing, quality, inputs)
    reached = 0
    if missing:
        text = render_prompt("interpreter_missing", what=missing)
        result = ExecResult(outcome=Outcome.ERROR, stderr=text)
    elif broken:
        result = broken
        text = interpreter_text(result)
    elif quality and skipped == "vacuous_tests":
        text = refusal(quality)
        result = ExecResult(outcome=Outcome.ERROR, stderr=text)
    elif skipped == "unchanged":
        text = load_prompt("interpreter_unchanged")
        result = ExecResult(outcome=Outcome.ERROR, stderr=text)
    else:
        request = ExecRequest.python(state["solution"], tests=state["tests"], setup=setup, timeout_s=context.timeout_s)
        result = run_request(context.sandbox, request)
        text = interpreter_text(result)
        reached = line_of_tests_reached(request, result)
    record: dict[str, Any] = {
        **result.model_dump(mode="json"),
        "round": round_no,
        "inputs": inputs,
        "tests_digest": tests_digest(state.get("tests", "")),
        "tests_reached": reached,
        "skipped": skipped,
        "test_quality": quality,
    }
    update: RoleState = {
        "round": round_no,
        "executions": [record],
        "messages": [say(Speaker.INTERPRETER, text, outcome=result.outcome.value, round=round_no)],
    }
    if result.outcome is Outcome.SANDBOX_ERROR:
        update["verdict"] = {"status": "discarded", "reason": "sandbox_error", "last_error": result.feedback()}
    return update


def inputs_digest(state: RoleState) -> str:
    """What an execution depends on (solution, tests, setup), so that a repeated request can be recognised."""
    return digest([state.get("solution", ""), state.get("tests", ""), state.get("setup", [])])


def tests_digest(tests: str) -> str:
    """Which tests an execution ran against (the test writer may rewrite them between rounds)."""
    return digest(tests)


def _skipped(state: RoleState, missing: str | None, quality: QualityVerdict | None, inputs: str) -> str | None:
    """Why the solution is not run this round: nothing to run, tests that verify nothing (whatever the code,
    so this comes before the code's own resend check), or code resent unchanged after a failure."""
    if missing:
        return "missing"
    if quality and quality["verdict"] == "vacuous":
        return "vacuous_tests"
    return "unchanged" if _repeats_a_failure(state, inputs) else None


def _repeats_a_failure(state: RoleState, inputs: str) -> bool:
    executions = state.get("executions") or []
    return bool(executions) and executions[-1].get("inputs") == inputs and executions[-1]["outcome"] != "passed"


def _missing(state: RoleState) -> str | None:
    if not state.get("solution"):
        return "solution code"
    if not state.get("tests"):
        return "unit tests"
    return None


def interpreter_text(result: ExecResult) -> str:
    """The interpreter's turn: stdout on success (AutoCoder's closing evidence), the failure feedback otherwise."""
    if result.passed:
        return f"Execution succeeded.\n{result.stdout.strip()}".strip()
    return result.feedback()


def last_feedback(state: RoleState) -> str:
    """The interpreter's last word on code that actually ran: a resent copy that was not run says nothing new
    about the code, so the failure it repeats is what a user or a discards file should see."""
    messages = state.get("messages", [])
    ran = {e["round"] for e in state.get("executions", []) if e.get("skipped") != "unchanged"}
    for message in reversed(messages):
        if speaker_of(message) is Speaker.INTERPRETER and message.additional_kwargs.get("round") in ran:
            return message.text
    return messages[-1].text if messages else ""
