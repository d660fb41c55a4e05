"""A problem that agrees with itself, and tests that agree with the problem: what a verified sample's text must hold.

A verified sample is trained on as a whole: the problem, the tests and the code must say the same thing. Two ways
they did not, seen in real draws:

- The problem contradicts itself. The 0.5B turned ctypes' ``PYFUNCTYPE`` into a ``name(arg)`` problem whose
  examples gave one call several answers (its argument, that plus one, twice it). No code meets such a problem; the
  dialogue still ended verified in round 3, once the test writer had rewritten its tests to the analyst's reading
  and the programmer had fitted them. ``conflicting_examples`` finds two examples of the problem (``problem_examples``:
  a call of the entry point and the literal it gives) with the same call and unequal values; AIEV-Instruct discards
  such a problem before any code is written (``contradictory_examples``).
- The tests contradict the problem. A test writer told by the analyst that its tests are wrong may rewrite them to
  whatever the analyst read into the problem, including a value the problem's own example denies.
  ``contradicted_examples`` finds each ``assert <call> == <literal>`` of the tests (``assert_values``) whose call is
  one of the problem's examples and whose literal is not that example's value; the execute node refuses such tests
  (``tests_contradict_problem``) as it refuses vacuous ones, unless they passed against the seed: the seed is
  correct by construction, and outranks an example ``problem_examples`` could not repair.

Calls are compared as syntax trees (``f(1,2)`` is ``f(1, 2)``), values as Python values (``1.0`` is ``1``), a
tolerant assert within its tolerance (``assert_values.holds``). An example or assert written in another form is not
compared: the checks err toward accepting. So is an example whose call names a variable (``bisect_left(a, x)``): the
same text stands for another call wherever ``a`` and ``x`` were set to other values before it (the 1.5B's
``bisect_left`` problem set them anew before each of its six examples, and was discarded as contradicting itself).
"""

from __future__ import annotations

import ast
import builtins

from . import assert_values
from .problem_examples import Example, examples, same_value

_BUILTINS = frozenset(dir(builtins))


def conflicting_examples(problem: str, entry_point: str | None) -> list[str]:
    """Each example of ``problem`` whose call an earlier example already made with an unequal value, described as
    "``f(1) -> 2`` and ``f(1) -> 3``"; none without an entry point."""
    if not entry_point:
        return []
    first: dict[str, Example] = {}
    found = []
    for example in _self_contained(examples(problem, entry_point), entry_point):
        earlier = first.setdefault(_call_key(example.call), example)
        if earlier is not example and not same_value(earlier.value, example.value):
            found.append(f"`{earlier.call} -> {earlier.value}` and `{example.call} -> {example.value}`")
    return found


def contradicted_examples(tests: str, problem: str, entry_point: str | None) -> list[str]:
    """Each assert of ``tests`` that expects, for a call the problem's examples answer, a value the example denies,
    described with the example it contradicts; none without an entry point."""
    if not entry_point:
        return []
    stated: dict[str, Example] = {}
    for example in _self_contained(examples(problem, entry_point), entry_point):
        stated.setdefault(_call_key(example.call), example)
    found = []
    asserts = assert_values.expectations(tests)
    for expectation, expected in zip(asserts, assert_values.expected(tests), strict=True):
        example = stated.get(ast.dump(expectation.expression))
        if example is not None and not assert_values.holds(example.value, expected):
            found.append(
                f"`{ast.unparse(expectation.statement)}`, but the problem states `{example.call} -> {example.value}`"
            )
    return found


def _self_contained(found: list[Example], entry_point: str) -> list[Example]:
    """The examples whose call names nothing but the entry point and builtins: what the call is does not depend on
    the text before it."""
    known = _BUILTINS | {entry_point}
    return [example for example in found if _names(example.call) <= known]


def _names(call: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(call, mode="eval")) if isinstance(node, ast.Name)}


def _call_key(call: str) -> str:
    """The call's syntax tree without positions: how the same call written twice is recognised."""
    return ast.dump(ast.parse(call, mode="eval").body)
