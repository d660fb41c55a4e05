"""Edges shared by every graph built from the role nodes (AIEV-Instruct, CoderGen).

A ``verdict`` in the state means a model or the sandbox failed and the dialogue must end at once; a reply that
carried no code clears ``solution`` / ``tests``, and the role that owes it is asked again rather than the analyst;
tests refused by their check (vacuous, contradicting the reference or the problem's examples) go back to the test
writer, and so do generated tests that every candidate of the round failed with the same values (``candidates``:
suspect tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph.graph import END
from langgraph.runtime import Runtime

from ..agents.context import Context
from .test_quality import REFUSED_TESTS


def after_programmer(state: Mapping[str, Any]) -> str:
    if "verdict" in state:
        return END
    return "execute" if state.get("tests") else "test_writer"


def after_test_writer(state: Mapping[str, Any]) -> str:
    return END if "verdict" in state else "execute"


def last_run_passed(state: Mapping[str, Any]) -> bool:
    return state["executions"][-1]["outcome"] == "passed"


def out_of_rounds(state: Mapping[str, Any], runtime: Runtime[Context]) -> bool:
    return state.get("round", 0) >= (runtime.context or Context()).max_rounds


def last_tests_refused(state: Mapping[str, Any]) -> str | None:
    """Why the last round's tests were refused by their check (``vacuous_tests``, ``tests_contradict_reference``,
    ``tests_contradict_problem``), or None when they were not."""
    skipped = state["executions"][-1].get("skipped")
    return skipped if skipped in REFUSED_TESTS.values() else None


def failure_reason(state: Mapping[str, Any]) -> str:
    """Why a dialogue that never passed ends: its last tests were refused (the refusal is the reason), or it ran
    out of rounds."""
    return last_tests_refused(state) or "max_rounds"


def after_failed_run(state: Mapping[str, Any]) -> str:
    """Nothing ran when a reply had no code or resent code that had just failed: there is no new error to
    analyse, only a reply to ask for again. Refused tests are the test writer's to fix: the programmer's code
    was not even run; so are suspect tests (``tests_suspected``)."""
    if last_tests_refused(state):
        return "test_writer"
    if not state.get("solution") or state["executions"][-1].get("skipped") == "unchanged":
        return "programmer"
    if not state.get("tests") or tests_suspected(state):
        return "test_writer"
    return "error_analyst"


def tests_suspected(state: Mapping[str, Any]) -> bool:
    """Every candidate of the last round failed the same asserts with the same values (``candidates``), and the tests
    may be rewritten (a user's tests are the specification): the test writer rechecks them before the analyst could
    send the programmer to fit the code to values that independent solutions all contradict."""
    return bool(state["executions"][-1].get("suspect_asserts")) and not state.get("user_tests")
