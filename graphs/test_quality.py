"""Refusing tests that verify nothing before they can verify anything (ARCHITECTURE: test quality).

Tests are only evidence when they fail against a wrong solution. Before the execute node runs a solution with its
tests, the tests must use a name the solution defines (a static check) and must fail against each of the solution's
wrong stand-ins (``agents/stand_ins.py``: every body ``return None``, then every body ``raise NotImplementedError``,
then every body returning its first argument, then every body returning an object that takes whatever is done to
it, and, when every ``assert <expr> == <literal>`` of the tests expects the same value, every body returning that
value), run in the same sandbox with the same setup. Tests that use none of
its names, or pass against a stand-in, are *vacuous*: the round is refused and the test writer is told why (the
programmer's code is not at fault).

The solution itself is not run in a refused round: no outcome of it could be a pass, and the programmer has nothing
to learn from tests that cannot fail. The verdict depends only on the tests, the solution's shape (its stand-ins and
names) and the setup, so it is recorded under a key of those and reused while they do not change: a programmer's
revision that keeps the function's signature costs no new check.

The check errs toward accepting tests, never toward refusing good ones: a stand-in that cannot load (it needed
something the builder dropped) fails every test, so nothing is refused because of it; a solution with no function
or method to stand in for (plain fields, constants) gets only the static check.

Tests that fail against no stand-in may still be wrong. Given a ``reference`` (AIEV-Instruct: the seed snippet the
problem was derived from, correct by construction) that is comparable with the solution (``reference_check``: it
defines every solution name the tests use, with the same signature), the tests then run against the reference in
the same sandbox with the same setup: an assert of theirs that fails there *contradicts the reference*. Such tests,
and tests with an input the reference raises on (the 1.5B passed a ``random.Random`` where the seed iterates a
range), are first repaired from the reference where they can be
(``reference_check.repaired``: each ``assert <expr> == <literal>`` gets the value the reference gives, an assert
whose expression the reference rejects is dropped), and
the repaired tests are checked from the start (stand-ins, reference): when they verify, the verdict carries them
as ``repaired`` and they are what runs. Otherwise the round is refused as for vacuous tests, and the test writer is
shown the failing assert and the values the reference gave, never the reference's code. When the reference turns down an
input of the tests (``reference_check.raised``: a ``ValueError``, ``OSError``, ...) and the repaired tests verify
nothing, the test writer is shown that call and the exception's name. A reference that cannot load or fails in any
other way (a ``NameError``, its own ``assert``, a timeout, a broken sandbox) refuses nothing. Tests
that agree with a reference (as written or repaired) also get more cases: calls near their own with the values the
reference gives (``seed_cases``: a solution must not pass by hard-coding the tested inputs). Vacuous tests go the same
way before they are refused, since the seed's cases may be what tells a wrong solution apart: the 0.5B's tests of
``rfc822_escape`` (8 spaces after each newline) held no newline and passed against the identity, three rounds
running, and a seed case appends the ``"\\n"`` the seed spells out. Either way the tests are checked again from the
start, so tests that still verify nothing are refused. Tests that agree with a reference also compare their
non-integral floats within a tolerance (``reference_check.tolerant``: exact to the last bit, they would only pass a
copy of the reference's arithmetic). Such tests are checked again from the start in the same way.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Sequence
from typing import Any, Literal, NotRequired, TypedDict

from ..agents.context import Context
from ..agents.prompts import render_prompt
from ..agents.stand_ins import UnparsableSource, names_used, solution_names, stand_ins
from ..sandbox.engine import run_request
from ..sandbox.types import ExecRequest, ExecResult, Outcome
from . import assert_values, reference_check, seed_cases

# unchecked: the sandbox broke; contradicts_problem and unparsable: set by the execute node (``problem_consistency``,
# ``unparsable``), which knows the problem and whose tests they are
Judgement = Literal["verifies", "vacuous", "contradicts_reference", "contradicts_problem", "unparsable", "unchecked"]
Vacuity = Literal["calls_nothing", "returns_none", "raises", "returns_input", "returns_anything", "returns_constant"]

# The execution record's ``skipped`` for each verdict that refuses the tests (the solution is not run).
REFUSED_TESTS: dict[Judgement, str] = {
    "vacuous": "vacuous_tests",
    "contradicts_reference": "tests_contradict_reference",
    "contradicts_problem": "tests_contradict_problem",
    "unparsable": "tests_unparsable",
}


class QualityVerdict(TypedDict):
    """What the check found, stored on the execution record as ``test_quality``."""

    # digest of (tests, stand-ins, the solution's names, setup, the reference when comparable): same key, same verdict
    key: str
    verdict: Judgement
    vacuity: Vacuity | None  # why the tests verify nothing (None unless vacuous)
    names: list[str]  # the solution's names, to tell the test writer what to call
    # The failing assert and the values the reference's run compared (contradicts_reference), the asserts and the
    # problem's examples they deny (contradicts_problem), or the syntax error (unparsable); None otherwise; absent
    # from verdicts recorded before the reference check existed.
    contradiction: NotRequired[str | None]
    # The tests rewritten from the reference (its values written in when the tests contradicted it, its own cases
    # added, floats compared within a tolerance), when these verify (``verdict`` is then theirs): the tests to run
    # instead; on an execution record, also the tests with the case ``seed_gate`` appended after a pass. Absent when
    # nothing was rewritten.
    repaired: NotRequired[str]
    # Whether the tests (``repaired`` when present) ran to their end against the reference and passed there: only
    # then are they checked against known-correct code, not only against the stand-ins and their own writer's idea
    # of the problem. Absent from verdicts recorded before it existed (read as False).
    reference_passed: NotRequired[bool]


def check_tests(
    solution: str,
    tests: str,
    setup: list[str],
    context: Context,
    earlier: Sequence[dict[str, Any]],
    reference: str | None = None,
    *,
    repair: bool = True,
    constant: bool = True,
) -> tuple[QualityVerdict, ExecResult | None] | None:
    """The tests' verdict and, for a sandbox failure during the stand-in runs, that failure; ``None`` when the
    solution or the tests do not parse (no check is possible, and the run they are due reports the syntax error and
    cannot pass). ``earlier``: the dialogue's execution records, whose verdicts are reused for an unchanged key;
    ``reference``: known-correct code the tests must pass when it is comparable with the solution; ``repair``:
    whether tests that contradict it may be repaired from it (see the module doc); ``constant``: whether tests whose
    every expected value is one constant face a stand-in returning it (off for a user's tests, which cannot be
    rewritten: a task may show two examples with the same answer)."""
    try:
        fakes = stand_ins(solution, _shared_expectation(tests) if constant else None)
        names = asked_names(solution)
        used = names_used(tests, solution)
    except UnparsableSource:
        return None
    if reference is not None and not reference_check.comparable(reference, solution, used, tests):
        reference = None  # the tests cannot run against it as they are meant to run against the solution
    key = digest([tests, fakes, names, setup, reference])
    for record in reversed(earlier):
        known = record.get("test_quality")
        if known and known["key"] == key and known["verdict"] != "unchecked":
            return known, None
    if not used:
        return _verdict(key, names, "vacuous", "calls_nothing"), None
    if any((record.get("test_quality") or {}).get("repaired") == tests for record in earlier):
        repair = False  # what an earlier check of this dialogue made of its tests: rewriting them again would compound
    vacuous: QualityVerdict | None = None
    for kind, source in fakes.items():
        result = run_request(
            context.sandbox, ExecRequest.python(source, tests=tests, setup=setup, timeout_s=context.timeout_s)
        )
        if result.outcome is Outcome.SANDBOX_ERROR:
            return _verdict(key, names, "unchecked"), result
        if result.passed:
            vacuous = _verdict(key, names, "vacuous", kind)
            break
    if vacuous and (reference is None or not repair):
        return vacuous, None
    reference_run = _run_against_reference(reference, tests, setup, context) if reference is not None else None
    failure = reference_check.contradiction(reference_run) if reference_run else None
    if reference is not None and repair:
        # also when the reference raised on an input of the tests: the repair drops such asserts (see the module doc)
        failed = reference_run is not None and not reference_run.passed
        recorded = recorded_reference_run(reference, tests, setup, context) if failed else None
        fixed = _repaired_from_reference(reference, tests, recorded, setup, context) if recorded else None
        failure = failure or (reference_check.raised(tests, recorded) if recorded else None)
        if fixed or not failure:
            fixed = _with_seed_cases(reference, fixed or tests, used, setup, context) or fixed
        fixed = reference_check.tolerant(fixed or tests) or fixed
        checked = (
            check_tests(solution, fixed, setup, context, (), reference, repair=False, constant=constant)
            if fixed
            else None
        )
        if checked and checked[0]["verdict"] == "verifies":
            return {**checked[0], "key": key, "repaired": fixed}, None
    if vacuous:
        return vacuous, None
    if failure:
        return _verdict(key, names, "contradicts_reference", contradiction=failure), None
    return {**_verdict(key, names, "verifies"), "reference_passed": bool(reference_run and reference_run.passed)}, None


def unparsable(tests: str, solution: str) -> QualityVerdict | None:
    """Generated tests that are not Python, refused with their syntax error (the test writer's to fix); None when
    they parse. Run, they fail before any code runs, and the analyst read the error as the code's: in session 21's
    1.5B draw every assert of ``get_shared``'s tests closed a list twice (``== ['[lib.so']]``), the analyst blamed the
    solution three rounds running and the programmer pasted the broken asserts into its code. A user's tests are the
    specification and run as they are (the caller does not ask)."""
    try:
        ast.parse(tests)
    except SyntaxError as error:
        failure = f"line {error.lineno} of the tests\n    {(error.text or '').strip()}\nSyntaxError: {error.msg}"
    except ValueError as error:  # a null byte
        failure = f"ValueError: {error}"
    else:
        return None
    try:
        names = asked_names(solution)
    except UnparsableSource:
        names = []
    return {"key": digest([tests]), "verdict": "unparsable", "vacuity": None, "names": names, "contradiction": failure}


def asked_names(solution: str) -> list[str]:
    """The names a refusal asks the tests to use: the solution's functions and classes when it defines any, else every
    name it defines. Its other names are an example's variables (``frame = inspect.currentframe()``), not what a test
    calls: the 1.5B's ``isframe`` tests were asked to call ``isframe``, ``frame`` and ``obj`` (session 22).
    Raises ``UnparsableSource`` when the solution does not parse."""
    return sorted(solution_names(solution, callables=True) or solution_names(solution))


def refusal(verdict: QualityVerdict) -> str:
    """The interpreter's turn for refused tests: what is wrong with them, addressed to whoever wrote them."""
    names = ", ".join(f"`{name}`" for name in verdict["names"]) or "the function the problem asks for"
    if verdict["verdict"] in ("contradicts_reference", "contradicts_problem", "unparsable"):
        prompt = f"interpreter_{verdict['verdict']}"
        return render_prompt(prompt, names=names, failure=verdict["contradiction"])
    return render_prompt(f"interpreter_vacuous_{verdict['vacuity']}", names=names)


def digest(value: Any) -> str:
    """A short stable digest of JSON-able values: how a graph recognises what it has seen before (an execution's
    inputs, the tests it ran, a test-quality verdict's inputs)."""
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16]


def recorded_reference_run(reference: str, tests: str, setup: list[str], context: Context) -> ExecResult:
    """The reference run with ``tests`` as a recording (``assert_values``): what each expectation gets there."""
    request = reference_check.request(reference, assert_values.recording(tests), setup, context.timeout_s)
    return run_request(context.sandbox, request)


def _run_against_reference(reference: str, tests: str, setup: list[str], context: Context) -> ExecResult:
    """The run of the tests against the reference, their asserts ``explained`` so that a failing one says what it
    compared (``reference_check.contradiction`` reads it back)."""
    request = reference_check.request(reference, reference_check.explained(tests), setup, context.timeout_s)
    return run_request(context.sandbox, request)


def _shared_expectation(tests: str) -> str | None:
    """The literal every ``assert <expr> == <literal>`` of the tests expects, when they all expect the same value
    (also when there is only one: a single expected value is always that of a constant; the 0.5B's ``generate_matches``
    was verified by ``list(f([], [])) == [(0, {})]`` alone); None otherwise."""
    literals = [expectation.literal for expectation in assert_values.expected(tests)]
    values = [ast.literal_eval(literal) for literal in literals if literal]
    if (
        not values
        or len(values) != len(literals)
        or any(v != values[0] or type(v) is not type(values[0]) for v in values)
    ):
        return None
    return literals[0]


def _repaired_from_reference(
    reference: str, tests: str, recorded: ExecResult, setup: list[str], context: Context
) -> str | None:
    """``tests`` with the values the reference gives written in (``reference_check.repaired``; ``recorded``: their
    ``recorded_reference_run``), or None; repaired twice when the first repair wrapped a call the reference answers
    with an iterator in ``list(...)``, whose value only a second run can record."""
    fixed = reference_check.repaired(tests, recorded)
    if fixed is None:
        return None
    again = reference_check.repaired(fixed, recorded_reference_run(reference, fixed, setup, context))
    return again or fixed


def _with_seed_cases(
    reference: str, tests: str, used: frozenset[str], setup: list[str], context: Context
) -> str | None:
    """``tests`` with calls near their own and the values the reference gives for them (``seed_cases``), or None."""
    calls = seed_cases.near_calls(tests, used, reference)
    if not calls:
        return None
    probed = recorded_reference_run(reference, seed_cases.probe(calls), setup, context)
    return seed_cases.with_seed_cases(tests, calls, probed)


def _verdict(
    key: str,
    names: list[str],
    verdict: Judgement,
    vacuity: Vacuity | None = None,
    contradiction: str | None = None,
) -> QualityVerdict:
    return {"key": key, "verdict": verdict, "vacuity": vacuity, "names": names, "contradiction": contradiction}
