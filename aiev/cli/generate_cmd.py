"""``aiev generate``: AIEV-Instruct over a seeds file, resumable from its output directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from aiev.agents.context import Stage
from aiev.agents.model_specs import ModelError
from aiev.graphs.presets import (
    PresetError,
    bundled_config,
    resolve_context,
    role_overrides,
)
from aiev.graphs.seeds import SeedFormat, SeedsError

from .output import console, errors, fail
from .ray_options import ExecutionsPerNode, RayAddress, RayWorkers, UseRay, ray_options

DEFAULTS = bundled_config("pipeline.yaml")
DEFAULT_FORMAT: SeedFormat = DEFAULTS.get("format", "auto")
DEFAULT_CONCURRENCY: int = DEFAULTS.get("concurrency", 2)
DEFAULT_STAGE: Stage = DEFAULTS.get("stage", "teaching")


def generate(
    seeds: Annotated[Path, typer.Option("--seeds", help="Seeds: .jsonl/.json/.parquet file or dataset id.")],
    out: Annotated[Path, typer.Option("--out", help="Output directory; re-running resumes it.")],
    format: Annotated[SeedFormat, typer.Option("--format", help="Seeds layout.")] = DEFAULT_FORMAT,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Use only the first N unique seeds.")] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=256, help="Dialogues run at once.")
    ] = DEFAULT_CONCURRENCY,
    stage: Annotated[Stage, typer.Option("--stage", help="Stage preset (configs/stages/).")] = DEFAULT_STAGE,
    preset: Annotated[
        Path | None, typer.Option("--preset", help="YAML of run-context fields over the stage preset.")
    ] = None,
    model: Annotated[str | None, typer.Option("--model", help="Model name for every role.")] = None,
    role_model: Annotated[
        list[str] | None, typer.Option("--role-model", help="ROLE=MODEL for one role (repeatable).")
    ] = None,
    sandbox: Annotated[
        Literal["auto", "docker", "local"] | None, typer.Option("--sandbox", help="Code interpreter.")
    ] = None,
    max_rounds: Annotated[
        int | None, typer.Option("--max-rounds", min=1, help="Execution rounds before a discard.")
    ] = None,
    candidates: Annotated[
        int | None,
        typer.Option("--candidates", min=1, help="Programmer replies sampled per turn; one that passes is kept."),
    ] = None,
    until_verified: Annotated[
        int | None,
        typer.Option(
            "--until-verified",
            min=1,
            help="Start no further seed once the seeds hold N verified samples (dialogues in flight finish).",
        ),
    ] = None,
    ray: UseRay = False,
    ray_address: RayAddress = None,
    ray_workers: RayWorkers = None,
    executions_per_node: ExecutionsPerNode = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Turn seed snippets into verified multi-turn samples (problem, code, tests, execution feedback)."""
    # Imported here so that `aiev --help` and the other commands do not pay for LangGraph and the sandbox.
    from aiev.graphs.batch import RayUnavailableError
    from aiev.graphs.pipeline import PipelineConfig, run_pipeline
    from aiev.sandbox.engine import SandboxUnavailable

    from .sandbox_choice import open_sandbox

    try:
        overrides = {
            **role_overrides(model, role_model), "sandbox": sandbox, "max_rounds": max_rounds, "candidates": candidates,
        }  # fmt: skip
        context = resolve_context(stage, preset, overrides)
        on_ray = ray_options(ray, ray_address, ray_workers, executions_per_node)
        if on_ray is None:
            open_sandbox(context.sandbox)
        config = PipelineConfig(
            seeds=seeds, out=out, format=format, limit=limit, concurrency=concurrency, stage=stage,
            context=context, ray=on_ray, progress=not quiet, until_verified=until_verified,
        )  # fmt: skip
        summary = run_pipeline(config, console=console)
    except (SeedsError, PresetError, ModelError, SandboxUnavailable, RayUnavailableError) as error:
        fail(error)
    stopped = f", {summary.not_started} not started: --until-verified reached" if summary.not_started else ""
    console.print(
        f"{summary.out}: {summary.passed} passed, {summary.discarded} discarded of {summary.selected} seeds "
        f"({summary.ran} run now, {summary.already_done} already done{stopped}); "
        f"samples in {summary.out / 'samples.jsonl'}",
        highlight=False,
    )
    if summary.retryable:
        errors.print(
            f"[yellow]warning:[/yellow] {summary.retryable} seed(s) failed for reasons outside the dialogue and will "
            f"be retried by the same command; first error: {summary.first_error}",
            highlight=False,
        )
        if summary.retryable == summary.selected:
            raise typer.Exit(code=2)


def register(root: typer.Typer) -> None:
    root.command("generate")(generate)
