"""The test writer: writes assert-based unit tests for the problem, and rewrites them when they are blamed.

Tests are plain asserts run in the same interpreter as the solution (no pytest, no plugins), the way
HumanEval and AutoCoder's interpreter execute them. The test writer is not shown the programmer's code:
tests derived from the problem alone can catch a wrong solution instead of confirming it, and small
models shown code tend to copy it back instead of testing it.

Asked to rewrite its tests (refused as vacuous or as contradicting the seed, or blamed by the analyst), a small model
at greedy decoding resends them verbatim: the 1.5B sent the same three identical asserts after each of three
refusals and the dialogue was discarded. A reply that carries exactly the tests it was asked to rewrite is therefore
drawn once more at ``Context.candidate_temperature`` (the programmer's extra candidates are sampled the same way), and
that reply is the turn; both cost their tokens. So is a reply that repeats an earlier one: the same tests as any
earlier turn (the 1.5B's ``isframe`` tests came back after a reply without tests, refused again for the same input), or
the same words as an earlier reply without tests (told that its reply held no tests, the 1.5B at greedy decoding sent
the same implementation of the class, its expected bytes cut by the token cap, three rounds running: zlib's
``IncrementalEncoder``, session 22).
The second draw starts over, as the programmer's does after a resent copy: it is shown the task and the latest
feedback, not its own earlier replies. Shown them, the 0.5B copied them at 0.7 too: in the five 0.5B draws of
sessions 15 and 16, 18 of 35 such second draws were the earlier reply verbatim (``distutils``'
``fix_help_options``: the same identity-passing tests three rounds running).

Sent back because every candidate of the round failed the same asserts with the same values (``suspect_asserts`` on
the round's record, ``graphs/candidates``), the test writer is shown those asserts and asked to work their expected
values out again from the problem; it is not shown the values the candidates gave, so a rewritten test still comes
from the problem, not from the code it will judge.
"""

from __future__ import annotations

from langchain_core.messages import AnyMessage, HumanMessage
from langgraph.runtime import Runtime

from .context import Context
from .dialogue import Speaker, before_first_turn, say, speaker_of, view_for
from .echoes import without_repeated_asserts
from .missing_imports import with_imports
from .model_call import ModelCallError, ask_view, model_failure
from .parsing import extract_tests, test_blocks, top_level_functions
from .prompts import load_prompt, render_prompt
from .state import RoleState, add_token_counts


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    visible = [m for m in state.get("messages", []) if speaker_of(m) is not Speaker.PROGRAMMER]
    request = HumanMessage(content=_request(state))
    system = load_prompt("test_writer")
    try:
        reply = ask_view(Speaker.TEST_WRITER, view_for({Speaker.TEST_WRITER}, system, [*visible, request]), runtime)
        text, tokens = _completed(reply.complete_text, state), reply.tokens
        tests = _tests_of(text, state)
        earlier = [str(m.content) for m in visible if speaker_of(m) is Speaker.TEST_WRITER]
        resampled = tests in {state.get("tests"), *(_tests_of(e, state) for e in earlier)} if tests else text in earlier
        if resampled:  # the very tests, or no-tests reply, it was told about: drawn again (see the module doc)
            sampled = runtime.override(context=(runtime.context or Context()).for_candidates())
            view = view_for({Speaker.TEST_WRITER}, system, [*_without_own_replies(visible), request])
            reply = ask_view(Speaker.TEST_WRITER, view, sampled)
            text, tokens = _completed(reply.complete_text, state), add_token_counts(tokens, reply.tokens)
            tests = _tests_of(text, state)
    except ModelCallError as error:
        return model_failure(error)
    turn = say(Speaker.TEST_WRITER, text, has_code=tests is not None, resampled=resampled)
    return {"messages": [turn], "tests": tests or "", "fault": None, "tokens": tokens}


def _request(state: RoleState) -> str:
    """What the test writer is asked: its tests, and which of them to recheck when they are suspect."""
    request = render_prompt("test_writer_request", entry_point=state.get("entry_point") or "the function")
    executions = state.get("executions") or []
    suspect = executions[-1].get("suspect_asserts") if executions else None
    if not suspect:
        return request
    note = render_prompt("test_writer_suspect", count=str(executions[-1]["agreeing"]), asserts="\n".join(suspect))
    return f"{note}\n\n{request}"


def _without_own_replies(visible: list[AnyMessage]) -> list[AnyMessage]:
    """The turns before the test writer's first reply (the task), then the latest feedback on its tests (the
    interpreter's refusal, the analyst's blame): what a fresh draw needs, with nothing of its own to copy."""
    task = before_first_turn(Speaker.TEST_WRITER, visible)
    latest = visible[-1:] if len(task) < len(visible) and speaker_of(visible[-1]) is not Speaker.TEST_WRITER else []
    return [*task, *latest]


def _completed(reply: str, state: RoleState) -> str:
    """The reply as its turn keeps it: a looped assert once (``echoes``), and the standard-library imports its tests
    forgot (``missing_imports``), never one over a name the solution defines (the tests run after it, in its file)."""
    text = without_repeated_asserts(reply)
    bound = {*top_level_functions(state.get("solution") or ""), state.get("entry_point") or ""}
    return with_imports(text, test_blocks(text), bound)


def _tests_of(text: str, state: RoleState) -> str | None:
    return extract_tests(text, state.get("entry_point"), state.get("solution"))
