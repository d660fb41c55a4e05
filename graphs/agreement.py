"""Dual agreement among a round's candidates (CodeT, Chen et al. 2022): which failed candidate answers the round.

When no candidate passes the tests, the round's answer used to be the first candidate whatever the others did. But
generated tests are often partly wrong (a small test writer's expected values), and then the candidate most likely
right is not the first but the one that (a) behaves like many other candidates and (b) meets many of the tests:
CodeT scores each group of candidates that give the same outputs by the group's size times the number of tests they
pass, which lifted code-davinci-002's HumanEval pass@1 from 47.0 to 65.8 with generated tests alone. Here the outputs
are the values a recording run of the tests (``assert_values``) gets for each ``assert <expr> == <literal>`` (or its
``math.isclose`` form); a candidate's score is the number of candidates with the same outputs times the number of
those asserts it meets (``assert_values.holds``: equal, or within the tolerance). A candidate whose recording did
not reach the end of the tests (it crashed outside those asserts, or another assert failed) scores nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .assert_values import Expected, meets

Outputs = Mapping[int, tuple[str, str]]  # assert index -> ("value", repr) or ("raises", exception name)


def group_key(vector: Outputs) -> frozenset[tuple[int, tuple[str, str]]]:
    """What candidates with the same outputs share: they are one group."""
    return frozenset(vector.items())


def scores(outputs: Mapping[int, Outputs | None], expected: Sequence[Expected]) -> dict[int, int]:
    """Each candidate's score (see the module doc); ``outputs``: per candidate index, its recorded outputs or None;
    ``expected``: what each recorded assert expects (``assert_values.expected``)."""
    groups: dict[frozenset[tuple[int, tuple[str, str]]], int] = {}
    for vector in outputs.values():
        if vector is not None:
            key = group_key(vector)
            groups[key] = groups.get(key, 0) + 1
    result = {}
    for index, vector in outputs.items():
        if vector is None:
            result[index] = 0
            continue
        met = sum(1 for at, expectation in enumerate(expected) if meets(vector.get(at), expectation))
        result[index] = groups[group_key(vector)] * met
    return result


def best(outputs: Mapping[int, Outputs | None], expected: Sequence[Expected]) -> int | None:
    """The candidate with the highest score, the lowest index among equals; None when every score is 0."""
    ranked = scores(outputs, expected)
    top = max(ranked.values(), default=0)
    return min(index for index, score in ranked.items() if score == top) if top else None
