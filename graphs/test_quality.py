"""Refusing tests that verify nothing before they can verify anything (ARCHITECTURE: test quality).

Tests are only evidence when they fail against a wrong solution. Before the execute node runs a solution with its
tests, the tests must use a name the solution defines (a static check) and must fail against each of the solution's
wrong stand-ins (``agents/stand_ins.py``: every body ``return None``, then every body ``raise NotImplementedError``,
then every body returning its first argument), run in the same sandbox with the same setup. Tests that use none of
its names, or pass against a stand-in, are *vacuous*: the round is refused and the test writer is told why (the
programmer's code is not at fault).

The solution itself is not run in a refused round: no outcome of it could be a pass, and the programmer has nothing
to learn from tests that cannot fail. The verdict depends only on the tests, the solution's shape (its stand-ins and
names) and the setup, so it is recorded under a key of those and reused while they do not change: a programmer's
revision that keeps the function's signature costs no new check.

The check errs toward accepting tests, never toward refusing good ones: a stand-in that cannot load (it needed
something the builder dropped) fails every test, so nothing is refused because of it; a solution with no function
or method to stand in for (plain fields, constants) gets only the static check.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Literal, TypedDict

from ..agents.context import Context
from ..agents.prompts import render_prompt
from ..agents.stand_ins import UnparsableSource, names_used, solution_names, stand_ins
from ..sandbox.engine import run_request
from ..sandbox.types import ExecRequest, ExecResult, Outcome

Judgement = Literal["verifies", "vacuous", "unchecked"]  # unchecked: the sandbox broke during the check
Vacuity = Literal["calls_nothing", "returns_none", "raises", "returns_input"]


class QualityVerdict(TypedDict):
    """What the check found, stored on the execution record as ``test_quality``."""

    key: str  # digest of (tests, stand-ins, the solution's names, setup): the same key gets the same verdict
    verdict: Judgement
    vacuity: Vacuity | None  # why the tests verify nothing (None unless vacuous)
    names: list[str]  # the solution's names, to tell the test writer what to call


def check_tests(
    solution: str, tests: str, setup: list[str], context: Context, earlier: Sequence[dict[str, Any]]
) -> tuple[QualityVerdict, ExecResult | None] | None:
    """The tests' verdict and, for a sandbox failure during the check, that failure; ``None`` when the solution or
    the tests do not parse (no check is possible, and the run they are due reports the syntax error and cannot
    pass). ``earlier``: the dialogue's execution records, whose verdicts are reused for an unchanged key."""
    try:
        fakes = stand_ins(solution)
        names = sorted(solution_names(solution))
        used = names_used(tests, solution)
    except UnparsableSource:
        return None
    key = digest([tests, fakes, names, setup])
    for record in reversed(earlier):
        known = record.get("test_quality")
        if known and known["key"] == key and known["verdict"] != "unchecked":
            return known, None
    if not used:
        return _verdict(key, names, "vacuous", "calls_nothing"), None
    for kind, source in fakes.items():
        result = run_request(
            context.sandbox, ExecRequest.python(source, tests=tests, setup=setup, timeout_s=context.timeout_s)
        )
        if result.outcome is Outcome.SANDBOX_ERROR:
            return _verdict(key, names, "unchecked"), result
        if result.passed:
            return _verdict(key, names, "vacuous", kind), None
    return _verdict(key, names, "verifies"), None


def refusal(verdict: QualityVerdict) -> str:
    """The interpreter's turn for vacuous tests: what is wrong with them, addressed to whoever wrote them."""
    names = ", ".join(f"`{name}`" for name in verdict["names"]) or "the function the problem asks for"
    return render_prompt(f"interpreter_vacuous_{verdict['vacuity']}", names=names)


def digest(value: Any) -> str:
    """A short stable digest of JSON-able values: how a graph recognises what it has seen before (an execution's
    inputs, the tests it ran, a test-quality verdict's inputs)."""
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16]


def _verdict(key: str, names: list[str], verdict: Judgement, vacuity: Vacuity | None = None) -> QualityVerdict:
    return {"key": key, "verdict": verdict, "vacuity": vacuity, "names": names}
