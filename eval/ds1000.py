"""DS-1000 (Lai et al. 2022) in its published layout: ``prompt, reference_code, metadata{problem_id, library, ...},
code_context``.

``code_context`` defines ``test_execution(solution)`` (and sometimes ``test_string(solution)``), which
splice the solution text into the problem's context and check the result; the candidate is therefore a
snippet, passed as text through ``solution.txt``, never run on its own. The problem's library is installed
by the setup line, since the sandbox image carries only the standard library.
"""

from __future__ import annotations

from pathlib import Path

from .sources import Row, read_rows, require
from .task import EvalTask

FIELDS = ("prompt", "reference_code", "metadata", "code_context")
SOLUTION_FILE = "solution.txt"
# DS-1000 library name -> pip requirement (numpy and pandas appear in most contexts whatever the library).
PIP_NAMES = {
    "numpy": "numpy",
    "pandas": "pandas",
    "scipy": "scipy",
    "sklearn": "scikit-learn",
    "matplotlib": "matplotlib",
    "pytorch": "torch",
    "tensorflow": "tensorflow",
}

RUNNER = f"""

import pathlib as _aiev_pathlib

_aiev_solution = _aiev_pathlib.Path({SOLUTION_FILE!r}).read_text()
test_execution(_aiev_solution)
if "test_string" in globals():
    test_string(_aiev_solution)
"""


def task_from_row(row: Row) -> EvalTask:
    metadata = row.get("metadata") or {}
    require(row, FIELDS, f"ds-1000 row {metadata.get('problem_id', '?')}")
    library = str(metadata.get("library", "")).lower()
    packages = dict.fromkeys(["numpy", "pandas", PIP_NAMES.get(library, library)] if library else [])
    return EvalTask(
        task_id=f"ds1000/{metadata.get('problem_id', '?')}",
        benchmark="ds-1000",
        prompt=row["prompt"],
        style="instruct",
        test=row["code_context"].rstrip() + RUNNER,
        solution_file=SOLUTION_FILE,
        setup=[f"pip install {' '.join(packages)}"] if packages else [],
        timeout_s=60.0,
        reference=row["reference_code"],
    )


def load(source: str | Path) -> list[EvalTask]:
    return [task_from_row(row) for row in read_rows(source)]
