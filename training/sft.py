"""Supervised fine-tuning on ``messages`` samples, run inside each rank started by the DeepSpeed launcher.

Full-parameter (ZeRO-3) or LoRA; loss on assistant tokens only (see ``chat_masking``); the four AutoCoder
tokens are added to the tokenizer and the embeddings resized before training, and the tokenizer is saved
next to the weights so the checkpoint reloads with them. A rerun with the same ``out`` resumes from the
last ``checkpoint-*`` there.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from datasets import Dataset, DatasetDict, load_from_disk

from ..graphs.durable import atomic_write_text
from .chat_masking import IGNORE_INDEX, PaddingCollator, encode_dialogue
from .errors import TrainingInputError
from .sft_settings import SFTSettings
from .special_tokens import SpecialTokens, load_special_tokens


def bf16_usable() -> bool:
    """bf16 training needs a GPU that supports it; on CPU the HF/DeepSpeed stack would fail or crawl."""
    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


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


def train(settings: SFTSettings) -> Path:
    """Train and save model + tokenizer to ``settings.out``; returns that directory."""
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments
    from transformers.trainer_utils import get_last_checkpoint

    tokens = load_special_tokens()
    use_bf16 = settings.bf16 and bf16_usable()
    if settings.bf16 and not use_bf16:
        print("notice: bf16 is not supported on this device; training in fp32", flush=True)
    micro, accumulation = settings.batch_shape()
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
        use_cpu=not torch.cuda.is_available(),
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
    try:
        model = AutoModelForCausalLM.from_pretrained(settings.base, dtype=torch.bfloat16 if use_bf16 else torch.float32)
    except OSError as error:
        raise TrainingInputError(f"--base {settings.base}: cannot load a model ({error})") from None
    if model.get_input_embeddings().weight.shape[0] < len(tokenizer):
        model.resize_token_embeddings(len(tokenizer))
    if settings.lora:
        model = _wrap_lora(model, settings)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=PaddingCollator(tokenizer.pad_token_id),
        processing_class=tokenizer,
    )
    last = get_last_checkpoint(str(settings.out)) if settings.out.is_dir() else None
    if last and args.process_index == 0:
        print(f"resuming from {last}", flush=True)
    result = trainer.train(resume_from_checkpoint=last)
    trainer.save_model()
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(str(settings.out))
        history = {"train_loss": result.training_loss, "log_history": trainer.state.log_history}
        atomic_write_text(settings.out / "train_history.json", json.dumps(history, indent=2) + "\n")
    return settings.out
