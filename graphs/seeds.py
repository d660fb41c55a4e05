"""Seeds for AIEV-Instruct: loading them from the supported layouts, deduplicating, harvesting new ones.

Three layouts are read: aiev's own JSON lines (``{"snippet": ..., "id"?: ..., "source"?: ...}``), the
Magicoder OSS-Instruct layout (``lang, raw_index, index, seed, openai_fingerprint, problem, solution``;
the ``seed`` column is the snippet) and the Evol-Instruct layout (``instruction, output``; the first code
block of the output is the snippet, the instruction when there is none). Seeds are identified by a hash
of their normal form (``code_normalization``), so the same snippet reformatted, re-commented or with another
docstring is one seed, and a run keyed by seed id is stable across re-runs of the same file.
"""

from __future__ import annotations

import ast
import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict

from ..agents.parsing import code_blocks
from ..agents.state import Seed
from .code_normalization import normalize_code
from .durable import atomic_write_jsonl
from .seed_imports import module_imports, with_module_imports
from .seed_quality import RejectionReason, rejection_reasons

SeedFormat = Literal["auto", "jsonl", "oss-instruct", "evol-instruct"]
DropReason = RejectionReason | Literal["duplicate"]

# The columns that identify each layout (a file may carry more).
LAYOUT_COLUMNS: dict[str, frozenset[str]] = {
    "oss-instruct": frozenset({"lang", "seed"}),
    "evol-instruct": frozenset({"instruction", "output"}),
    "jsonl": frozenset({"snippet"}),
}
_DATASET_BUILDERS = {".jsonl": "json", ".json": "json", ".parquet": "parquet"}
_HUB_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


class SeedsError(ValueError):
    """A seeds file or dataset that cannot be used; the message names it and what is wrong."""


def normalized_hash(code: str) -> str:
    """SHA-256 of the code's normal form (``code_normalization``: the one dedup and decontamination compare)."""
    return hashlib.sha256(normalize_code(code).encode("utf-8")).hexdigest()


def make_seed(snippet: str, source: str, seed_id: str | None = None) -> Seed:
    return {"id": seed_id or f"seed-{normalized_hash(snippet)[:16]}", "snippet": snippet, "source": source}


def dedupe(seeds: Iterable[Seed]) -> list[Seed]:
    """First occurrence of each snippet (by normalized hash) and of each id, in input order."""
    seen_hashes: set[str] = set()
    seen_ids: set[str] = set()
    unique: list[Seed] = []
    for seed in seeds:
        digest = normalized_hash(seed["snippet"])
        if digest in seen_hashes or seed["id"] in seen_ids:
            continue
        seen_hashes.add(digest)
        seen_ids.add(seed["id"])
        unique.append(seed)
    return unique


def load_seeds(path: str | Path, fmt: SeedFormat = "auto") -> list[Seed]:
    """Deduplicated seeds from a local file (json, jsonl, parquet) or a dataset id, in file order."""
    source = Path(path)
    if not source.exists():
        if _HUB_ID.match(str(path)) and fmt != "jsonl":
            rows = _load_dataset(str(path), None)
            return dedupe(_from_rows(rows, _layout(set(rows.column_names), str(path), fmt), str(path)))
        raise SeedsError(f"{path}: no such file")
    if source.is_dir():
        raise SeedsError(f"{path}: is a directory; expected a .jsonl, .json or .parquet file")
    suffix = source.suffix.lower()
    if suffix not in _DATASET_BUILDERS:
        raise SeedsError(f"{path}: unsupported file type {suffix or '(none)'}; expected .jsonl, .json or .parquet")
    if suffix == ".parquet":
        rows = _load_dataset("parquet", source)
        return dedupe(_from_rows(rows, _layout(set(rows.column_names), str(path), fmt), str(path)))
    records = list(_read_json_records(source))
    if not records:
        raise SeedsError(f"{path}: contains no records")
    layout = _layout(set(records[0][1]), str(path), fmt)
    if layout == "jsonl":
        return dedupe(_from_snippet_records(records, source))
    # The Hugging Face layouts go through ``datasets`` (same loader as for hub ids), after the pass above
    # has checked every line so that a malformed one is reported with its line number.
    return dedupe(_from_rows(_load_dataset("json", source), layout, str(path)))


def _read_json_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for a JSON-lines file, or for a JSON array file (numbered by position)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SeedsError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as error:
            raise SeedsError(f"{path}: invalid JSON at line {error.lineno}: {error.msg}") from None
        numbered: Iterable[tuple[int, Any]] = enumerate(items, start=1)
    else:
        numbered = _parse_lines(path, text)
    for number, item in numbered:
        if not isinstance(item, dict):
            raise SeedsError(f"{path}: line {number}: expected a JSON object, got {type(item).__name__}")
        yield number, item


def _parse_lines(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            raise SeedsError(f"{path}: line {number}: malformed JSON ({error.msg} at column {error.colno})") from None


def _layout(columns: set[str], name: str, fmt: SeedFormat) -> str:
    if fmt != "auto":
        missing = LAYOUT_COLUMNS[fmt] - columns
        if missing:
            raise SeedsError(f"{name}: not in the {fmt} layout: missing column(s) {sorted(missing)}")
        return fmt
    for layout, required in LAYOUT_COLUMNS.items():
        if required <= columns:
            return layout
    expected = "; ".join(f"{layout}: {sorted(cols)}" for layout, cols in LAYOUT_COLUMNS.items())
    raise SeedsError(f"{name}: unknown column layout {sorted(columns)}; expected one of {expected}")


def _from_snippet_records(records: list[tuple[int, dict[str, Any]]], path: Path) -> Iterator[Seed]:
    for number, record in records:
        snippet = record.get("snippet")
        if not isinstance(snippet, str) or not snippet.strip():
            raise SeedsError(f"{path}: line {number}: 'snippet' must be a non-empty string")
        seed_id = record.get("id")
        if seed_id is not None and not isinstance(seed_id, str | int):
            raise SeedsError(f"{path}: line {number}: 'id' must be a string or an integer")
        yield make_seed(
            snippet, str(record.get("source") or f"{path.name}:{number}"), None if seed_id is None else str(seed_id)
        )


def _load_dataset(name: str, path: Path | None):
    """One split of a dataset through ``datasets.load_dataset``; a failure names the input."""
    import datasets  # heavy: imported only when a Hugging Face layout is actually read

    try:
        if path is None:
            return datasets.load_dataset(name, split="train")
        return datasets.load_dataset(name, data_files=str(path), split="train")
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SeedsError(f"{path or name}: cannot load as a dataset ({first})") from None


def _from_rows(rows: Iterable[dict[str, Any]], layout: str, name: str) -> Iterator[Seed]:
    for number, row in enumerate(rows, start=1):
        if layout == "oss-instruct":
            snippet = row.get("seed") or ""
            source = f"oss-instruct:{row.get('index', number)}:{row.get('lang') or '?'}"
        elif layout == "evol-instruct":
            snippet = _evol_snippet(row.get("instruction") or "", row.get("output") or "")
            source = f"evol-instruct:{number}"
        else:
            snippet = row.get("snippet") or ""
            source = str(row.get("source") or f"{name}:{number}")
        if snippet.strip():
            yield make_seed(snippet, source)


def _evol_snippet(instruction: str, output: str) -> str:
    blocks = [block.code for block in code_blocks(output) if block.code.strip()]
    return blocks[0] if blocks else instruction


class DroppedSeed(TypedDict):
    """A snippet a harvest left out: where it came from and every reason, the first one being the one counted."""

    source: str
    reasons: list[DropReason]
    snippet: str


@dataclass
class Harvest:
    """What a harvest kept and what it dropped (``duplicate`` is a reason here too: a copy of a kept seed)."""

    kept: list[Seed] = field(default_factory=list)
    dropped: list[DroppedSeed] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        """Dropped seeds per first reason."""
        return Counter(entry["reasons"][0] for entry in self.dropped)


def harvest(
    root: str | Path, *, min_lines: int = 5, max_lines: int = 40, include_tests: bool = False, quality: bool = True
) -> list[Seed]:
    """The seeds ``harvest_report`` keeps (see there)."""
    return harvest_report(
        root, min_lines=min_lines, max_lines=max_lines, include_tests=include_tests, quality=quality
    ).kept


def harvest_report(
    root: str | Path, *, min_lines: int = 5, max_lines: int = 40, include_tests: bool = False, quality: bool = True
) -> Harvest:
    """OSS-Instruct-style seeds from a Python source tree: its top-level functions and classes, judged one by one.

    Test modules are skipped by default (they are mostly fixtures and asserts, poor inspiration), and so are packages
    installed inside the tree (``site-packages``, ``dist-packages``: a Python installation's standard library
    directory holds its installed packages there, which are not the tree's code). Every other
    top-level definition is kept or dropped with its reasons (``seed_quality``): outside MIN..MAX lines, a stub,
    or, with ``quality`` on, not a self-contained function with inputs and a return value. With ``quality`` on, a
    definition whose only outside names are its module's imports first gets those import lines in front
    (``seed_imports``), and is judged and deduplicated with them; without, it is taken as written. A module that
    does not parse is one dropped entry (``does_not_parse``, empty snippet). Kept seeds are then deduplicated.
    """
    base = Path(root)
    if not base.exists():
        raise SeedsError(f"{root}: no such file or directory")
    files = [base] if base.is_file() else sorted(base.rglob("*.py"))
    result = Harvest()
    candidates: list[Seed] = []
    for file in files:
        relative = file.relative_to(base) if file != base else Path(file.name)
        if _is_installed_package(relative) or (not include_tests and _is_test_path(relative)):
            continue
        snippets = _snippets_of(file, relative, carry_imports=quality)
        if snippets is None:
            result.dropped.append({"source": relative.as_posix(), "reasons": ["does_not_parse"], "snippet": ""})
            continue
        for seed in snippets:
            reasons = rejection_reasons(seed["snippet"], min_lines=min_lines, max_lines=max_lines, quality=quality)
            if reasons:
                result.dropped.append({"source": seed["source"], "reasons": reasons, "snippet": seed["snippet"]})
            else:
                candidates.append(seed)
    result.kept = dedupe(candidates)
    kept_ids = {id(seed) for seed in result.kept}  # identity: a copy has the kept seed's hash id
    result.dropped.extend(
        {"source": seed["source"], "reasons": ["duplicate"], "snippet": seed["snippet"]}
        for seed in candidates
        if id(seed) not in kept_ids
    )
    return result


def sample_seeds(seeds: list[Seed], n: int, random_seed: int = 0) -> list[Seed]:
    """``n`` seeds drawn without replacement, kept in harvest order; the same ``random_seed`` draws the same."""
    if n >= len(seeds):
        return list(seeds)
    chosen = sorted(random.Random(random_seed).sample(range(len(seeds)), n))
    return [seeds[i] for i in chosen]


def _is_installed_package(relative: Path) -> bool:
    return any(part in {"site-packages", "dist-packages"} for part in relative.parts[:-1])


def _is_test_path(relative: Path) -> bool:
    parts = relative.parts
    return any(p in {"test", "tests", "testing"} for p in parts[:-1]) or parts[-1].startswith("test_")


def _snippets_of(file: Path, relative: Path, *, carry_imports: bool) -> list[Seed] | None:
    """Every top-level function and class of ``file`` as a seed (decorators included), headed by the module imports
    it needs when ``carry_imports``; None when the module does not parse."""
    try:
        source = file.read_text(encoding="utf-8")
        tree = ast.parse(source)
        imports = module_imports(tree, source, str(file)) if carry_imports else {}
    except (UnicodeDecodeError, SyntaxError, ValueError, OSError, RecursionError):
        return None
    lines = source.splitlines()
    seeds: list[Seed] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            end = node.end_lineno or node.lineno
            snippet = with_module_imports("\n".join(lines[start - 1 : end]), imports)
            seeds.append(make_seed(snippet, f"{relative.as_posix()}:{start}"))
    return seeds


def write_seeds(seeds: list[Seed], path: str | Path) -> None:
    atomic_write_jsonl(Path(path), seeds)
