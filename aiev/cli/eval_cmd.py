"""``aiev eval BENCH``: sandboxed pass@k of a model on a benchmark, in plain and/or CoderGen mode, resumable."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal

import typer

from .output import console, errors, fail
from .ray_options import ExecutionsPerNode, RayAddress, RayWorkers, UseRay, ray_options


def eval_command(
    bench: Annotated[
        str, typer.Argument(help="humaneval, humaneval+, mbpp, mbpp+, multipl-e, ds-1000, aicodereval, heldout.")
    ],
    data: Annotated[
        str | None, typer.Option("--data", help="Benchmark rows: a JSONL/JSON/Parquet file or a dataset id.")
    ] = None,
    model: Annotated[
        str, typer.Option("--model", help="Model name (configs/models.yaml or registered).")
    ] = "local-qwen-0.5b",
    mode: Annotated[list[str] | None, typer.Option("--mode", help="plain or codergen (repeatable).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Only the first N tasks.")] = None,
    samples: Annotated[int, typer.Option("--samples", min=1, help="Samples per task (n of pass@k).")] = 1,
    temperature: Annotated[float, typer.Option("--temperature", min=0.0, help="0 = greedy.")] = 0.0,
    revision_temperature: Annotated[
        float | None,
        typer.Option(
            "--revision-temperature",
            min=0.0,
            max=2.0,
            help="CoderGen: temperature of revisions after a failure (default: --temperature).",
        ),
    ] = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=1, help="Completion token cap.")] = 1024,
    max_rounds: Annotated[int, typer.Option("--rounds", min=1, help="CoderGen execution rounds.")] = 7,
    hide_examples: Annotated[
        bool,
        typer.Option(
            "--hide-examples",
            help="Show every prompt without its examples (doctests, f(x) ➞ y lines, Example sections): the "
            "statement alone, so CoderGen's tests come from its test writer. HumanEval-style prompts only.",
        ),
    ] = False,
    sandbox: Annotated[
        Literal["auto", "docker", "local"], typer.Option("--sandbox", help="Code interpreter.")
    ] = "auto",
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=0.1, help="Seconds per judged sample (default: the task's).")
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=256, help="Samples run at once.")] = 2,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output directory (default runs/eval/BENCH-MODEL, -hidden-examples appended with --hide-examples); "
            "re-running resumes it.",
        ),
    ] = None,
    ray: UseRay = False,
    ray_address: RayAddress = None,
    ray_workers: RayWorkers = None,
    executions_per_node: ExecutionsPerNode = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summaries as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """pass@k with hidden tests run in the sandbox; writes results.jsonl, summary.json and report.html."""
    from aiev.agents.model_specs import ModelError
    from aiev.eval import EvalInputError, evaluate, load_benchmark
    from aiev.eval.report import summary_table, write_report
    from aiev.graphs.batch import RayUnavailableError
    from aiev.sandbox.engine import SandboxUnavailable

    from .sandbox_choice import open_sandbox

    modes = mode or ["plain"]
    variant = "-hidden-examples" if hide_examples else ""  # its own default directory: the two never mix
    out = out or Path("runs") / "eval" / re.sub(r"[^\w.+-]+", "_", f"{bench}-{model}{variant}")
    try:
        tasks = load_benchmark(bench, data, limit)
        on_ray = ray_options(ray, ray_address, ray_workers, executions_per_node)
        if on_ray is None:
            open_sandbox(sandbox, announce=not as_json)
        measured = [
            evaluate(
                tasks,
                model,
                name,
                out=out,
                samples=samples,
                temperature=temperature,  # type: ignore[arg-type]
                revision_temperature=revision_temperature,
                max_tokens=max_tokens,
                max_rounds=max_rounds,
                hide_examples=hide_examples,
                sandbox=sandbox,
                timeout_s=timeout,
                concurrency=concurrency,
                ray=on_ray,
                benchmark=bench,
                progress=not quiet and not as_json,
                console=errors,
            )  # fmt: skip
            for name in modes
        ]
        summaries = write_report(out, measured)
    except (EvalInputError, ModelError, SandboxUnavailable, RayUnavailableError) as error:
        fail(error)
    if as_json:
        console.print_json(json.dumps([s.model_dump(mode="json") for s in summaries]))
        return
    console.print(summary_table(summaries))
    console.print(f"results in {out / 'results.jsonl'}; report {out / 'report.html'}", highlight=False)
    for summary in summaries:
        if summary.incomplete:
            errors.print(
                f"[yellow]warning:[/yellow] {summary.mode}: {summary.incomplete} task(s) failed outside the model's "
                f"answer and will be retried by the same command; first error: {summary.first_error}",
                highlight=False,
            )


def register(root: typer.Typer) -> None:
    root.command("eval")(eval_command)
