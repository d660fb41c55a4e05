"""Training on a CPU: bf16 only where the CPU computes it, threads split between the ranks of a node, the YAML's
``cpu:`` recipe chosen where the command is built and spelled out in it, and a plain (no DeepSpeed) run through
`aiev train sft` that shows its progress and resumes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from tiny_qwen import build_tiny_qwen2
from training_records import built_dataset
from typer.testing import CliRunner

from aiev.cli import app
from aiev.training.errors import TrainingInputError
from aiev.training.sft import bf16_usable, cpu_threads
from aiev.training.sft_settings import DEFAULTS_FILE, from_flags, load_settings

runner = CliRunner()
AIEV = str(Path(sys.executable).parent / "aiev")
INPUTS = {"data": Path("d"), "base": "b", "out": Path("o")}


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.delenv("DS_ACCELERATOR", raising=False)  # what the command sets, not what the caller's shell had


def test_bf16_only_where_the_cpu_has_native_bf16(no_cuda):
    assert not bf16_usable({"avx", "avx2", "fma", "f16c"})  # this project's AVX2 machines: fp32
    assert bf16_usable({"avx2", "avx512f", "avx512_bf16"})
    assert bf16_usable({"avx2", "amx_tile", "amx_bf16"})


def test_threads_are_the_cores_split_between_the_ranks_of_a_node(monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(8)))
    for name in ("OMP_NUM_THREADS", "LOCAL_SIZE", "LOCAL_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    assert cpu_threads() == 8
    monkeypatch.setenv("LOCAL_SIZE", "2")  # what the deepspeed launcher sets
    assert cpu_threads() == 4
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the launcher's --bind_cores_to_rank, or the user
    assert cpu_threads() == 3


def test_the_cpu_recipe_replaces_the_gpu_defaults_and_options_still_win():
    gpu = load_settings(INPUTS, cpu=False)
    cpu = load_settings(INPUTS, cpu=True)
    assert (gpu.per_device_batch_size, gpu.activation_checkpointing) == (8, False)
    assert (cpu.per_device_batch_size, cpu.activation_checkpointing) == (1, True)
    assert cpu.save_steps < gpu.save_steps and cpu.learning_rate == gpu.learning_rate
    # An option equal to the GPU default still beats the CPU recipe, in this process and in every rank.
    chosen = load_settings({**INPUTS, "save_steps": gpu.save_steps}, cpu=True)
    assert chosen.save_steps == gpu.save_steps
    assert from_flags(chosen.to_flags()) == chosen == load_settings({**INPUTS, "save_steps": gpu.save_steps}, cpu=True)


def test_a_cpu_block_that_is_not_a_mapping_is_refused_naming_the_file(tmp_path):
    broken = tmp_path / "training.yaml"
    broken.write_text(DEFAULTS_FILE.read_text().replace("cpu:\n", "cpu: fast\nunused:\n"))
    with pytest.raises(TrainingInputError, match=r"training\.yaml.*cpu"):
        load_settings(INPUTS, defaults_file=broken)


def _dry_run(*extra: str):
    result = runner.invoke(app, ["train", "sft", "--data", "d", "--base", "b", "--out", "o", *extra, "--dry-run"])
    assert result.exit_code == 0, result.output
    words = result.output.split()
    return result.output, from_flags(words[words.index("--module") + 2 :])


def test_without_cuda_the_printed_command_spells_out_the_cpu_recipe(no_cuda, tmp_path):
    output, settings = _dry_run()
    assert output.startswith("DS_ACCELERATOR=cpu ") and "--activation-checkpointing true" in output
    assert (settings.per_device_batch_size, settings.activation_checkpointing) == (1, True)
    _, chosen = _dry_run("--no-activation-checkpointing", "--per-device-batch-size", "2")
    assert (chosen.per_device_batch_size, chosen.activation_checkpointing) == (2, False)
    hostfile = tmp_path / "hostfile"
    hostfile.write_text("gpu-node slots=8\n")
    printed, remote = _dry_run("--hostfile", str(hostfile))  # the nodes that train are elsewhere: the GPU recipe
    assert (remote.per_device_batch_size, remote.activation_checkpointing) == (8, False)
    assert "DS_ACCELERATOR" not in printed.split("--module")[0]  # nor the CPU accelerator for the launcher


def _sft(data: Path, base: Path, out: Path, epochs: int) -> subprocess.CompletedProcess:
    command = [AIEV, "train", "sft", "--data", str(data), "--base", str(base), "--out", str(out)]
    command += ["--epochs", str(epochs), "--lr", "2e-2", "--gradient-accumulation", "4"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.train
@pytest.mark.slow
def test_plain_cpu_run_shows_progress_checkpoints_and_resumes(tmp_path):
    data = built_dataset(tmp_path, count=9)  # 8 train samples: 2 steps of 4 per epoch
    base = build_tiny_qwen2(tmp_path / "base", (data / "train.jsonl").read_text().splitlines() * 2)
    out = tmp_path / "sft"
    if torch.cuda.is_available():
        pytest.skip("this test is about the CPU path")

    first = _sft(data, base, out, epochs=3)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "--module aiev.training.sft_entry" in first.stdout and "--deepspeed" not in first.stdout
    assert "6/6" in first.stderr  # the progress bar reached the last step
    assert sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-5", "checkpoint-6"]  # every 5, and last
    history = json.loads((out / "train_history.json").read_text())["log_history"]
    assert [e["step"] for e in history if "loss" in e] == [1, 2, 3, 4, 5, 6]  # a loss line per step

    second = _sft(data, base, out, epochs=4)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "resuming from" in second.stdout and "checkpoint-6" in second.stdout
    history = json.loads((out / "train_history.json").read_text())["log_history"]
    assert [e["step"] for e in history if "loss" in e][-2:] == [7, 8]
    assert (out / "model.safetensors").is_file()
