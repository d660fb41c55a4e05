"""A REAL DeepSpeed ZeRO-3 run through `aiev train sft` (deepspeed launcher, two CPU ranks, gloo) on a tiny
random Qwen2: the loss falls on a small overfit set, a rerun resumes from the last checkpoint, and the saved
model reloads with the four special tokens."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from tiny_qwen import build_tiny_qwen2
from training_records import built_dataset

from aiev.training.sft_settings import ZERO3_FILE
from aiev.training.special_tokens import load_special_tokens

pytestmark = [pytest.mark.train, pytest.mark.slow]
AIEV = str(Path(sys.executable).parent / "aiev")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _sft(data: Path, base: Path, out: Path, epochs: int) -> subprocess.CompletedProcess:
    command = [
        AIEV,
        "train",
        "sft",
        "--data",
        str(data),
        "--base",
        str(base),
        "--out",
        str(out),
        "--deepspeed",
        str(ZERO3_FILE),
        "--num-gpus",
        "2",
        "--master-port",
        str(_free_port()),
        "--epochs",
        str(epochs),
        "--lr",
        "2e-2",
        "--logging-steps",
        "1",
        "--save-steps",
        "100",
        # The GPU recipe's shape, not the CPU one (1 x 8): one micro-batch per rank and step keeps this test quick.
        "--per-device-batch-size",
        "8",
        "--gradient-accumulation",
        "1",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_zero3_cpu_training_resume_and_reload(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    data = built_dataset(tmp_path)
    texts = [line for line in (data / "train.jsonl").read_text().splitlines()]
    base = build_tiny_qwen2(tmp_path / "base", texts * 2)
    out = tmp_path / "sft"

    first = _sft(data, base, out, epochs=16)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "--module aiev.training.sft_entry" in first.stdout and "zero3.json" in first.stdout
    losses = [e["loss"] for e in json.loads((out / "train_history.json").read_text())["log_history"] if "loss" in e]
    assert len(losses) == 16
    # learnt: a random 2-layer model whose samples open with aiev chat's system prompt (272 tokens of this tokenizer,
    # outside the loss) ends near 0.62 of its first loss over these 16 steps; an untrained one stays at 1.0
    assert losses[-1] < 0.7 * losses[0], losses

    second = _sft(data, base, out, epochs=18)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "resuming from" in second.stdout + second.stderr and "checkpoint-16" in second.stdout + second.stderr
    steps = [e["step"] for e in json.loads((out / "train_history.json").read_text())["log_history"] if "loss" in e]
    assert steps[-2:] == [17, 18]

    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(out)
    tokens = load_special_tokens()
    ids = tokenizer.convert_tokens_to_ids(tokens.all)
    assert len(set(ids)) == 4 and tokenizer.unk_token_id not in ids
    assert tokenizer.tokenize(f"x{tokens.run_start}y") == ["x", tokens.run_start, "y"]
    assert model.get_input_embeddings().weight.shape[0] >= max(ids) + 1
