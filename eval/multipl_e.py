"""MultiPL-E (Cassano et al. 2022) in its published layout: ``name, language, prompt, doctests, original,
prompt_terminology, tests, stop_tokens``.

Only Python is executed (the sandbox image runs Python); rows of other languages load into tasks that the
runner reports as unsupported instead of silently dropping them. Python's ``tests`` already hold
``check(candidate)`` and the call that runs it, so the hidden program is ``tests`` as published.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import EvalInputError
from .sources import Row, read_rows, require
from .task import EvalTask

FIELDS = ("name", "language", "prompt", "tests")
_CHECK_CALL = re.compile(r"\bcheck\(\s*([A-Za-z_]\w*)\s*\)")
_PY_DEF = re.compile(r"^def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)


def _entry_point(row: Row) -> str | None:
    called = _CHECK_CALL.findall(row["tests"])
    if called:
        return called[-1]
    defined = _PY_DEF.findall(row["prompt"])
    return defined[-1] if defined else None


def task_from_row(row: Row) -> EvalTask:
    require(row, FIELDS, f"multipl-e row {row.get('name', '?')}")
    language = str(row["language"])
    entry = _entry_point(row) if language in ("py", "python") else None
    if language in ("py", "python") and entry is None:
        raise EvalInputError(f"multipl-e row {row['name']}: cannot tell which function the tests check")
    return EvalTask(
        task_id=f"{language}/{row['name']}",  # names repeat across languages
        benchmark="multipl-e",
        prompt=row["prompt"],
        style="complete",
        entry_point=entry,
        language="python" if language == "py" else language,
        test=row["tests"],
    )


def load(source: str | Path) -> list[EvalTask]:
    return [task_from_row(row) for row in read_rows(source)]
