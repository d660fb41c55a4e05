"""A trained student checkpoint as a GGUF file, so aiev's embedded llama-server can serve it on a CPU.

The student is a Hugging Face checkpoint directory (full fine-tuning) or a LoRA adapter directory (``--lora``: an
``adapter_config.json`` beside the adapter weights). An adapter is first merged into its base (peft's
``merge_and_unload``, after resizing the base's embeddings to the adapter's tokenizer, which carries the four added
interpreter tokens) into a scratch directory; the converter reads full weights only.

The converter is llama.cpp's own ``convert_hf_to_gguf.py`` with its ``conversion`` package and ``gguf-py``, taken
from the same pinned llama-cpp-python sdist that the installed bindings and ``llama-server`` are built from
(``scripts/llama_cpp_wheel.py``), so the file is written by the llama.cpp release that reads it: an older or newer
converter can write metadata the server misreads. The sdist is fetched once (``pip download``, source only, no
dependencies); only those three entries are unpacked, into ``~/.cache/aiev/convert/llama.cpp-VERSION/``, and
the converter runs in a child process of this interpreter (it needs torch, transformers and sentencepiece, all in
the ``train`` extra).

The GGUF is written beside the checkpoint (``<checkpoint>.<outtype>.gguf``: f16 by default, lossless for training
in bf16/fp32 at 0.5-7B scale; ``q8_0`` halves it again), into a temporary file renamed when complete, and reused
while it is newer than every file of the checkpoint.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from importlib import metadata
from pathlib import Path
from typing import Literal

from ..agents.local_model.cache import cache_root
from ..sandbox.staging import fsync_dir, staging_dir
from .errors import TrainingInputError, TrainingStepError

OutType = Literal["f16", "q8_0"]
OUT_TYPES: tuple[OutType, ...] = ("f16", "q8_0")
ADAPTER_CONFIG = "adapter_config.json"
# What the converter needs of the llama.cpp tree vendored in the sdist.
_CONVERTER_PARTS = ("convert_hf_to_gguf.py", "conversion", "gguf-py")


def gguf_for(checkpoint: Path, outtype: OutType) -> Path:
    """Where the converted file of ``checkpoint`` lives: beside it, named after it and the tensor type."""
    return checkpoint.parent / f"{checkpoint.name}.{outtype}.gguf"


def student_gguf(checkpoint: Path, outtype: OutType = "f16") -> Path:
    """The GGUF of ``checkpoint`` (a model or LoRA adapter directory), converted unless a fresh one exists."""
    if outtype not in OUT_TYPES:
        raise TrainingInputError(f"GGUF type {outtype!r}: expected one of {', '.join(OUT_TYPES)}")
    if not checkpoint.is_dir() or not ((checkpoint / "config.json").is_file() or is_adapter(checkpoint)):
        raise TrainingInputError(f"student {checkpoint}: not a model or LoRA adapter directory (no config.json)")
    target = gguf_for(checkpoint, outtype)
    if _fresh(target, checkpoint):
        return target
    converter = converter_script()
    scratch = staging_dir(target)
    try:
        source = merged_checkpoint(checkpoint, scratch / "merged") if is_adapter(checkpoint) else checkpoint
        partial = scratch / target.name
        _convert(converter, source, partial, outtype)
        with open(partial, "rb+") as written:
            os.fchmod(written.fileno(), 0o644)
            os.fsync(written.fileno())
        os.replace(partial, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    fsync_dir(target.parent)
    return target


def is_adapter(checkpoint: Path) -> bool:
    return (checkpoint / ADAPTER_CONFIG).is_file()


def merged_checkpoint(adapter: Path, out: Path) -> Path:
    """The adapter merged into its base model, saved with the adapter's tokenizer to ``out``."""
    from peft import PeftConfig, PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from .sft import fit_embeddings

    config = PeftConfig.from_pretrained(str(adapter))
    base_name = config.base_model_name_or_path
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(adapter))
        base = AutoModelForCausalLM.from_pretrained(base_name, dtype="auto")
    except OSError as error:
        raise TrainingInputError(f"LoRA adapter {adapter}: cannot load its base {base_name!r} ({error})") from None
    fit_embeddings(base, tokenizer)  # as SFT did before wrapping the model
    merged = PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
    merged.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return out


def converter_script() -> Path:
    """``convert_hf_to_gguf.py`` of the installed llama-cpp-python's release, unpacked into the cache once."""
    try:
        version = metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        raise TrainingInputError(
            "converting the student to GGUF needs llama.cpp's converter from the installed llama-cpp-python "
            "release, which is not installed: run `python scripts/llama_cpp_wheel.py install`"
        ) from None
    directory = cache_root() / "convert" / f"llama.cpp-{version}"
    script = directory / _CONVERTER_PARTS[0]
    if script.is_file():
        return script
    scratch = staging_dir(directory)
    try:
        sdist = _download_sdist(version, scratch)
        staging = scratch / "tree"
        _unpack_converter(sdist, staging)
        try:
            os.replace(staging, directory)  # complete or absent: never a half-unpacked converter
        except OSError:
            if not script.is_file():  # another process unpacked it meanwhile: theirs is the same release
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return script


def _download_sdist(version: str, into: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", f"llama-cpp-python=={version}", "--no-deps",
               "--no-binary", ":all:", "-q", "-d", str(into)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    found = sorted(into.glob("llama_cpp_python-*.tar.gz"))
    if result.returncode != 0 or not found:
        reason = (result.stderr.strip().splitlines() or ["no sdist downloaded"])[-1]
        raise TrainingStepError(f"cannot fetch llama.cpp's converter (llama-cpp-python {version} sdist): {reason}")
    return found[0]


def _unpack_converter(sdist: Path, staging: Path) -> None:
    with tarfile.open(sdist) as archive:
        root = archive.getnames()[0].split("/")[0]
        prefix = f"{root}/vendor/llama.cpp/"
        wanted = [m for m in archive.getmembers() if m.name.startswith(prefix) and _is_converter_part(m.name, prefix)]
        if not any(m.name == prefix + _CONVERTER_PARTS[0] for m in wanted):
            raise TrainingStepError(f"{sdist.name}: holds no vendor/llama.cpp/{_CONVERTER_PARTS[0]}")
        archive.extractall(staging.parent / "sdist", members=wanted, filter="data")
    os.replace(staging.parent / "sdist" / prefix, staging)


def _is_converter_part(name: str, prefix: str) -> bool:
    part = name[len(prefix) :].split("/")[0]
    return part in _CONVERTER_PARTS


def _convert(converter: Path, source: Path, out: Path, outtype: OutType) -> None:
    # The converter puts its own gguf-py first on sys.path unless NO_LOCAL_GGUF is set: it must use its own.
    env = {key: value for key, value in os.environ.items() if key != "NO_LOCAL_GGUF"}
    command = [sys.executable, str(converter), str(source), "--outfile", str(out), "--outtype", outtype]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0 or not out.is_file():
        tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-6:])
        raise TrainingStepError(f"converting {source} to GGUF failed (exit {result.returncode}): {tail}")


def _fresh(target: Path, checkpoint: Path) -> bool:
    """Converted after the checkpoint's files were last written (a retrained checkpoint is converted again)."""
    if not target.is_file():
        return False
    newest = max((p.stat().st_mtime_ns for p in checkpoint.iterdir() if p.is_file()), default=0)
    return target.stat().st_mtime_ns >= newest


__all__ = ["OUT_TYPES", "OutType", "converter_script", "gguf_for", "is_adapter", "merged_checkpoint", "student_gguf"]
