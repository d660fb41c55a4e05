"""The problem's function under the seed's name, when the questioner renamed it but kept its parameters.

Everything the seed can check (the problem's examples, the tests, the seed's own cases) needs the solution to keep
the seed's name and parameters (``reference_check.comparable``). The questioner is asked to keep them, and the 1.5B
still renamed the function in 4 of 14 problems of one draw (``mktime_tz(data)`` became ``convert_to_timestamp(data)``):
the seed then checked nothing, and the same model's test writer asserted the rule the programmer had invented. When
the problem's signature for its entry point has exactly the parameters of one top-level function of the seed (names,
in order), that function's name replaces the entry point's wherever it stands as a whole identifier. A problem whose
parameters differ, or that already uses the seed's name, is left as it is.
"""

from __future__ import annotations

import ast
import re

from .reference_check import parameters


def seed_named(problem: str, entry_point: str | None, seed: str) -> str | None:
    """The name of the seed's function the problem's entry point stands for (see the module doc); None when the
    entry point already is a seed function, or no single one matches."""
    try:
        functions = _functions(ast.parse(seed).body)
    except (SyntaxError, ValueError):
        return None
    if not entry_point or entry_point in functions:
        return None
    parameters = _problem_parameters(problem, entry_point)
    matches = [name for name, theirs in functions.items() if theirs == parameters]
    if parameters is None or len(matches) != 1 or _identifier(matches[0]).search(problem):
        return None
    return matches[0]


def renamed(problem: str, old: str, new: str) -> str:
    """``problem`` with every whole-identifier ``old`` (not an attribute, not part of a longer name) written ``new``."""
    return _identifier(old).sub(new, problem)


def _identifier(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")


def _problem_parameters(problem: str, entry_point: str) -> tuple[str, ...] | None:
    """The parameter names of the first ``def <entry_point>(...)`` in the problem; None when there is none that
    parses."""
    match = re.search(rf"def[ \t]+{re.escape(entry_point)}[ \t]*\(", problem)
    if match is None:
        return None
    depth = 0  # a signature may span lines (``problem_examples`` reads calls within one)
    for at in range(match.end() - 1, len(problem)):
        depth += {"(": 1, ")": -1}.get(problem[at], 0)
        if depth == 0:
            try:
                tree = ast.parse(problem[match.start() : at + 1] + ": ...")
            except SyntaxError:
                return None
            return _functions(tree.body).get(entry_point)
    return None


def _functions(body: list[ast.stmt]) -> dict[str, tuple[str, ...]]:
    """Each top-level function's parameter names (``reference_check.parameters``)."""
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef)
    return {node.name: parameters(node.args) for node in body if isinstance(node, kinds)}
