"""The execute node: runs the current solution with the current tests in the sandbox chosen for the run.

Every execution is a round, including one where there was nothing to run because the last reply had no
code: that round is recorded (so a model that never writes code still runs out of rounds) without a
sandbox call. The same holds for a revision identical to code that just failed (small models resend their
code after an explanation): running it again would only repeat the failure, so the programmer is told
instead. Sandbox breakage is not the code's fault, so it ends the dialogue with its own reason instead of
being fed to the error analyst.

Each record also says which tests the code ran against and how far through them it got, so a graph that
ends without a pass can tell its attempts apart (see ``codergen.finish``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from langgraph.runtime import Runtime

from ..agents.context import Context
from ..agents.dialogue import Speaker, say, speaker_of
from ..agents.prompts import load_prompt, render_prompt
from ..agents.state import RoleState
from ..sandbox.engine import SandboxUnavailable, get_engine
from ..sandbox.progress import line_of_tests_reached
from ..sandbox.requirements import with_setup
from ..sandbox.types import ExecRequest, ExecResult, Outcome


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    context = runtime.context or Context()
    round_no = state.get("round", 0) + 1
    missing = _missing(state)
    digest = inputs_digest(state)
    skipped = "missing" if missing else "unchanged" if _repeats_a_failure(state, digest) else None
    reached = 0
    if missing:
        text = render_prompt("interpreter_missing", what=missing)
        result = ExecResult(outcome=Outcome.ERROR, stderr=text)
    elif skipped == "unchanged":
        text = load_prompt("interpreter_unchanged")
        result = ExecResult(outcome=Outcome.ERROR, stderr=text)
    else:
        setup = with_setup(state.get("environment") or [], state.get("setup") or [])
        request = ExecRequest.python(state["solution"], tests=state["tests"], setup=setup, timeout_s=context.timeout_s)
        try:
            result = get_engine(context.sandbox).run(request)
        except SandboxUnavailable as error:
            result = ExecResult(outcome=Outcome.SANDBOX_ERROR, stderr=str(error))
        text = interpreter_text(result)
        reached = line_of_tests_reached(request, result)
    record: dict[str, Any] = {
        **result.model_dump(mode="json"),
        "round": round_no,
        "inputs": digest,
        "tests_digest": tests_digest(state.get("tests", "")),
        "tests_reached": reached,
        "skipped": skipped,
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
    return _digest([state.get("solution", ""), state.get("tests", ""), state.get("setup", [])])


def tests_digest(tests: str) -> str:
    """Which tests an execution ran against (the test writer may rewrite them between rounds)."""
    return _digest(tests)


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16]


def _repeats_a_failure(state: RoleState, digest: str) -> bool:
    executions = state.get("executions") or []
    return bool(executions) and executions[-1].get("inputs") == digest and executions[-1]["outcome"] != "passed"


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
