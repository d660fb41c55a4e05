"""After a pass: the seed's answers on more inputs than the tests hold, before the pass stands.

Tests checked against the seed carry a few of its cases (``seed_cases``, at most ``MAX_CASES``, so that the training
sample's tests stay readable), and a wrong solution can still pass them: the 0.5B's three verified samples of draw
1044037167 all passed tests the seed also passed, and all three were wrong against it on inputs no test held (an
HTML-escaped ``grey``, a ``decode_source`` without universal newlines, a ``getmodulename`` that ignores directories).
A seed is a known-correct implementation, so it can judge many more inputs than a test writer writes, as EvalPlus
judges mutated inputs by the reference solution; what it takes is one more recording run on each side.

So a run that passed tests that also passed against a comparable seed (``reference_passed``) faces up to
``WIDE_CASES`` further calls near the tests' own (``seed_cases.near_calls``: the same kinds of change, the seed's marks
included), each expecting the value the seed gives. The solution's values for them are recorded (``assert_values``);
when one is another value or an exception, that case alone is appended to the tests and the solution runs again
against them, so the round fails on an ordinary assert the programmer can act on, and the sample's tests show the
input that told the solution apart (a dialogue that then passes is a multi-round sample of the kind AutoCoder
trains on). When the recording does not reach its end (the solution hung or exited on one of them) every case is
appended, since the run cannot say which. Cases the solution gets right are not written in: they are evidence for
the pass (``Gate.cases``), and the tests stay as short as their writer made them.

A call the seed turns down (a builtin argument error, ``reference_check.rejects_input``) is a case too: the solution
must turn it down as well, with any such error, and returning a value fails it. Session 20's 0.5B ``strtobool`` was
verified returning False for every string it did not know, where the seed raises ``ValueError`` (``'ty'``, ``'ye'``):
the tests held only true values, and calls the seed rejected were dropped as cases. A missed one is written in as a
``try`` / ``except`` / ``else: raise AssertionError`` block naming the seed's exception.
"""

from __future__ import annotations

from typing import NamedTuple

from ..agents.context import Context
from ..agents.stand_ins import names_used
from ..sandbox.types import ExecResult
from . import assert_values, reference_check, seed_cases
from .test_quality import recorded_reference_run

# Calls probed after a pass: several times what the tests carry, few enough to cost two short sandbox runs.
WIDE_CASES = 30


class Gate(NamedTuple):
    """What the gate found: how many seed-answered cases the solution faced, and the tests to run instead when it
    got one wrong (None: it got every case right, or there was none)."""

    cases: int
    tests: str | None


def check(solution: str, tests: str, setup: list[str], reference: str, context: Context) -> Gate:
    """The gate for a solution that passed ``tests`` with ``setup``, ``reference`` being the comparable seed they
    also passed against (see the module doc)."""
    calls = seed_cases.near_calls(tests, names_used(tests, solution), reference, limit=WIDE_CASES)
    if not calls:
        return Gate(0, None)
    seed_run = recorded_reference_run(reference, seed_cases.probe(calls), setup, context)
    answers = seed_cases.seed_answers(calls, seed_run)
    rejected = _rejected(calls, seed_run)
    if not answers and not rejected:
        return Gate(0, None)
    cases = "".join(answers)
    compared = reference_check.tolerant(cases) or cases  # the seed's floats within the tolerance its tests use
    expected = assert_values.expected(compared)
    if len(expected) != len(answers):  # every case is one expectation; anything else is not a case of this module
        return Gate(0, None)
    probes = seed_cases.probe([call for call, _ in rejected])  # asserts after the answers: indices go on from there
    got = assert_values.solution_values(solution, seed_cases.appended(compared, [probes]), setup, context)
    wrong = [answers[i] for i in range(len(answers)) if got is None or not assert_values.meets(got.get(i), expected[i])]
    wrong += [
        _must_reject(call, exception)
        for at, (call, exception) in enumerate(rejected, start=len(answers))
        if got is None or not _turned_down(got.get(at))
    ]
    if not wrong:
        return Gate(len(answers) + len(rejected), None)
    extended = seed_cases.appended(tests, wrong if got is None else wrong[:1])
    return Gate(len(answers) + len(rejected), reference_check.tolerant(extended) or extended)


def _rejected(calls: list[str], seed_run: ExecResult) -> list[tuple[str, str]]:
    """(call, exception name) for each call the seed turned down with a builtin argument error in its recording run;
    none when the run did not reach its end."""
    seen = assert_values.recorded(seed_run)
    if seen is None:
        return []
    return [
        (call, seen[index][1])
        for index, call in enumerate(calls)
        if index in seen and seen[index][0] == "raises" and reference_check.rejects_input(seen[index][1])
    ]


def _turned_down(outcome: tuple[str, str] | None) -> bool:
    return outcome is not None and outcome[0] == "raises" and reference_check.rejects_input(outcome[1])


def _must_reject(call: str, exception: str) -> str:
    """A test that fails unless ``call`` raises the seed's exception (the case written in when the solution did not
    turn the call down)."""
    message = f"{call} must raise {exception}: the input is not one the function accepts"
    return f"try:\n    {call}\nexcept {exception}:\n    pass\nelse:\n    raise AssertionError({message!r})\n"
