"""What one SFT run needs, resolved once from ``configs/training.yaml`` plus the user's overrides.

The same settings travel from the CLI to every DeepSpeed rank as command-line flags (``to_flags`` /
``from_flags``), so the printed ``deepspeed ...`` command is complete: copied to another machine or a
hostfile's nodes, it reproduces the run with nothing hidden in a side file.

A run that trains on this machine without CUDA takes the YAML's ``cpu:`` block over the GPU recipe (micro-batch 1,
activation checkpointing, frequent checkpoints: a CPU step takes minutes, not a second). The choice is made once,
where the command is built, and travels as explicit flags: the ranks never re-decide it.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import TrainingInputError

DEFAULTS_FILE = Path(str(resources.files("aiev.configs").joinpath("training.yaml")))
ZERO3_FILE = Path(str(resources.files("aiev.configs").joinpath("deepspeed/zero3.json")))


class LoraSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    r: int = Field(gt=0)
    alpha: int = Field(gt=0)
    dropout: float = Field(ge=0, lt=1)
    target_modules: list[str]
    modules_to_save: list[str] = Field(default_factory=list)


class SFTSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: Path  # a dataset directory written by `aiev train build` (save_to_disk, `messages` column)
    base: str  # local model directory or a model id resolvable by from_pretrained
    out: Path
    deepspeed: Path | None = None
    lora: bool = False
    epochs: float = Field(gt=0)
    learning_rate: float = Field(gt=0)
    max_length: int = Field(ge=16)
    warmup_ratio: float = Field(ge=0, lt=1)
    lr_scheduler: str
    weight_decay: float = Field(ge=0)
    bf16: bool
    seed: int
    logging_steps: int = Field(ge=1)
    save_steps: int = Field(ge=1)
    save_total_limit: int = Field(ge=1)
    activation_checkpointing: bool
    per_device_batch_size: int = Field(ge=1)
    gradient_accumulation: int = Field(ge=1)
    lora_settings: LoraSettings = Field(alias="lora_config")

    def deepspeed_config(self) -> dict[str, Any] | None:
        """The DeepSpeed JSON as a dict (the HF integration fills its "auto" values), ``None`` without DeepSpeed."""
        if self.deepspeed is None:
            return None
        try:
            config = json.loads(self.deepspeed.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise TrainingInputError(f"DeepSpeed config {self.deepspeed}: {error}") from None
        if not isinstance(config, dict):
            raise TrainingInputError(f"DeepSpeed config {self.deepspeed}: expected a JSON object")
        return config

    def batch_shape(self) -> tuple[int, int]:
        """(micro-batch per device, gradient accumulation steps) as the run will use them.

        A JSON that fixes them (the paper's 8 x 4) wins over the YAML defaults, because the HF integration
        refuses a JSON that disagrees with the trainer's arguments.
        """
        config = self.deepspeed_config() or {}
        micro = config.get("train_micro_batch_size_per_gpu", "auto")
        accumulation = config.get("gradient_accumulation_steps", "auto")
        return (
            self.per_device_batch_size if micro == "auto" else int(micro),
            self.gradient_accumulation if accumulation == "auto" else int(accumulation),
        )

    def to_flags(self) -> list[str]:
        """Flags for ``sft_entry`` that rebuild these settings: the inputs plus whatever differs from the YAML
        defaults (every rank reads the same defaults file, without its ``cpu:`` block: CPU values are spelled
        out), so the printed command stays readable."""
        defaults = load_settings({"data": self.data, "base": self.base, "out": self.out}, cpu=False).model_dump(
            mode="json", by_alias=True
        )
        flags: list[str] = []
        for name, value in self.model_dump(mode="json", by_alias=True).items():
            if value is None or (value == defaults[name] and name not in ("data", "base", "out")):
                continue
            flags += [
                "--" + name.replace("_", "-"),
                json.dumps(value) if isinstance(value, (dict, bool)) else str(value),
            ]
        return flags


def trains_on_cpu(hostfile: Path | None = None) -> bool:
    """Whether the run trains on this machine's CPU: no CUDA here and no hostfile sending it to other nodes (a
    CPU-only head node launching onto GPU workers must keep the GPU recipe)."""
    import torch  # here, not at import: `aiev --help` should not pay for loading torch

    return hostfile is None and not torch.cuda.is_available()


def load_settings(
    overrides: dict[str, Any], defaults_file: Path = DEFAULTS_FILE, *, cpu: bool | None = None
) -> SFTSettings:
    """Defaults from the YAML file (its ``cpu:`` block on top when ``cpu``; ``None``: when this machine has no
    CUDA), then the non-``None`` overrides; errors name the offending key."""
    try:
        values = yaml.safe_load(defaults_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise TrainingInputError(f"training defaults {defaults_file}: {error}") from None
    cpu_values = values.pop("cpu", None) or {}
    if not isinstance(cpu_values, dict):
        raise TrainingInputError(f"training defaults {defaults_file}: `cpu` must be a mapping of settings")
    if trains_on_cpu() if cpu is None else cpu:
        values.update(cpu_values)
    values["lora_config"] = values.pop("lora", None)  # in the YAML `lora` holds the adapter settings
    values.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return SFTSettings.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise TrainingInputError(f"SFT settings: {problems}") from None


def from_flags(argv: list[str]) -> SFTSettings:
    """Inverse of ``SFTSettings.to_flags``; ignores the ``--local_rank`` the DeepSpeed launcher appends."""
    values: dict[str, Any] = {}
    items = iter(argv)
    for flag in items:
        if flag.startswith("--local_rank"):
            if "=" not in flag:
                next(items, None)
            continue
        if not flag.startswith("--"):
            raise TrainingInputError(f"unexpected argument {flag!r}")
        value = next(items, None)
        if value is None:
            raise TrainingInputError(f"flag {flag} needs a value")
        name = flag[2:].replace("-", "_")
        values[name] = json.loads(value) if value[:1] in "{[" or value in ("true", "false") else value
    return load_settings(values, cpu=False)
