"""MBPP (Austin et al. 2021) in its original JSONL layout: ``task_id, text, code, test_list, test_setup_code,
challenge_test_list``.

The prompt is the statement plus the first assert, the way MBPP+ and most harnesses show it, so the model
learns the function name and argument order; the hidden program is the setup code and every assert of
``test_list`` (``challenge_test_list`` too when asked).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..agents.prompts import render_prompt
from .errors import EvalInputError
from .sources import Row, read_rows, require
from .task import EvalTask

FIELDS = ("task_id", "text", "code", "test_list")
_CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


def _entry_point(row: Row) -> str:
    """The reference's function that the first assert calls."""
    defined = set(re.findall(r"^def\s+([A-Za-z_]\w*)", row["code"], re.MULTILINE))
    for name in _CALLED.findall(row["test_list"][0]):
        if name in defined:
            return name
    raise EvalInputError(f"mbpp row {row['task_id']}: the first test calls none of the functions the code defines")


def task_from_row(row: Row, challenge: bool = False) -> EvalTask:
    require(row, FIELDS, f"mbpp row {row.get('task_id', '?')}")
    if not row["test_list"]:
        raise EvalInputError(f"mbpp row {row['task_id']}: empty test_list")
    asserts = list(row["test_list"]) + (list(row.get("challenge_test_list") or []) if challenge else [])
    setup_code = (row.get("test_setup_code") or "").strip()
    return EvalTask(
        task_id=f"mbpp/{row['task_id']}",
        benchmark="mbpp",
        prompt=render_prompt("eval_mbpp_task", text=row["text"].strip(), example=row["test_list"][0].strip()),
        style="instruct",
        entry_point=_entry_point(row),
        test="\n".join([setup_code, *asserts]).strip() + "\n",
        reference=row["code"],
    )


def load(source: str | Path, challenge: bool = False) -> list[EvalTask]:
    return [task_from_row(row, challenge) for row in read_rows(source)]
