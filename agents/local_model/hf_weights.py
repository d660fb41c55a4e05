"""An embedded model's GGUF as Hugging Face weights, for what reads safetensors rather than GGUF: vLLM serving the
embedded model, and the student's base that SFT trains (``training/student_base.py`` adds the interpreter tokens).

transformers can load a GGUF but keeps its weights packed and refuses to save them, so the file is dequantized here
into ordinary bf16 weights (the dtype the Qwen2.5 releases ship in: the quantization error is far above bf16's
rounding). transformers' own GGUF reader does the work (llama.cpp's tensor names -> HF names, the per-architecture
weight un-permutation, the config from the metadata, the tokenizer with the file's ``tokenizer.chat_template``), so
this module only decides what is read, where the result goes and when it can be reused.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ...sandbox.staging import fsync_dir, holds, staging_dir
from ..model_specs import LlamaCppSpec, ModelError
from .cache import cache_root, is_installed, model_file

# Architectures whose conversion was checked against llama.cpp (greedy tokens agree; tests/training). Others that
# transformers can read may still need per-architecture fixes (norm offsets, permutations) and are refused.
SUPPORTED_ARCHITECTURES = ("qwen2",)
RECORD_FILE = "hf_weights.json"
# Raised when the conversion itself changes, so checkpoints made by an older one are rebuilt, not reused.
FORMAT_VERSION = 1


class WeightsRecord(BaseModel):
    """Written into every cached checkpoint: the GGUF it was made from, so it is reused only for the same file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gguf_sha256: str
    format: int = FORMAT_VERSION


def gguf_sha256(spec: LlamaCppSpec, gguf: Path) -> str:
    """A pulled file's pinned SHA-256 (assembly verified it before giving the file its name); a ``path`` entry's
    file is hashed, since nothing vouches for it (seconds per GB)."""
    if spec.gguf is not None:
        return spec.gguf.sha256
    with gguf.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def installed_gguf(name: str, spec: LlamaCppSpec) -> Path:
    """The entry's GGUF file; a ``ModelError`` saying how to get it when it is missing."""
    if not is_installed(name, spec):
        fix = f"run `aiev models pull {name}`" if spec.gguf is not None else "fix the entry's path"
        raise ModelError(f"its GGUF {model_file(name, spec)} is missing; {fix}")
    return model_file(name, spec)


def hf_weights(name: str, spec: LlamaCppSpec) -> Path:
    """The entry's GGUF dequantized into a checkpoint directory (weights, config, tokenizer, chat template) in the
    user cache: built once per file, atomically (in a staging sibling, then renamed), reused after."""
    gguf = installed_gguf(name, spec)
    record = WeightsRecord(gguf_sha256=gguf_sha256(spec, gguf))
    target = cache_root() / "hf-weights" / f"{name}-{record.gguf_sha256[:16]}"
    if holds(target, record, RECORD_FILE):
        return target
    staging = staging_dir(target)
    staging.chmod(0o755)  # mkdtemp's 0700 would stay on the renamed checkpoint
    try:
        load_gguf_model(gguf, staging).save_pretrained(str(staging))
        (staging / RECORD_FILE).write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)  # an older format's checkpoint
        try:
            os.rename(staging, target)
        except OSError:
            if not holds(target, record, RECORD_FILE):  # another process built it first: keep theirs
                raise
        fsync_dir(target.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def load_gguf_model(gguf: Path, tokenizer_dir: Path):
    """The GGUF's model with every tensor dequantized to bf16, built from the file's own config; its tokenizer
    (with the file's chat template) is saved into ``tokenizer_dir``. A ``ModelError`` names a file that is not a
    readable GGUF of a supported architecture."""
    try:
        import torch
        from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
        from transformers.integrations.gguf import read_gguf_metadata
        from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint
    except ImportError as error:
        raise ModelError(f"reading a GGUF as Hugging Face weights needs aiev[train] ({error})") from None

    try:
        architecture = read_gguf_metadata(str(gguf))[0].get("general.architecture")
    except (OSError, ValueError) as error:
        raise ModelError(f"{gguf} is not a readable GGUF file ({error})") from None
    if architecture not in SUPPORTED_ARCHITECTURES:
        raise ModelError(
            f"{gguf} holds architecture {architecture!r}, not supported for Hugging Face weights "
            f"(supported: {', '.join(SUPPORTED_ARCHITECTURES)})"
        )
    config = AutoConfig.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # tokenizer_type: AutoTokenizer would otherwise parse the whole file a second time only to learn the model type.
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name, tokenizer_type=config.model_type)
    tokenizer.save_pretrained(str(tokenizer_dir))
    with torch.device("meta"):  # no random initialisation: every weight comes from the file
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    weights = load_gguf_checkpoint(str(gguf), return_tensors=True, model_to_load=model, torch_dtype=torch.bfloat16)
    missing, unexpected = model.load_state_dict(weights["tensors"], strict=False, assign=True)
    tied = {"lm_head.weight"} if config.tie_word_embeddings else set()
    absent = sorted(set(missing) - tied)
    if absent or unexpected:
        raise ModelError(
            f"the tensors of {gguf} do not fit a {architecture} model (missing {absent[:5]}, "
            f"unexpected {sorted(unexpected)[:5]})"
        )
    model.tie_weights()
    return model
