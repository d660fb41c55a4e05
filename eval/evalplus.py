"""HumanEval+ and MBPP+ in EvalPlus's release layout, judged by differential testing.

Layout: ``task_id, prompt, entry_point, canonical_solution, base_input, plus_input, atol`` (+ ``contract``,
``test``; MBPP+ adds ``test_list``...). EvalPlus has no assert-based tests for the ``plus`` inputs: a
candidate passes when it returns what the canonical solution returns on every input (floats within
``atol``). The hidden program therefore runs the reference and the candidate side by side in the sandbox; the
inputs and the reference travel as hidden files so the candidate's ``main.py`` stays the candidate's code.
HumanEval+'s ``canonical_solution`` is a body that completes ``prompt``; MBPP+'s is a whole program.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from .sources import Row, read_rows, require
from .task import EvalTask

Flavour = Literal["humaneval+", "mbpp+"]
FIELDS = ("task_id", "prompt", "entry_point", "canonical_solution", "base_input")

# Appended to the candidate. Floats (and sequences of floats) compare with EvalPlus's tolerance, all else exactly.
DIFF_TEST = """
def _aiev_same(got, expected, atol):
    import math
    if isinstance(expected, float) or isinstance(got, float):
        return isinstance(got, (int, float)) and math.isclose(got, expected, rel_tol=1e-07, abs_tol=max(atol, 1e-09))
    if isinstance(expected, (list, tuple)) and isinstance(got, (list, tuple)) and len(got) == len(expected):
        if any(isinstance(x, float) for x in expected):
            return all(_aiev_same(g, e, atol) for g, e in zip(got, expected))
    return got == expected


def _aiev_diff_test(entry_point, atol):
    import copy, json, pathlib
    reference = {"__name__": "reference"}
    exec(compile(pathlib.Path("reference.py").read_text(), "reference.py", "exec"), reference)
    expected_fn, candidate = reference[entry_point], globals()[entry_point]
    for index, args in enumerate(json.loads(pathlib.Path("inputs.json").read_text())):
        expected = expected_fn(*copy.deepcopy(args))
        got = candidate(*copy.deepcopy(args))
        assert _aiev_same(got, expected, atol), (
            f"input #{index} {args!r:.300}: expected {expected!r:.300}, got {got!r:.300}"
        )
"""


def task_from_row(row: Row, flavour: Flavour, plus: bool = True) -> EvalTask:
    require(row, FIELDS, f"{flavour} row {row.get('task_id', '?')}")
    entry = row["entry_point"]
    reference = row["canonical_solution"] if flavour == "mbpp+" else row["prompt"] + row["canonical_solution"]
    inputs = list(row["base_input"]) + (list(row.get("plus_input") or []) if plus else [])
    atol = float(row.get("atol") or 0.0)
    return EvalTask(
        task_id=str(row["task_id"]),
        benchmark=flavour,
        prompt=row["prompt"],
        style="complete" if flavour == "humaneval+" else "instruct",
        entry_point=entry,
        test=f"{DIFF_TEST.strip()}\n\n\n_aiev_diff_test({entry!r}, {atol!r})\n",
        files={"reference.py": reference, "inputs.json": json.dumps(inputs)},
        timeout_s=60.0,  # thousands of plus inputs, each run twice
        reference=reference,
    )


def load(source: str | Path, flavour: Flavour, plus: bool = True) -> list[EvalTask]:
    return [task_from_row(row, flavour, plus) for row in read_rows(source)]
