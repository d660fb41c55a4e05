"""``aiev seeds``: harvest OSS-Instruct style seed snippets from source trees, inspect seed files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aiev.graphs.seeds import SeedFormat, SeedsError, harvest, load_seeds, sample_seeds, write_seeds

from .output import console, fail

app = typer.Typer(no_args_is_help=True, help="Seed snippets for AIEV-Instruct.")


@app.command("harvest")
def harvest_cmd(
    path: Annotated[Path, typer.Argument(help="A Python file or source tree, e.g. the standard library.")],
    out: Annotated[Path, typer.Option("--out", help="Seeds JSONL to write.")] = Path("seeds.jsonl"),
    min_lines: Annotated[int, typer.Option("--min-lines", min=1)] = 5,
    max_lines: Annotated[int, typer.Option("--max-lines", min=1)] = 40,
    include_tests: Annotated[bool, typer.Option("--include-tests", help="Also harvest test modules.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Keep only the first N seeds.")] = None,
    sample: Annotated[
        int | None,
        typer.Option("--sample", min=1, help="Keep N seeds drawn at random across the whole tree (reproducible)."),
    ] = None,
    random_seed: Annotated[int, typer.Option("--random-seed", help="Seed of the --sample draw.")] = 0,
) -> None:
    """Extract top-level functions and classes of MIN..MAX lines, deduplicated, as seed snippets.

    Harvest order follows the tree, so the first seeds of a big tree all come from a few modules: --sample
    spreads a small run over the whole tree.
    """
    if min_lines > max_lines:
        fail(f"--min-lines {min_lines} is larger than --max-lines {max_lines}")
    if sample is not None and limit is not None:
        fail("--sample and --limit both choose which seeds to keep: give one of them")
    try:
        seeds = harvest(path, min_lines=min_lines, max_lines=max_lines, include_tests=include_tests)
    except SeedsError as error:
        fail(error)
    seeds = sample_seeds(seeds, sample, random_seed) if sample is not None else seeds[:limit]
    if not seeds:
        fail(f"{path}: no functions or classes of {min_lines}-{max_lines} lines found")
    write_seeds(seeds, out)
    console.print(f"{len(seeds)} seeds from {path} written to {out}", highlight=False)


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
