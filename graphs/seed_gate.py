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
"""

from __future__ import annotations

from typing import NamedTuple

from ..agents.context import Context
from ..agents.stand_ins import names_used
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
    answers = seed_cases.seed_answers(calls, recorded_reference_run(reference, seed_cases.probe(calls), setup, context))
    if not answers:
        return Gate(0, None)
    cases = "".join(answers)
    compared = reference_check.tolerant(cases) or cases  # the seed's floats within the tolerance its tests use
    expected = assert_values.expected(compared)
    if len(expected) != len(answers):  # every case is one expectation; anything else is not a case of this module
        return Gate(0, None)
    got = assert_values.solution_values(solution, compared, setup, context)
    misses = [i for i in range(len(answers)) if got is None or not assert_values.meets(got.get(i), expected[i])]
    if not misses:
        return Gate(len(answers), None)
    wrong = answers if got is None else [answers[misses[0]]]
    extended = seed_cases.appended(tests, wrong)
    return Gate(len(answers), reference_check.tolerant(extended) or extended)
