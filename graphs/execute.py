"""The execute node: runs the current solution with the current tests in the sandbox chosen for the run.

Every execution is a round, including one where there was nothing to run because the last reply had no
code: that round is recorded (so a model that never writes code still runs out of rounds) without a
sandbox call. The same holds for a revision identical to code that just failed (small models resend their
code after an explanation): running it again would only repeat the failure, so the programmer is told
instead. Sandbox breakage is not the code's fault, so it ends the dialogue with its own reason instead of
being fed to the error analyst. Tests that verify nothing (``test_quality``: they use nothing the solution
defines, or pass against a wrong stand-in of it) are refused before the solution runs: a failed round
recorded as ``skipped="vacuous_tests"`` with the check's verdict, whose interpreter turn tells the test
writer what is wrong, so no dialogue is ever verified by such tests. So are tests that fail against the seed
the problem was derived from, when the solution keeps the seed's names and signatures (``skipped=
"tests_contradict_reference"``): the seed is correct by construction, so such tests expect wrong values. Where the
seed can say which values they should expect, the tests are repaired instead and the repaired tests run (with the
seed's own cases added and floats compared within a tolerance, ``test_quality``): they become the state's tests and
the test writer's turn shows them (``repaired_from_reference`` in its metadata). A pass of tests that also passed
against the seed is checked once more on the seed's answers for inputs the tests lack (``seed_gate``): a case the
solution gets wrong is appended to the tests the same way, and the solution runs again against them, so the round
fails on that assert (the record's ``seed_gate_cases`` says how many cases it faced). Generated tests that did not
pass against the seed are refused as well when an assert of theirs expects another value for a call the problem's
own examples answer (``skipped="tests_contradict_problem"``, ``problem_consistency``), and generated tests that are
not Python (``skipped="tests_unparsable"``, ``unparsable``).

Each record also says which tests the code ran against and how far through them it got, so a graph that
ends without a pass can tell its attempts apart (see ``codergen.finish``). With several candidates per programmer
turn (``Context.candidates``), the others are sampled when the turn's reply fails, and one that passes answers the
round (``candidates``); the record then says which candidate it is and how many ran, and, when every candidate
failed the same asserts with the same values, those asserts (``suspect_asserts``: the tests are suspect, unless
they passed against the seed) and how many candidates agreed (``agreeing``).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

from langgraph.runtime import Runtime

from ..agents import programmer
from ..agents.context import Context
from ..agents.dialogue import Speaker, say, speaker_of
from ..agents.model_call import ModelCallError, model_failure
from ..agents.prompts import load_prompt, render_prompt
from ..agents.state import RoleState
from ..sandbox.engine import run_request
from ..sandbox.progress import line_of_tests_reached
from ..sandbox.requirements import with_setup
from ..sandbox.types import ExecRequest, ExecResult, Outcome
from . import assert_values, problem_consistency, seed_gate
from .candidates import Attempt, Choice, answered, as_turn, choose, others_may_pass
from .test_quality import REFUSED_TESTS, QualityVerdict, check_tests, digest, refusal, unparsable


def node(state: RoleState, runtime: Runtime[Context]) -> RoleState:
    context = runtime.context or Context()
    round_no = state.get("round", 0) + 1
    first = attempt(state, context)
    repaired = _repaired(first)
    if context.candidates == 1:
        return _recorded(first, round_no, _with_repaired_tests(state, repaired) if repaired else {})
    written = state  # the transcript as it stands, whose test writer turn a repair rewrites
    if repaired:  # what runs from now on, the other candidates included
        state = {**state, "tests": repaired}
    pool, tokens = [answered(state)], {}
    if others_may_pass(state, first):
        try:
            others, tokens = programmer.sample_others(state, runtime)
        except ModelCallError as error:
            return model_failure(error)
        pool += others
    choice = choose(
        pool,
        state,
        first,
        lambda view, known: attempt(view, context, known),
        lambda view: assert_outputs(view, context),
    )
    # The tests the round's answer ran against: its own check may have rewritten them (a later candidate that keeps
    # the seed's signature where the first did not), and the sample must show the tests that ran.
    repaired = _repaired(choice.attempt) or repaired
    update: RoleState = _with_repaired_tests(written, repaired) if repaired else {}
    if tokens:
        update["tokens"] = tokens
    if choice.index:
        chosen = pool[choice.index]
        turn = as_turn(state.get("messages", []), chosen, choice.index)
        update = {**update, "solution": chosen["solution"], "setup": chosen["setup"]}
        update["messages"] = [*update.get("messages", []), turn]
    which: dict[str, Any] = {"candidate": choice.index, "candidates_run": choice.ran}
    if choice.agreement is not None:  # the failed candidates' agreement scores, by candidate index
        which["agreement"] = {str(index): score for index, score in choice.agreement.items()}
    if suspect := _suspect_asserts(choice, state.get("tests", "")):
        which |= {"suspect_asserts": suspect, "agreeing": len(pool)}  # every candidate of the pool agreed
    return _recorded(choice.attempt, round_no, update, **which)


def _suspect_asserts(choice: Choice, tests: str) -> list[str]:
    """The source of the asserts of ``tests`` that every candidate of the round failed with one value (the tests, not
    the code, are then suspect); none when the tests passed against the seed the problem came from, which is correct
    by construction: then the candidates share a mistake."""
    if not choice.suspect or (choice.attempt.record["test_quality"] or {}).get("reference_passed"):
        return []
    statements = assert_values.expectations(tests)
    return [ast.unparse(statements[at].statement) for at in choice.suspect]


def assert_outputs(state: RoleState, context: Context) -> dict[int, tuple[str, str]] | None:
    """What the state's solution gets for each ``assert <expr> == <literal>`` of its tests (``assert_values``)."""
    setup = with_setup(state.get("environment") or [], state.get("setup") or [])
    return assert_values.solution_values(state["solution"], state["tests"], setup, context)


def _repaired(tried: Attempt) -> str | None:
    """The tests an attempt's test-quality check rewrote (``test_quality``: repaired from the seed, more cases,
    tolerant floats), which are what it ran against; None when they ran as they were."""
    return (tried.record["test_quality"] or {}).get("repaired")


def _with_repaired_tests(state: RoleState, tests: str) -> RoleState:
    """The update that puts tests repaired from the reference (``test_quality``) in place of the test writer's: the
    state's tests, and its latest turn rewritten to them (same message id, so ``add_messages`` replaces the turn in
    place), so that the transcript, hence the training sample, shows the tests that ran."""
    original = next((m for m in reversed(state.get("messages", [])) if speaker_of(m) is Speaker.TEST_WRITER), None)
    if original is None:  # tests no test writer wrote: nothing in the transcript to rewrite
        return {"tests": tests}
    meta = {**original.additional_kwargs, "repaired_from_reference": True}
    turn = say(Speaker.TEST_WRITER, f"```python\n{tests.rstrip()}\n```", **meta)
    return {"tests": tests, "messages": [turn.model_copy(update={"id": original.id})]}


def attempt(state: RoleState, context: Context, known: Sequence[dict[str, Any]] = ()) -> Attempt:
    """The state's solution run against its tests, or the reason it was not run; ``known``: records of this
    round whose test-quality verdicts may be reused."""
    missing = _missing(state)
    inputs = inputs_digest(state)
    setup = with_setup(state.get("environment") or [], state.get("setup") or [])
    earlier = [*(state.get("executions") or []), *known]
    reference = (state.get("seed") or {}).get("snippet")  # AIEV-Instruct's seed; CoderGen has none
    constant = not state.get("user_tests")  # a user's tests are the specification, whatever they expect
    checked = None  # nothing to check
    if not missing and constant and (unreadable := unparsable(state["tests"], state["solution"])):
        checked = unreadable, None
    elif not missing:
        checked = check_tests(state["solution"], state["tests"], setup, context, earlier, reference, constant=constant)
    quality, broken = checked or (None, None)
    if quality and constant:
        quality = _against_problem(quality, state)
    tests = (quality or {}).get("repaired") or state.get("tests", "")
    skipped = _skipped(state, missing, quality, inputs)
    reached, gated = 0, None
    if missing:
        text = render_prompt("interpreter_missing", what=missing)
        result = ExecResult(outcome=Outcome.ERROR, stderr=text)
    elif broken:
        result = broken
        text = interpreter_text(result)
    elif quality and skipped in REFUSED_TESTS.values():
        text = refusal(quality)
        result = ExecResult(outcome=Outcome.ERROR, stderr=text)
    elif skipped == "unchanged":
        text = load_prompt("interpreter_unchanged")
        result = ExecResult(outcome=Outcome.ERROR, stderr=text)
    else:
        request = ExecRequest.python(state["solution"], tests=tests, setup=setup, timeout_s=context.timeout_s)
        result = run_request(context.sandbox, request)
        if result.passed and reference and quality and quality.get("reference_passed"):
            gate = seed_gate.check(state["solution"], tests, setup, reference, context)
            gated = gate.cases
            if gate.tests:  # a case the solution got wrong, appended: what runs and what the sample shows
                tests, quality = gate.tests, {**quality, "repaired": gate.tests}
                request = request.model_copy(update={"tests": tests})
                result = run_request(context.sandbox, request)
        text = interpreter_text(result)
        reached = line_of_tests_reached(request, result)
    record: dict[str, Any] = {
        **result.model_dump(mode="json"),
        "inputs": inputs_digest({**state, "tests": tests}),
        "tests_digest": tests_digest(tests),
        "tests_reached": reached,
        "skipped": skipped,
        "test_quality": quality,
        "seed_gate_cases": gated,  # seed-answered cases faced after a pass (``seed_gate``); None: not gated
    }
    return Attempt(result, text, record)


def _against_problem(quality: QualityVerdict, state: RoleState) -> QualityVerdict:
    """Tests that verify, refused after all when an assert of theirs expects another value for a call the problem's
    own examples answer (``problem_consistency``): a sample whose tests and problem disagree teaches both. Tests that
    passed against the seed keep their verdict: the seed is correct by construction, and outranks an example
    ``problem_examples`` could not repair."""
    if quality["verdict"] != "verifies" or quality.get("reference_passed"):
        return quality
    tests = quality.get("repaired") or state.get("tests", "")
    denied = problem_consistency.contradicted_examples(tests, state.get("problem", ""), state.get("entry_point"))
    if not denied:
        return quality
    refused: QualityVerdict = {**quality, "verdict": "contradicts_problem", "contradiction": "\n".join(denied)}
    refused.pop("repaired", None)  # refused tests do not run, repaired or not
    return refused


def _recorded(done: Attempt, round_no: int, update: RoleState, **candidate: Any) -> RoleState:
    """The round's state update: ``update`` (turns rewritten this round, tokens), then its execution record and
    interpreter turn, and a verdict when the sandbox broke."""
    result = done.result
    interpreter = say(Speaker.INTERPRETER, done.text, outcome=result.outcome.value, round=round_no)
    recorded: RoleState = {
        **update,
        "round": round_no,
        "executions": [{**done.record, "round": round_no, **candidate}],
        "messages": [*update.get("messages", []), interpreter],
    }
    if result.outcome is Outcome.SANDBOX_ERROR:
        recorded["verdict"] = {"status": "discarded", "reason": "sandbox_error", "last_error": result.feedback()}
    return recorded


def inputs_digest(state: RoleState) -> str:
    """What an execution depends on (solution, tests, setup), so that a repeated request can be recognised."""
    return digest([state.get("solution", ""), state.get("tests", ""), state.get("setup", [])])


def tests_digest(tests: str) -> str:
    """Which tests an execution ran against (the test writer may rewrite them between rounds)."""
    return digest(tests)


def _skipped(state: RoleState, missing: str | None, quality: QualityVerdict | None, inputs: str) -> str | None:
    """Why the solution is not run this round: nothing to run, tests refused by their check (they verify nothing
    or contradict the reference, whatever the code, so this comes before the code's own resend check), or code
    resent unchanged after a failure."""
    if missing:
        return "missing"
    if quality and quality["verdict"] in REFUSED_TESTS:
        return REFUSED_TESTS[quality["verdict"]]
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
