"""``aiev seeds``: harvest OSS-Instruct style seed snippets from source trees, inspect seed files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aiev.graphs.durable import atomic_write_jsonl
from aiev.graphs.seed_quality import REASONS
from aiev.graphs.seeds import Harvest, SeedFormat, SeedsError, harvest_report, load_seeds, sample_seeds, write_seeds

from .output import console, fail, show

app = typer.Typer(no_args_is_help=True, help="Seed snippets for AIEV-Instruct.")


@app.command("harvest")
def harvest_cmd(
    path: Annotated[Path, typer.Argument(help="A Python file or source tree, e.g. the standard library.")],
    out: Annotated[Path, typer.Option("--out", help="Seeds JSONL to write.")] = Path("seeds.jsonl"),
    min_lines: Annotated[int, typer.Option("--min-lines", min=1)] = 5,
    max_lines: Annotated[int, typer.Option("--max-lines", min=1)] = 40,
    include_tests: Annotated[bool, typer.Option("--include-tests", help="Also harvest test modules.")] = False,
    no_filter: Annotated[
        bool,
        typer.Option(
            "--no-filter",
            help="Keep every function and class of the size bounds as written (no filters, no imports carried).",
        ),
    ] = False,
    dropped: Annotated[
        Path | None,
        typer.Option("--dropped", help="JSONL of the dropped snippets and why [default: OUT's stem + .dropped.jsonl]."),
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Keep only the first N seeds.")] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", min=1, help="Keep N seeds drawn at random across the whole tree (reproducible)."),
    ] = None,
    random_seed: Annotated[int, typer.Option("--random-seed", help="Seed of the --sample draw.")] = 0,
) -> None:
    """Extract top-level functions and classes of MIN..MAX lines that make testable problems, deduplicated.

    Kept: self-contained functions or classes with inputs and a return value (no I/O, network, GUI, argparse or
    subprocess, no module globals but its module's imports, which are carried in front of the seed); a table shows
    how many were dropped for each reason and --dropped lists them.
    Harvest order follows the tree, so the first seeds of a big tree all come from a few modules: --sample
    spreads a small run over the whole tree.
    """
    if min_lines > max_lines:
        fail(f"--min-lines {min_lines} is larger than --max-lines {max_lines}")
    if sample is not None and limit is not None:
        fail("--sample and --limit both choose which seeds to keep: give one of them")
    try:
        result = harvest_report(
            path, min_lines=min_lines, max_lines=max_lines, include_tests=include_tests, quality=not no_filter
        )
    except SeedsError as error:
        fail(error)
    dropped_path = dropped or out.with_name(f"{out.stem}.dropped.jsonl")
    atomic_write_jsonl(dropped_path, result.dropped)
    show(_summary(result, dropped_path))
    seeds = sample_seeds(result.kept, sample, random_seed) if sample is not None else result.kept[:limit]
    if not seeds:
        fail(f"{path}: no functions or classes of {min_lines}-{max_lines} lines kept (see {dropped_path})")
    write_seeds(seeds, out)
    console.print(f"{len(seeds)} seeds from {path} written to {out}", highlight=False)


def _summary(result: Harvest, dropped_path: Path) -> Table:
    """Kept vs dropped per first reason, in the filters' order."""
    table = Table("outcome", "snippets", title=f"harvest (dropped ones in {dropped_path})")
    table.add_row("kept", str(len(result.kept)))
    counts = result.counts()
    for reason in (*REASONS, "duplicate"):
        if counts[reason]:
            table.add_row(f"dropped: {reason}", str(counts[reason]))
    table.add_row("total", str(len(result.kept) + len(result.dropped)))
    return table


@app.command("inspect")
def inspect_cmd(
    path: Annotated[Path, typer.Argument(help="Seeds file (.jsonl/.json/.parquet) or dataset id.")],
    format: Annotated[SeedFormat, typer.Option("--format")] = "auto",
) -> None:
    """Load a seeds file as `aiev generate` would and report how many unique seeds it holds."""
    try:
        seeds = load_seeds(path, format)
    except SeedsError as error:
        fail(error)
    console.print(f"{path}: {len(seeds)} unique seeds", highlight=False)
    if seeds:
        console.print(f"first: {seeds[0]['id']} ({seeds[0]['source']})", highlight=False)
