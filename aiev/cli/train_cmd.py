"""``aiev train build|sft`` and ``aiev loop``: datasets from generation runs, DeepSpeed SFT, teaching -> self-learning."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from aiev.training.build import BuildConfig, build_dataset
from aiev.training.decontam import THRESHOLD
from aiev.training.dedup import NEAR_DUP_THRESHOLD
from aiev.training.errors import TrainingInputError
from aiev.training.launch import deepspeed_command, launch_environment, render, run_launcher
from aiev.training.sft_settings import ZERO3_FILE, load_settings
from aiev.training.split import BATCH_SIZE, TEST_FRACTION

app = typer.Typer(no_args_is_help=True, help="Build training datasets from generation runs and fine-tune (DeepSpeed).")
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def _fail(error: Exception) -> NoReturn:
    errors.print(f"[red]error:[/red] {error}", highlight=False, markup=True)
    raise typer.Exit(code=2)


@app.command()
def build(
    samples: Annotated[list[Path], typer.Option("--samples", help="`aiev generate` output dir or samples.jsonl (repeatable).")],
    out: Annotated[Path, typer.Option("--out", help="Output directory for the dataset and reports.")],
    benchmark: Annotated[
        list[Path] | None, typer.Option("--benchmark", help="Local MBPP / DS-1000 / MultiPL-E JSON(L) file to decontaminate against (repeatable).")
    ] = None,
    no_humaneval: Annotated[bool, typer.Option("--no-humaneval", help="Skip the bundled HumanEval in decontamination.")] = False,
    threshold: Annotated[float, typer.Option(help="Similarity (0-100) to a benchmark item that removes a sample.")] = THRESHOLD,
    near_dup: Annotated[float, typer.Option("--near-dup", help="Similarity (0-100) at which two samples are near duplicates.")] = NEAR_DUP_THRESHOLD,
    batch_size: Annotated[int, typer.Option(help="Samples per split batch (AutoCoder: 2000).")] = BATCH_SIZE,
    test_fraction: Annotated[float, typer.Option(help="Held-out share of each batch (1:9 -> 0.1).")] = TEST_FRACTION,
    seed: Annotated[int, typer.Option(help="Seed of the split.")] = 0,
    push_to_hub: Annotated[str | None, typer.Option("--push-to-hub", help="Also upload the dataset to this hub repo id (private).")] = None,
) -> None:
    """Dedup, decontaminate, post-process (special tokens), split 1:9 per batch, and export HF / JSONL / ShareGPT."""
    try:
        config = BuildConfig(
            samples=samples, out=out, benchmarks=benchmark or [], humaneval=not no_humaneval, threshold=threshold,
            near_dup_threshold=near_dup, batch_size=batch_size, test_fraction=test_fraction, seed=seed, push_to_hub=push_to_hub,
        )
        with console.status("building dataset"):
            report = build_dataset(config)
    except (TrainingInputError, ValueError) as error:
        _fail(error)
    table = Table("stage", "samples")
    for label, value in [
        ("read (passed)", report.read),
        ("exact duplicates removed", report.exact_duplicates),
        ("near duplicates removed", report.near_duplicates),
        ("contaminated removed", report.contaminated),
        ("train", report.train),
        ("test (held out)", report.test),
    ]:
        table.add_row(label, str(value))
    console.print(table)
    console.print(f"benchmarks compared: {report.benchmarks}; dataset: {out / 'dataset'}")


@app.command()
def sft(
    data: Annotated[Path, typer.Option("--data", help="Dataset dir from `aiev train build` (or its dataset/ folder).")],
    base: Annotated[str, typer.Option("--base", help="Base model: local directory or model id.")],
    out: Annotated[Path, typer.Option("--out", help="Output dir: checkpoints, final model and tokenizer; a rerun resumes.")],
    deepspeed: Annotated[Path | None, typer.Option("--deepspeed", help=f"DeepSpeed JSON (paper recipe: {ZERO3_FILE}).")] = None,
    lora: Annotated[bool, typer.Option("--lora", help="Train LoRA adapters (settings in configs/training.yaml) instead of all weights.")] = False,
    num_gpus: Annotated[int, typer.Option("--num-gpus", min=1, help="Processes per node (GPUs; CPU slots without CUDA).")] = 1,
    hostfile: Annotated[Path | None, typer.Option("--hostfile", help="DeepSpeed hostfile for multi-node runs.")] = None,
    master_port: Annotated[int | None, typer.Option("--master-port", help="Rendezvous port (default: DeepSpeed's 29500).")] = None,
    epochs: Annotated[float | None, typer.Option(help="Override configs/training.yaml.")] = None,
    learning_rate: Annotated[float | None, typer.Option("--lr", help="Override configs/training.yaml.")] = None,
    max_length: Annotated[int | None, typer.Option(help="Override configs/training.yaml.")] = None,
    logging_steps: Annotated[int | None, typer.Option(help="Override configs/training.yaml.")] = None,
    save_steps: Annotated[int | None, typer.Option(help="Override configs/training.yaml.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the deepspeed command and exit.")] = False,
) -> None:
    """Fine-tune through the `deepspeed` launcher; the exact command is printed first."""
    try:
        if deepspeed is not None and not deepspeed.is_file():
            raise TrainingInputError(f"--deepspeed {deepspeed}: no such file")
        if not dry_run and not data.exists():
            raise TrainingInputError(f"--data {data}: no such directory")
        settings = load_settings({
            "data": data, "base": base, "out": out, "deepspeed": deepspeed, "lora": lora, "epochs": epochs,
            "learning_rate": learning_rate, "max_length": max_length, "logging_steps": logging_steps, "save_steps": save_steps,
        })
        settings.deepspeed_config()  # a broken JSON fails here, not in every rank
        command = deepspeed_command(settings, num_gpus, hostfile, master_port)
    except TrainingInputError as error:
        _fail(error)
    env = launch_environment()
    console.print(render(command, env), highlight=False, markup=False)
    if dry_run:
        return
    code = run_launcher(command, env)
    if code != 0:
        errors.print(f"[red]error:[/red] training failed (deepspeed exit code {code}); see the output above", highlight=False)
        raise typer.Exit(code=1)
    console.print(f"model and tokenizer saved to {out}")


def register_loop(root: typer.Typer) -> None:
    """Adds ``aiev loop`` (kept here so every training command lives in one module)."""
    return None
