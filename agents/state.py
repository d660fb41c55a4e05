"""The part of a dialogue's state that role nodes read and write.

Agents may not import graphs, yet every graph that reuses the role nodes (AIEV-Instruct, CoderGen) must
offer these keys, so the contract lives here and graph states extend it. Only JSON-friendly values
(strings, lists, dicts of plain data) are stored so that a checkpoint or a results log needs no custom
encoder.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

# typing_extensions' TypedDict: pydantic validates it on Python 3.11 (training samples keep ``BlamedTest`` records).
from typing_extensions import TypedDict

Fault = Literal["code", "test"]


def add_token_counts(current: dict[str, int] | None, update: dict[str, int] | None) -> dict[str, int]:
    """Reducer that sums token counts, so each node reports only its own call's usage."""
    total = dict(current or {})
    for key, value in (update or {}).items():
        total[key] = total.get(key, 0) + value
    return total


class Seed(TypedDict):
    """Where a dialogue started: an OSS-Instruct style code snippet."""

    id: str
    snippet: str
    source: str


class Verdict(TypedDict):
    """How a dialogue ended; its presence is what stops a graph."""

    status: Literal["passed", "discarded"]
    # "passed", "max_rounds", "vacuous_tests", "tests_contradict_reference", "tests_contradict_problem",
    # "tests_unparsable", "contradictory_examples", "model_error", "sandbox_error", ...
    reason: str
    last_error: str  # the last interpreter feedback or model error, "" when passed


class BlamedTest(TypedDict):
    """The error analyst put a failure on the tests rather than the code (kept to audit test rewrites)."""

    round: int
    explanation: str


class Candidate(TypedDict):
    """One reply the programmer sampled in a turn (``Context.candidates``), parsed as the turn itself is."""

    text: str
    solution: str  # "" when the reply carried no code
    setup: list[str]


class RoleState(TypedDict, total=False):
    """Keys read and written by the role nodes in ``aiev.agents``.

    ``messages`` is the dialogue and therefore the training sample; every other key is bookkeeping
    that lets a node find what it needs without re-parsing the transcript.
    """

    messages: Annotated[list[AnyMessage], add_messages]
    seed: Seed
    problem: str  # the task the programmer solves
    entry_point: str | None  # the function the problem asks for, when it names one
    solution: str  # current code; "" after a reply that carried no code
    setup: list[str]  # bash lines (pip install ...) the programmer asked for
    environment: list[str]  # setup lines the task itself provides (a benchmark's packages), run before ``setup``
    tests: str  # current assert-based tests; "" after a reply that carried none
    user_tests: str  # CoderGen: the user's own tests, the specification, never rewritten ("" when generated)
    round: int  # executions so far
    executions: Annotated[list[dict[str, Any]], operator.add]  # ExecResult.model_dump(mode="json"), one per round
    fault: Fault | None  # the error analyst's latest verdict on who is to blame
    blamed_tests: Annotated[list[BlamedTest], operator.add]
    verdict: Verdict
    tokens: Annotated[dict[str, int], add_token_counts]
