"""Benchmark rows from a local file (JSONL, JSONL.gz, JSON, Parquet) or, when the user names one, a Hugging Face
dataset id reachable through ``datasets``.

Nothing is fetched unless the user names the dataset: the harness never reaches out on its own, so an offline
machine fails with a message naming the input instead of hanging on a download.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from .errors import EvalInputError

Row = dict[str, Any]


def read_rows(source: str | Path, *, split: str = "test") -> list[Row]:
    """Every row of ``source``: a file path, or ``owner/name[:config]`` naming a dataset (``split`` is used then)."""
    path = Path(source)
    if path.is_file():
        return _read_file(path)
    if path.exists():
        raise EvalInputError(f"{source}: is a directory, expected a JSONL, JSON or Parquet file")
    if "/" in str(source) and not str(source).startswith((".", "/")) and path.suffix == "":
        return _read_dataset(str(source), split)
    raise EvalInputError(f"{source}: no such file (give a JSONL/JSON/Parquet file or a dataset id owner/name[:config])")


def _read_file(path: Path) -> list[Row]:
    name = path.name.lower()
    if name.endswith(".parquet"):
        return _read_parquet(path)
    opener = gzip.open if name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise EvalInputError(f"{path}: cannot read ({error})") from None
    if name.endswith((".json", ".json.gz")):
        return _json_document(path, text)
    rows: list[Row] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise EvalInputError(f"{path}: line {number}: malformed JSON ({error.msg})") from None
        if not isinstance(row, dict):
            raise EvalInputError(f"{path}: line {number}: expected a JSON object, got {type(row).__name__}")
        rows.append(row)
    return rows


def _json_document(path: Path, text: str) -> list[Row]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise EvalInputError(f"{path}: malformed JSON ({error.msg} at line {error.lineno})") from None
    if isinstance(data, dict):  # {"data": [...]} or {task_id: row, ...}
        data = data.get("data", list(data.values()))
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise EvalInputError(f"{path}: expected a list of JSON objects")
    return data


def _read_parquet(path: Path) -> list[Row]:
    from datasets import load_dataset

    try:
        return list(load_dataset("parquet", data_files=str(path), split="train"))
    except Exception as error:
        raise EvalInputError(f"{path}: not a readable Parquet file ({type(error).__name__}: {error})") from None


def _read_dataset(source: str, split: str) -> list[Row]:
    from datasets import load_dataset

    name, _, config = source.partition(":")
    try:
        return list(load_dataset(name, config or None, split=split))
    except Exception as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise EvalInputError(f"{source}: cannot load dataset split {split!r} ({detail})") from None


def require(row: Row, keys: tuple[str, ...], where: str) -> None:
    """Refuse a row that lacks a field its layout requires, naming the row and the fields."""
    missing = [key for key in keys if key not in row]
    if missing:
        raise EvalInputError(f"{where}: missing field(s) {missing}; is this the right benchmark layout?")
