"""Dual agreement scores (``graphs/agreement.py``): group size times the asserts met."""

from __future__ import annotations

from aiev.graphs.agreement import best, scores
from aiev.graphs.assert_values import Expected


def exact(*literals: str) -> list[Expected]:
    return [Expected(literal, tolerant=False) for literal in literals]


def test_a_group_that_meets_more_asserts_wins_and_ties_go_to_the_lowest_index() -> None:
    expected = exact("3", "[1, 2]", "'x'")
    outputs = {
        0: {0: ("value", "4"), 1: ("value", "[1, 2]"), 2: ("value", "'x'")},  # alone, meets 2
        1: {0: ("value", "3"), 1: ("value", "[2, 1]"), 2: ("raises", "KeyError")},  # with 2, meets 1
        2: {0: ("value", "3"), 1: ("value", "[2, 1]"), 2: ("raises", "KeyError")},
        3: None,  # its recording did not reach the end
    }
    assert scores(outputs, expected) == {0: 2, 1: 2, 2: 2, 3: 0}
    assert best(outputs, expected) == 0
    outputs[4] = dict(outputs[1])  # a third member: 3 x 1
    assert best(outputs, expected) == 1


def test_values_are_compared_as_literals_and_nothing_met_chooses_nothing() -> None:
    assert scores({0: {0: ("value", "(1, 2)")}}, exact("(1,2)")) == {0: 1}
    assert scores({0: {0: ("value", "1.0")}}, exact("1")) == {0: 1}  # equal values, as the assert compares them
    assert best({0: {0: ("value", "<object at 0x1>")}, 1: {0: ("raises", "ValueError")}}, exact("2")) is None


def test_a_tolerant_assert_is_met_within_its_tolerance_only() -> None:
    close = {0: ("value", "(0.6, 0.30000000000000004)")}
    assert scores({0: close}, [Expected("(0.6000000000000001, 0.3)", tolerant=True)]) == {0: 1}
    assert scores({0: close}, exact("(0.6000000000000001, 0.3)")) == {0: 0}
    assert scores({0: close}, [Expected("(0.6, 0.3, 0.0)", tolerant=True)]) == {0: 0}  # lengths differ
    assert scores({0: {0: ("value", "0.61")}}, [Expected("0.6", tolerant=True)]) == {0: 0}
