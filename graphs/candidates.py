"""More than one candidate per programmer turn (``Context.candidates``): a failed first reply is not the last word.

SelfCodeAlign samples several responses per instruction and keeps those that pass their own tests. Here the programmer's
reply is run as a single reply would be (test-quality check, resend check, sandbox); only when it failed, or was not run
because it had no code or resent code that had just failed, are the other candidates sampled
(``programmer.sample_others``: to the view the reply answered, a revision's from the task and the check that failed) and
run against the same tests, in order, and the first that passes becomes the round's answer: its text replaces the
programmer's turn in the transcript and its code the state's solution. A reply that passes costs no other candidate.
When none passes, one failed candidate's outcome is the round's, so failed round, analysis and revision stay the
multi-turn sample AutoCoder trains on: a dialogue keeps the rounds it went through, and the other candidates leave
nothing but a count. That candidate is the first, unless at least two ran and dual agreement (``agreement``, CodeT)
ranks another higher (it agrees with more candidates and meets more asserts); its turn then replaces the first's and its
failure is the round's feedback.

A candidate passes under the rules the first one does: tests refused as vacuous for its shape are no pass, and
code resent unchanged after a failure is not run. Refused tests (vacuous, or contradicting the reference), missing
tests or a broken sandbox end the round before any other candidate is sampled: none of them is the code's doing.
Neither does a round without a new programmer turn (the test writer rewrote the tests the turn already ran
against): that turn had its candidates. Identical candidates run once.

When every candidate of a round of at least ``MIN_AGREEING`` failed and all of them give the same values on the tests'
asserts, the tests rather than the code are suspect (``Choice.suspect``: the asserts they all fail). Independent
samples that agree are usually right: on HumanEval with the examples hidden (session 13, embedded 0.5B, 4 candidates,
judged by the hidden tests) the four-of-four group was right and failed the test writer's tests on 9 of 13 tasks
where all four agreed, and the loop then spent its later rounds fitting the code to the wrong values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from langchain_core.messages import AnyMessage, BaseMessage

from ..agents.dialogue import Speaker, say, speaker_of
from ..agents.state import Candidate, RoleState
from ..sandbox.types import ExecResult, Outcome
from . import agreement, assert_values
from .test_quality import REFUSED_TESTS

# Fewest candidates whose agreement against the tests makes the tests suspect: two samples agree by chance too often.
MIN_AGREEING = 3


class Attempt(NamedTuple):
    """One solution run against the round's tests, or refused before it ran."""

    result: ExecResult
    text: str  # the interpreter's turn
    record: dict[str, Any]  # the execution record, less the round's bookkeeping


class Choice(NamedTuple):
    index: int  # the candidate that answers the round (0: the first, already the programmer's turn)
    attempt: Attempt
    ran: int  # candidates whose code went to the sandbox this round
    agreement: dict[int, int] | None = None  # the failed candidates' scores, when agreement chose among them
    suspect: tuple[int, ...] = ()  # asserts (by ``assert_values`` index) that every candidate fails with one value


# Runs the solution of a state, reusing the test-quality verdicts of the given records of this round.
Run = Callable[[RoleState, Sequence[dict[str, Any]]], Attempt]
# The values a state's solution gets for its tests' ``assert <expr> == <literal>`` (``assert_values.recorded``).
Record = Callable[[RoleState], agreement.Outputs | None]


def others_may_pass(state: RoleState, first: Attempt) -> bool:
    """Whether other candidates of the programmer's latest turn are worth sampling after ``first``, its reply's
    attempt: it failed for the code's own sake, and the turn has not been answered by the interpreter before."""
    return (
        bool(state.get("tests"))
        and not first.result.passed
        and first.result.outcome is not Outcome.SANDBOX_ERROR
        and first.record["skipped"] not in REFUSED_TESTS.values()
        and _unanswered_turn(state.get("messages", []))
    )


def answered(state: RoleState) -> Candidate:
    """The programmer's latest turn as a candidate: the reply ``first`` was the attempt of."""
    turn = _latest_turn(state.get("messages", []))
    return {"text": turn.text if turn else "", "solution": state.get("solution", ""), "setup": state.get("setup", [])}


def choose(pool: Sequence[Candidate], state: RoleState, first: Attempt, run: Run, record: Record) -> Choice:
    """The round's answer: the first of ``pool`` (``first`` is its attempt) or, when that failed, the first of the
    others that passes; when none passes, the failed candidate that agreement ranks first (``agreement``)."""
    tried = [first.record]
    failed = {0: first} if not first.record["skipped"] else {}
    seen = {_code(pool[0])}
    for index, candidate in enumerate(pool[1:], 1):
        if _code(candidate) in seen:
            continue
        seen.add(_code(candidate))
        attempt = run(with_candidate(state, candidate), tried)
        tried.append(attempt.record)
        if attempt.result.passed:
            return Choice(index, attempt, _ran(tried))
        if attempt.result.outcome is Outcome.SANDBOX_ERROR:
            return Choice(0, first, _ran(tried))  # the sandbox, not the code: the first candidate's failure stands
        if not attempt.record["skipped"]:
            failed[index] = attempt
    expected = assert_values.expected(state.get("tests", ""))
    ran = {_code(pool[index]) for index in failed}
    every_one_ran = len(pool) >= MIN_AGREEING and all(_code(candidate) in ran for candidate in pool)
    if not expected or not (len(failed) >= 2 or every_one_ran):
        return Choice(0, first, _ran(tried))
    outputs = {index: record(with_candidate(state, pool[index])) for index in failed}
    suspect = _failed_by_all(pool, outputs, expected) if every_one_ran else ()
    if len(failed) < 2:  # one code, sampled again and again: nothing to choose, but it may make the tests suspect
        return Choice(0, first, _ran(tried), suspect=suspect)
    chosen = agreement.best(outputs, expected)
    scores = agreement.scores(outputs, expected)
    if chosen is None:
        return Choice(0, first, _ran(tried), scores, suspect)
    return Choice(chosen, failed[chosen], _ran(tried), scores, suspect)


def _failed_by_all(
    pool: Sequence[Candidate], outputs: dict[int, agreement.Outputs | None], expected: Sequence[assert_values.Expected]
) -> tuple[int, ...]:
    """The asserts that every candidate of ``pool`` fails with the same value, when all of them recorded the same
    values (an identical copy counts as one more candidate that gave them); () when any disagrees or recorded
    nothing. ``outputs``: the recorded values of each failed candidate that ran, by index."""
    by_code = {_code(pool[index]): vector for index, vector in outputs.items()}
    vectors = [by_code.get(_code(candidate)) for candidate in pool]
    if any(vector is None for vector in vectors) or len({agreement.group_key(v) for v in vectors}) != 1:
        return ()
    shared = vectors[0]
    return tuple(at for at, want in enumerate(expected) if at in shared and not assert_values.meets(shared[at], want))


def with_candidate(state: RoleState, candidate: Candidate) -> RoleState:
    """``state`` as it would be had ``candidate`` been the programmer's answer (its code and setup)."""
    return {**state, "solution": candidate["solution"], "setup": candidate["setup"]}


def as_turn(messages: Sequence[AnyMessage], candidate: Candidate, index: int) -> BaseMessage:
    """The programmer's latest turn rewritten as ``candidate``: it keeps the message id, so ``add_messages``
    replaces the turn in place, and its metadata, plus which candidate it is."""
    original = next(m for m in reversed(messages) if speaker_of(m) is Speaker.PROGRAMMER)
    meta = {**original.additional_kwargs, "has_code": True, "candidate": index}
    return say(Speaker.PROGRAMMER, candidate["text"], **meta).model_copy(update={"id": original.id})


def _latest_turn(messages: Sequence[AnyMessage]) -> AnyMessage | None:
    return next((m for m in reversed(messages) if speaker_of(m) is Speaker.PROGRAMMER), None)


def _unanswered_turn(messages: Sequence[AnyMessage]) -> bool:
    """The latest programmer turn has no interpreter turn after it: this round runs it for the first time."""
    for message in reversed(messages):
        speaker = speaker_of(message)
        if speaker is Speaker.INTERPRETER:
            return False
        if speaker is Speaker.PROGRAMMER:
            return True
    return False


def _code(candidate: Candidate) -> tuple[str, tuple[str, ...]]:
    return candidate["solution"], tuple(candidate["setup"])


def _ran(records: Sequence[dict[str, Any]]) -> int:
    return sum(1 for record in records if not record["skipped"])
