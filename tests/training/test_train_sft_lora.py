"""The LoRA option in-process (no launcher): adapters train, the loss falls, adapters and tokenizer are saved."""

from __future__ import annotations

import json

import pytest
from tiny_qwen import build_tiny_qwen2
from training_records import built_dataset

from aiev.training.sft import train
from aiev.training.sft_settings import load_settings
from aiev.training.special_tokens import load_special_tokens

pytestmark = pytest.mark.train


def test_lora_adapters_train_and_save(tmp_path):
    from transformers import AutoTokenizer

    data = built_dataset(tmp_path)
    base = build_tiny_qwen2(tmp_path / "base", (data / "train.jsonl").read_text().splitlines() * 2)
    out = tmp_path / "lora"
    settings = load_settings(
        {
            "data": data,
            "base": str(base),
            "out": out,
            "lora": True,
            "epochs": 10,
            "learning_rate": 1e-2,
            "logging_steps": 1,
            "per_device_batch_size": 8,
            "gradient_accumulation": 1,
        }
    )
    train(settings)
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert adapter["r"] == settings.lora_settings.r and adapter["lora_alpha"] == settings.lora_settings.alpha
    assert set(adapter["target_modules"]) == set(settings.lora_settings.target_modules)
    assert (out / "adapter_model.safetensors").is_file()
    losses = [e["loss"] for e in json.loads((out / "train_history.json").read_text())["log_history"] if "loss" in e]
    assert losses[-1] < 0.6 * losses[0], losses
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert all(len(tokenizer.tokenize(token)) == 1 for token in load_special_tokens().all)
