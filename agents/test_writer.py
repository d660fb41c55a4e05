"""The test writer: writes assert-based unit tests for the problem, and rewrites them when they are blamed.

Tests are plain asserts run in the same interpreter as the solution (no pytest, no plugins), the way
HumanEval and AutoCoder's interpreter execute them. The test writer is not shown the programmer's code:
tests derived from the problem alone can catch a wrong solution instead of confirming it, and small
models shown code tend to copy it back instead of testing it.
"""

from __future__ import annotations

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from .context import Context
from .dialogue import Speaker, say, speaker_of, view_for
from .model_call import ModelCallError, ask_view, model_failure
from .parsing import extract_tests
from .prompts import load_prompt, render_prompt
from .state import RoleState


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    visible = [m for m in state.get("messages", []) if speaker_of(m) is not Speaker.PROGRAMMER]
    request = HumanMessage(
        content=render_prompt("test_writer_request", entry_point=state.get("entry_point") or "the function")
    )
    try:
        reply = ask_view(
            Speaker.TEST_WRITER,
            view_for({Speaker.TEST_WRITER}, load_prompt("test_writer"), [*visible, request]),
            runtime,
        )
    except ModelCallError as error:
        return model_failure(error)
    tests = extract_tests(reply.text, state.get("entry_point"), state.get("solution"))
    return {
        "messages": [say(Speaker.TEST_WRITER, reply.text, has_code=tests is not None)],
        "tests": tests or "",
        "fault": None,
        "tokens": reply.tokens,
    }
