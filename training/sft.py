"""Supervised fine-tuning on ``messages`` samples, run inside each rank started by the DeepSpeed launcher.

Full-parameter (ZeRO-3) or LoRA; loss on assistant tokens only (see ``chat_masking``); the four AutoCoder
tokens are added to the tokenizer and the embeddings resized before training, and the tokenizer is saved
next to the weights so the checkpoint reloads with them. A rerun with the same ``out`` resumes from the
last ``checkpoint-*`` there.

Without CUDA the same code trains on the CPU: bf16 only where the CPU computes it natively, one process using every
core the launcher gave it (split between the ranks of this node), the YAML's ``cpu:`` recipe (see ``sft_settings``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import torch
from datasets import Dataset, DatasetDict, load_from_disk

from ..agents.local_model.cpu_features import kernel_flags
from ..graphs.durable import atomic_write_text
from .chat_masking import IGNORE_INDEX, PaddingCollator, encode_dialogue
from .errors import TrainingInputError
from .sft_settings import SFTSettings
from .special_tokens import SpecialTokens, load_special_tokens

# Kernel flags of the instruction sets that compute bf16 natively; without one, torch emulates bf16 matmuls through
# fp32 conversions, slower than fp32 itself.
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def bf16_usable(cpu_flags: set[str] | None = None) -> bool:
    """bf16 needs a GPU that supports it, or a CPU whose kernel enables avx512_bf16 or AMX-BF16 (read from
    ``/proc/cpuinfo`` unless ``cpu_flags`` is given)."""
    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    flags = kernel_flags() if cpu_flags is None else cpu_flags
    return any(flag in flags for flag in CPU_BF16_FLAGS)


def cpu_threads() -> int:
    """Intra-op threads for one CPU rank: ``OMP_NUM_THREADS`` when set (the launcher's ``--bind_cores_to_rank``
    sets it), else this process's cores split evenly between the ranks on this node, so two ranks on two cores do
    not run four threads."""
    if os.environ.get("OMP_NUM_THREADS", "").isdigit():
        return max(1, int(os.environ["OMP_NUM_THREADS"]))
    ranks_here = int(os.environ.get("LOCAL_SIZE") or os.environ.get("LOCAL_WORLD_SIZE") or 1)  # deepspeed | torchrun
    return max(1, len(os.sched_getaffinity(0)) // max(1, ranks_here))


def load_train_split(path: Path) -> Dataset:
    """The ``train`` split of a dataset directory (or the dataset itself when it has no splits).

    ``path`` may also be an ``aiev train build`` output directory, whose dataset lives in ``dataset/``.
    """
    if (path / "dataset").is_dir():
        path = path / "dataset"
    try:
        data = load_from_disk(str(path))
    except (FileNotFoundError, ValueError) as error:
        raise TrainingInputError(
            f"--data {path}: not a dataset directory written by `aiev train build` ({error})"
        ) from None
    if isinstance(data, DatasetDict):
        if "train" not in data:
            raise TrainingInputError(f"--data {path}: has splits {sorted(data)} but no 'train' split")
        data = data["train"]
    if "messages" not in data.column_names:
        raise TrainingInputError(f"--data {path}: no 'messages' column (columns: {data.column_names})")
    return data


def prepare_tokenizer(base: str, tokens: SpecialTokens):
    """The base tokenizer plus the special tokens (added as special, so they are never split)."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(base)
    except OSError as error:
        raise TrainingInputError(f"--base {base}: cannot load a tokenizer ({error})") from None
    tokenizer.add_special_tokens({"additional_special_tokens": tokens.all})
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def fit_embeddings(model, tokenizer) -> None:
    """Grow the model's embeddings (and head) to the tokenizer's vocabulary, for the added special tokens; every
    path that pairs a model with ``prepare_tokenizer``'s tokenizer (SFT, the student base, merging an adapter into
    its base) must agree on the shape, or the weights no longer load together."""
    if model.get_input_embeddings().weight.shape[0] < len(tokenizer):
        model.resize_token_embeddings(len(tokenizer))


def encode_dataset(data: Dataset, tokenizer, tokens: SpecialTokens, max_length: int) -> Dataset:
    """Tokenized samples; those left without any trained token after truncation are dropped.

    Kept in memory: every rank encodes for itself, and cache files written into the user's dataset directory
    by several ranks at once would race.
    """
    encoded = data.map(
        lambda row: encode_dialogue(tokenizer, row["messages"], tokens, max_length),
        remove_columns=data.column_names,
        keep_in_memory=True,
    )
    encoded = encoded.filter(lambda row: any(label != IGNORE_INDEX for label in row["labels"]), keep_in_memory=True)
    if len(encoded) == 0:
        raise TrainingInputError("no sample has an assistant token within max_length; nothing to train on")
    return encoded


def _wrap_lora(model, settings: SFTSettings):
    from peft import LoraConfig, get_peft_model

    lora = settings.lora_settings
    config = LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=lora.target_modules,
        modules_to_save=lora.modules_to_save or None,
        ensure_weight_tying=bool(getattr(model.config, "tie_word_embeddings", False)),  # small Qwens tie them
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


def last_complete_checkpoint(out: Path) -> str | None:
    """The newest ``checkpoint-N`` in ``out`` that was saved to its end, or None.

    The Trainer writes a checkpoint's files one by one and its ``trainer_state.json`` last; a run killed while
    saving leaves a directory without it (or with a cut-off one), which ``resume_from_checkpoint`` refuses. Such a
    checkpoint is skipped: the rerun resumes from the one before it (or starts over) and saves it again.
    """
    steps = []
    for path in out.glob("checkpoint-*") if out.is_dir() else ():
        if path.is_dir() and path.name.removeprefix("checkpoint-").isdigit():
            steps.append((int(path.name.removeprefix("checkpoint-")), path))
    for _, path in sorted(steps, reverse=True):
        try:
            json.loads((path / "trainer_state.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        return str(path)
    return None


def train(settings: SFTSettings, callbacks: Sequence = ()) -> Path:
    """Train and save model + tokenizer to ``settings.out``; returns that directory. ``callbacks`` are extra
    ``TrainerCallback``s (the throughput bench times steps with one)."""
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

    tokens = load_special_tokens()
    on_cpu = not torch.cuda.is_available()
    if on_cpu:
        torch.set_num_threads(cpu_threads())
    use_bf16 = settings.bf16 and bf16_usable()
    if settings.bf16 and not use_bf16:
        device = "this CPU (no avx512_bf16/amx_bf16)" if on_cpu else "this GPU"
        print(f"notice: bf16 is not supported natively on {device}; training in fp32", flush=True)
    micro, accumulation = settings.batch_shape()
    if on_cpu and int(os.environ.get("RANK", "0")) == 0:
        print(
            f"training on the CPU: {torch.get_num_threads()} threads per process, "
            f"{'bf16' if use_bf16 else 'fp32'}, micro-batch {micro} x accumulation {accumulation}, "
            f"activation checkpointing {'on' if settings.activation_checkpointing else 'off'}",
            flush=True,
        )
    if settings.deepspeed is not None:
        # Join DeepSpeed's process group before anything reads the world size: on the CPU accelerator neither the
        # HF arguments nor ZeRO-3's partitioned loading would initialise it, and they would disagree on the batch.
        import deepspeed

        deepspeed.init_distributed()
    # TrainingArguments must exist before from_pretrained: with ZeRO-3 it makes loading partition the weights.
    args = TrainingArguments(
        output_dir=str(settings.out),
        num_train_epochs=settings.epochs,
        learning_rate=settings.learning_rate,
        per_device_train_batch_size=micro,
        gradient_accumulation_steps=accumulation,
        warmup_steps=settings.warmup_ratio,  # a float below 1 is a ratio of the total steps
        lr_scheduler_type=settings.lr_scheduler,
        weight_decay=settings.weight_decay,
        bf16=use_bf16,
        use_cpu=on_cpu,
        seed=settings.seed,
        logging_steps=settings.logging_steps,
        save_steps=settings.save_steps,
        save_total_limit=settings.save_total_limit,
        activation_checkpointing=settings.activation_checkpointing,
        deepspeed=settings.deepspeed_config(),
        report_to=[],
        remove_unused_columns=False,
    )
    tokenizer = prepare_tokenizer(settings.base, tokens)
    dataset = encode_dataset(load_train_split(settings.data), tokenizer, tokens, settings.max_length)
    # bf16 weights only under DeepSpeed, which keeps fp32 master copies for the optimizer; the plain path keeps fp32
    # weights and computes in bf16 under autocast (AdamW steps of 5e-5 would vanish in bf16 weights).
    dtype = torch.bfloat16 if use_bf16 and settings.deepspeed is not None else torch.float32
    try:
        model = AutoModelForCausalLM.from_pretrained(settings.base, dtype=dtype)
    except OSError as error:
        raise TrainingInputError(f"--base {settings.base}: cannot load a model ({error})") from None
    fit_embeddings(model, tokenizer)
    if settings.lora:
        model = _wrap_lora(model, settings)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=PaddingCollator(tokenizer.pad_token_id),
        processing_class=tokenizer,
        callbacks=list(callbacks),
    )
    last = last_complete_checkpoint(settings.out)
    if last and args.process_index == 0:
        print(f"resuming from {last}", flush=True)
    result = trainer.train(resume_from_checkpoint=last)
    trainer.save_model()
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(str(settings.out))
        history = {"train_loss": result.training_loss, "log_history": trainer.state.log_history}
        atomic_write_text(settings.out / "train_history.json", json.dumps(history, indent=2) + "\n")
    return settings.out
