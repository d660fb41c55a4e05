"""``aiev train build|sft`` and ``aiev loop``: datasets from generation runs, DeepSpeed SFT,
teaching -> self-learning."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from aiev.training.decontam import THRESHOLD
from aiev.training.dedup import NEAR_DUP_THRESHOLD
from aiev.training.errors import TrainingInputError, TrainingStepError
from aiev.training.launch import (
    deepspeed_command,
    launch_environment,
    render,
    run_launcher,
)
from aiev.training.sft_settings import ZERO3_FILE, load_settings, trains_on_cpu
from aiev.training.split import BATCH_SIZE, TEST_FRACTION
from aiev.training.student_base import resolve_base, student_base

from .output import console, errors, fail

if TYPE_CHECKING:
    from aiev.training.loop import LoopSteps
    from aiev.training.loop_steps import LoopResources

# `datasets` (build, loop) is imported inside the commands that use it: the CLI's start-up stays fast.

app = typer.Typer(no_args_is_help=True, help="Build training datasets from generation runs and fine-tune (DeepSpeed).")


def _named_files(pairs: list[str]) -> dict[str, Path]:
    named: dict[str, Path] = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise TrainingInputError(f"--benchmark {pair!r}: expected NAME=FILE, e.g. mbpp=data/mbpp.jsonl")
        named[name.strip()] = Path(path.strip())
    return named


@app.command()
def build(
    samples: Annotated[
        list[Path], typer.Option("--samples", help="`aiev generate` output dir or samples.jsonl (repeatable).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output directory for the dataset and reports.")],
    benchmark: Annotated[
        list[str] | None,
        typer.Option(
            "--benchmark",
            help="NAME=FILE of a local benchmark to decontaminate against as well as HumanEval, e.g. mbpp=mbpp.jsonl, "
            "ds-1000=..., multipl-e=... (repeatable); the report lists the benchmarks left unchecked.",
        ),
    ] = None,
    no_humaneval: Annotated[
        bool, typer.Option("--no-humaneval", help="Skip the bundled HumanEval in decontamination.")
    ] = False,
    threshold: Annotated[
        float, typer.Option(help="Similarity (0-100) to a benchmark item that removes a sample.")
    ] = THRESHOLD,
    near_dup: Annotated[
        float, typer.Option("--near-dup", help="Similarity (0-100) at which two samples are near duplicates.")
    ] = NEAR_DUP_THRESHOLD,
    batch_size: Annotated[int, typer.Option(help="Samples per split batch (AutoCoder: 2000).")] = BATCH_SIZE,
    test_fraction: Annotated[float, typer.Option(help="Held-out share of each batch (1:9 -> 0.1).")] = TEST_FRACTION,
    seed: Annotated[int, typer.Option(help="Seed of the split.")] = 0,
    push_to_hub: Annotated[
        str | None, typer.Option("--push-to-hub", help="Also upload the dataset to this hub repo id (private).")
    ] = None,
    drop_blamed_tests: Annotated[
        bool,
        typer.Option(
            "--drop-blamed-tests", help="Leave out dialogues whose tests the error analyst blamed and had rewritten."
        ),
    ] = False,
    seed_checked_only: Annotated[
        bool,
        typer.Option(
            "--seed-checked-only",
            help="Keep only dialogues whose passing tests also passed against their seed (not only the model's own).",
        ),
    ] = False,
) -> None:
    """Dedup, decontaminate, post-process (special tokens), split 1:9 per batch, and export HF / JSONL / ShareGPT."""
    from aiev.training.build import BuildConfig, build_dataset

    try:
        config = BuildConfig(
            samples=samples,
            out=out,
            benchmarks=_named_files(benchmark or []),
            humaneval=not no_humaneval,
            threshold=threshold,
            near_dup_threshold=near_dup,
            batch_size=batch_size,
            test_fraction=test_fraction,
            seed=seed,
            push_to_hub=push_to_hub,
            drop_blamed_tests=drop_blamed_tests,
            seed_checked_only=seed_checked_only,
        )
        with console.status("building dataset"):
            report = build_dataset(config)
    except (TrainingInputError, ValueError) as error:
        fail(error)
    table = Table("stage", "samples")
    for label, value in [
        ("read (passed)", report.read),
        ("tests blamed, dropped", report.blamed_tests_dropped),
        ("not checked against a seed, dropped", report.seed_unchecked_dropped),
        ("exact duplicates removed", report.exact_duplicates),
        ("near duplicates removed", report.near_duplicates),
        ("contaminated removed", report.contaminated),
        ("train", report.train),
        ("test (held out)", report.test),
        ("held out with a sibling in training (same seed module)", report.heldout_siblings),
    ]:
        table.add_row(label, str(value))
    console.print(table)
    checked = ", ".join(
        f"{name} ({report.benchmarks[name]} items, {removed} removed)"
        for name, removed in report.contaminated_by.items()
    )
    console.print(f"decontamination checked: {checked or 'nothing'}", highlight=False)
    if report.not_checked:
        console.print(
            f"not checked (no data; add --benchmark NAME=FILE): {', '.join(report.not_checked)}", highlight=False
        )
    console.print(f"dataset: {out / 'dataset'}", highlight=False)


@app.command("base")
def base_checkpoint(
    source: Annotated[
        str,
        typer.Option(
            "--from",
            help="A llama_cpp models-file name (its GGUF is dequantized, offline), a checkpoint directory or a hub id.",
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the checkpoint here instead of aiev's cache.")
    ] = None,
) -> None:
    """A trainable Hugging Face checkpoint of the student's base, with the interpreter tokens added; prints its path.

    Cached: a second call with the same input returns the same checkpoint at once.
    """
    try:
        with console.status(f"preparing the student base from {source}"):
            path = student_base(source, out)
    except TrainingInputError as error:
        fail(error)
    typer.echo(str(path))


@app.command()
def sft(
    data: Annotated[Path, typer.Option("--data", help="Dataset dir from `aiev train build` (or its dataset/ folder).")],
    base: Annotated[
        str,
        typer.Option(
            "--base", help="Base model: local directory, hub id, or a llama_cpp models-file name (see `train base`)."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Output dir: checkpoints, final model and tokenizer; a rerun resumes.")
    ],
    deepspeed: Annotated[
        Path | None, typer.Option("--deepspeed", help=f"DeepSpeed JSON (paper recipe: {ZERO3_FILE}).")
    ] = None,
    lora: Annotated[
        bool,
        typer.Option("--lora", help="Train LoRA adapters (settings in configs/training.yaml) instead of all weights."),
    ] = False,
    num_gpus: Annotated[
        int, typer.Option("--num-gpus", min=1, help="Processes per node (GPUs; CPU slots without CUDA).")
    ] = 1,
    hostfile: Annotated[Path | None, typer.Option("--hostfile", help="DeepSpeed hostfile for multi-node runs.")] = None,
    master_port: Annotated[
        int | None, typer.Option("--master-port", help="Rendezvous port (default: DeepSpeed's 29500).")
    ] = None,
    epochs: Annotated[float | None, typer.Option(help="Override configs/training.yaml.")] = None,
    learning_rate: Annotated[float | None, typer.Option("--lr", help="Override configs/training.yaml.")] = None,
    max_length: Annotated[int | None, typer.Option(help="Override configs/training.yaml.")] = None,
    logging_steps: Annotated[int | None, typer.Option(help="Override configs/training.yaml.")] = None,
    save_steps: Annotated[int | None, typer.Option(help="Override configs/training.yaml.")] = None,
    per_device_batch_size: Annotated[
        int | None, typer.Option(min=1, help="Micro-batch per process; override configs/training.yaml.")
    ] = None,
    gradient_accumulation: Annotated[int | None, typer.Option(min=1, help="Override configs/training.yaml.")] = None,
    activation_checkpointing: Annotated[
        bool | None,
        typer.Option(
            "--activation-checkpointing/--no-activation-checkpointing",
            help="Recompute activations in the backward pass (less memory, ~30% slower); default from the YAML.",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the deepspeed command and exit.")] = False,
) -> None:
    """Fine-tune through the `deepspeed` launcher; the exact command is printed first. Without CUDA and without
    --hostfile the run trains on this CPU with the `cpu:` recipe of configs/training.yaml."""
    try:
        if deepspeed is not None and not deepspeed.is_file():
            raise TrainingInputError(f"--deepspeed {deepspeed}: no such file")
        if not dry_run and not data.exists():
            raise TrainingInputError(f"--data {data}: no such directory")
        settings = load_settings(
            {
                "data": data,
                "base": resolve_base(base),
                "out": out,
                "deepspeed": deepspeed,
                "lora": lora,
                "epochs": epochs,
                "learning_rate": learning_rate,
                "max_length": max_length,
                "logging_steps": logging_steps,
                "save_steps": save_steps,
                "per_device_batch_size": per_device_batch_size,
                "gradient_accumulation": gradient_accumulation,
                "activation_checkpointing": activation_checkpointing,
            },
            cpu=trains_on_cpu(hostfile),
        )
        settings.deepspeed_config()  # a broken JSON fails here, not in every rank
        command = deepspeed_command(settings, num_gpus, hostfile, master_port)
    except TrainingInputError as error:
        fail(error)
    env = launch_environment(hostfile)
    console.print(render(command, env), highlight=False, markup=False)
    if dry_run:
        return
    code = run_launcher(command, env)
    if code != 0:
        errors.print(
            f"[red]error:[/red] training failed (deepspeed exit code {code}); see the output above", highlight=False
        )
        raise typer.Exit(code=1)
    console.print(f"model and tokenizer saved to {out}")


def loop(
    seeds: Annotated[
        Path, typer.Option("--seeds", help="Seeds file for all batches (any format `aiev generate` reads).")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Loop directory (loop_state.json, batches/NNNN/...); a rerun resumes.")
    ],
    base: Annotated[
        str,
        typer.Option(
            "--base",
            help="Student base model: local directory, hub id, or a llama_cpp models-file name (see `train base`).",
        ),
    ],
    teacher: Annotated[
        str, typer.Option("--teacher", help="Teacher model (name in configs/models.yaml).")
    ] = "local-qwen-0.5b",
    batches: Annotated[int, typer.Option("--batches", min=1, help="Batches to have run when the loop stops.")] = 1,
    batch_samples: Annotated[
        int,
        typer.Option(
            "--batch-samples",
            min=1,
            help="Verified samples per batch (AutoCoder: 2000): each batch draws the next unused seeds until it "
            "holds them.",
        ),
    ] = BATCH_SIZE,
    serve_student: Annotated[
        str | None,
        typer.Option(
            "--serve-student",
            help="Command serving a checkpoint {model} as the models-file entry `student` (e.g. vLLM). Default: "
            "aiev converts the checkpoint to GGUF and serves it with its own llama-server.",
        ),
    ] = None,
    student_gguf_type: Annotated[
        str,
        typer.Option("--student-gguf-type", help="Without --serve-student: the GGUF tensor type, f16 or q8_0."),
    ] = "f16",
    deepspeed: Annotated[Path | None, typer.Option("--deepspeed", help="DeepSpeed JSON for the student's SFT.")] = None,
    lora: Annotated[bool, typer.Option("--lora", help="Train the student with LoRA.")] = False,
    training_config: Annotated[
        Path | None,
        typer.Option(
            "--training-config",
            help="SFT settings file replacing configs/training.yaml (same keys, e.g. epochs, max_length).",
        ),
    ] = None,
    num_gpus: Annotated[int, typer.Option("--num-gpus", min=1, help="Processes per node for SFT.")] = 1,
    hostfile: Annotated[Path | None, typer.Option("--hostfile", help="DeepSpeed hostfile for multi-node SFT.")] = None,
    benchmark: Annotated[
        list[str] | None,
        typer.Option("--benchmark", help="NAME=FILE of a local benchmark to decontaminate against (repeatable)."),
    ] = None,
    no_humaneval: Annotated[bool, typer.Option("--no-humaneval", help="Skip HumanEval decontamination.")] = False,
    eval_mode: Annotated[
        str, typer.Option("--eval-mode", help="Evaluation mode of teacher, base and student: plain | codergen.")
    ] = "plain",
    preset: Annotated[
        Path | None,
        typer.Option(
            "--preset",
            help="YAML of run-context fields over the stage preset for generation (e.g. configs/demo.yaml: rounds, "
            "candidates, token cap, sandbox); the loop sets who plays the roles.",
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=256, help="Dialogues generated, and tasks evaluated, at once.")
    ] = 2,
) -> None:
    """Teaching -> self-learning: per batch generate, build, train the student, compare held-out pass@1 with the
    teacher's and the untrained base's."""
    from aiev.agents.model_specs import ModelError
    from aiev.graphs.presets import resolve_context
    from aiev.training.build import BuildOptions
    from aiev.training.loop import LoopConfig, run_loop
    from aiev.training.loop_steps import LoopResources

    try:
        if training_config is not None:  # checked now, not after a batch has been generated
            if not training_config.is_file():
                raise TrainingInputError(f"--training-config {training_config}: no such file")
            load_settings({"data": out, "base": base, "out": out}, training_config)
        if preset is not None:
            resolve_context("teaching", preset)  # a preset it cannot use is named now, not after a batch
        resources = LoopResources(
            seeds=seeds,
            base=resolve_base(base),
            teacher=teacher,
            serve_student=serve_student,
            student_gguf_type=student_gguf_type,
            deepspeed=deepspeed,
            lora=lora,
            training_config=training_config,
            num_gpus=num_gpus,
            hostfile=hostfile,
            eval_mode=eval_mode,
            preset=preset,
            concurrency=concurrency,
        )
        options = BuildOptions(
            humaneval=not no_humaneval, benchmarks=_named_files(benchmark or []), batch_size=batch_samples
        )
        config = LoopConfig(out=out, batches=batches, teacher=teacher, base=resources.base, build=options)
        state = run_loop(config, default_steps(resources), console=console)
    except (TrainingInputError, ValueError, ModelError) as error:
        fail(error)
    except TrainingStepError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False)
        raise typer.Exit(code=1) from None
    table = Table(
        "batch", "stage", "seeds", "samples", "train", "held out", "teacher", "base", "student",
        caption="train: the student's samples; teacher, base (untrained), student: held-out pass@1",
    )  # fmt: skip
    for record in state.history:
        table.add_row(
            str(record.batch),
            record.stage,
            f"{record.seed_start}..{record.seed_stop - 1}",
            f"{record.samples}" + (" (short: seeds ran out)" if record.short else ""),
            str(record.train_samples),
            str(record.heldout_samples),
            f"{record.teacher_pass1:.3f}",
            "-" if record.base_pass1 is None else f"{record.base_pass1:.3f}",
            f"{record.student_pass1:.3f}",
        )
    console.print(table)
    for record in state.history:
        if record.seconds:
            steps = ", ".join(f"{step} {seconds / 60:.1f}" for step, seconds in record.seconds.items())
            console.print(f"batch {record.batch} minutes: {steps}", highlight=False)
    switch = state.switch
    console.print(
        f"stage: {state.stage}"
        + (
            f" (student won after batch {switch.batch}: held-out pass@1 {switch.student_pass1:.3f} against the "
            f"teacher's {switch.teacher_pass1:.3f})"
            if switch is not None
            else ""
        ),
        highlight=False,
    )


def default_steps(resources: LoopResources) -> LoopSteps:
    """The real pipeline, SFT and evaluation (a seam: tests substitute scripted steps here)."""
    from aiev.training.loop_steps import DefaultSteps

    return DefaultSteps(resources).steps()


def register_loop(root: typer.Typer) -> None:
    """Adds ``aiev loop`` (kept here so every training command lives in one module)."""
    root.command("loop")(loop)
