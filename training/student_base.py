"""The student's base model as a trainable Hugging Face checkpoint: one job, source -> checkpoint directory.

The source is a models-file ``llama_cpp`` entry (the embedded GGUF aiev already serves, so a student can be trained
offline from the model that taught it), a checkpoint directory, or a hub id. SFT and the loop's training step load
their base with ``from_pretrained``, which can read a GGUF but keeps its weights packed and refuses to save them:
the GGUF is therefore dequantized (``agents/local_model/hf_weights.py``, which also gives vLLM the embedded model) into
ordinary safetensors weights; this module decides what is read, where the result goes and when it can be reused.

Every checkpoint carries the four interpreter tokens of ``configs/special_tokens.yaml``, added by the SFT path's
own ``prepare_tokenizer`` (special, never split) with the embeddings resized to match, so serving the base as the
student before any training already speaks the tokens' ids.

Results are cached under the user cache, keyed by what decides their content (the GGUF's SHA-256 or the checkpoint
directory's files, plus the token set), and written atomically: built in a temporary sibling directory, then renamed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ..agents.local_model.cache import cache_root
from ..agents.local_model.hf_weights import gguf_sha256, installed_gguf, load_gguf_model
from ..agents.model_specs import LlamaCppSpec, ModelError, ModelSpec, load_model_specs
from ..sandbox.staging import holds, staging_dir
from .errors import TrainingInputError
from .special_tokens import SpecialTokens, load_special_tokens

RECORD_FILE = "student_base.json"
# Raised when the conversion itself changes, so checkpoints made by an older one are rebuilt, not reused.
FORMAT_VERSION = 1
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# What from_pretrained reads from a hub repo: weights, config, tokenizer files, chat template.
_HUB_FILES = ["*.json", "*.safetensors", "*.jinja", "*.txt", "*.model", "*.tiktoken"]


class BaseRecord(BaseModel):
    """Written into every checkpoint: what it was made from, so a cached one is reused only for the same input."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    fingerprint: str  # the GGUF's SHA-256, or a digest of the source directory's file names, sizes and times
    special_tokens: list[str]
    format: int = FORMAT_VERSION

    @property
    def key(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


def bases_dir() -> Path:
    return cache_root() / "student-bases"


def resolve_base(base: str) -> str:
    """``--base`` of ``aiev train sft`` / ``aiev loop``: a models-file name becomes its converted checkpoint.

    A checkpoint directory or hub id is returned unchanged (SFT adds the tokens to those itself); a directory wins
    over a models-file entry of the same name.
    """
    if Path(base).is_dir() or base not in _model_specs():
        return base
    return str(student_base(base, flag="--base"))


def student_base(source: str, out: Path | None = None, *, flag: str = "--from") -> Path:
    """A trainable checkpoint of ``source`` with the interpreter tokens, in ``out`` or the cache; its path.

    Reused when it already exists for the same input. Raises ``TrainingInputError`` naming the input (``flag`` is
    the option the user gave ``source`` with) when it cannot be converted.
    """
    tokens = load_special_tokens()
    specs = _model_specs()
    named = f"{flag} {source}"
    if Path(source).is_dir():
        return _materialize(_hf_record(source, Path(source), tokens), Path(source), out, tokens, named)
    if source in specs:
        gguf = _installed_gguf(named, source, specs[source])
        record = BaseRecord(source=source, fingerprint=gguf_sha256(specs[source], gguf), special_tokens=tokens.all)
        return _materialize(record, gguf, out, tokens, named)
    if _HUB_ID.match(source) and not Path(source).exists():
        local = _hub_snapshot(named, source)
        return _materialize(_hf_record(source, local, tokens), local, out, tokens, named)
    llama_cpp = sorted(name for name, spec in specs.items() if isinstance(spec, LlamaCppSpec))
    raise TrainingInputError(
        f"{named}: not a checkpoint directory, a hub id (owner/name) or a models-file entry; "
        f"llama_cpp entries: {', '.join(llama_cpp) or '(none)'}"
    )


def _model_specs() -> dict[str, ModelSpec]:
    try:
        return load_model_specs()
    except ModelError as error:
        raise TrainingInputError(str(error)) from None


def _installed_gguf(named: str, name: str, spec: ModelSpec) -> Path:
    if not isinstance(spec, LlamaCppSpec):
        raise TrainingInputError(
            f"{named}: models-file entry of provider {spec.provider!r}; only llama_cpp entries carry weights "
            "(a GGUF) to start a student from"
        )
    try:
        return installed_gguf(name, spec)
    except ModelError as error:
        raise TrainingInputError(f"{named}: {error}") from None


def _hf_record(source: str, directory: Path, tokens: SpecialTokens) -> BaseRecord:
    """Fingerprinted by file names, sizes and modification times: hashing gigabytes of weights on every call would
    cost more than the conversion it saves."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and ".cache" not in p.parts):
        stat = path.stat()
        digest.update(f"{path.relative_to(directory)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return BaseRecord(source=source, fingerprint=digest.hexdigest(), special_tokens=tokens.all)


def _hub_snapshot(named: str, repo_id: str) -> Path:
    """The repo's files in the local hub cache (downloaded unless ``HF_HUB_OFFLINE`` says to use what is there)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, allow_patterns=_HUB_FILES))
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError, ValueError) as error:
        raise TrainingInputError(f"{named}: cannot fetch this hub repo ({error})") from None


def _materialize(record: BaseRecord, source: Path, out: Path | None, tokens: SpecialTokens, named: str) -> Path:
    """Reuse ``target`` when it holds this record's checkpoint; else build it beside ``target`` and rename it in."""
    target = out if out is not None else bases_dir() / f"{_slug(record.source)}-{record.key[:16]}"
    if holds(target, record, RECORD_FILE):
        return target
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        where = f"--out {target}" if out is not None else f"{named}: cache directory {target}"
        raise TrainingInputError(f"{where}: exists and holds something else; choose an empty or new directory")
    staging = staging_dir(target)
    staging.chmod(0o755)  # mkdtemp's 0700 would stay on the renamed checkpoint
    try:
        if source.is_file():
            _convert_gguf(named, source, staging, tokens)
        else:
            _convert_checkpoint(named, source, staging, tokens)
        (staging / RECORD_FILE).write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
        if target.is_dir():
            target.rmdir()  # the empty directory --out named
        try:
            os.rename(staging, target)
        except OSError:
            if not holds(target, record, RECORD_FILE):  # another process built it first: keep theirs
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _slug(source: str) -> str:
    return re.sub(r"[^\w.-]+", "_", Path(source).name or source).strip("._") or "base"


def _convert_gguf(named: str, gguf: Path, dest: Path, tokens: SpecialTokens) -> None:
    try:
        model = load_gguf_model(gguf, dest)
    except ModelError as error:
        raise TrainingInputError(f"{named}: {error}") from None
    _save_with_tokens(model, str(dest), dest, tokens)


def _convert_checkpoint(named: str, directory: Path, dest: Path, tokens: SpecialTokens) -> None:
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(str(directory), dtype="auto")
    except (OSError, ValueError) as error:
        raise TrainingInputError(f"{named}: cannot load a model ({error})") from None
    _save_with_tokens(model, str(directory), dest, tokens)


def _save_with_tokens(model, tokenizer_source: str, dest: Path, tokens: SpecialTokens) -> None:
    """The SFT path's tokenizer (the four tokens added as special ones) and embeddings grown to fit it."""
    from .sft import fit_embeddings, prepare_tokenizer

    tokenizer = prepare_tokenizer(tokenizer_source, tokens)
    fit_embeddings(model, tokenizer)
    model.save_pretrained(str(dest))
    tokenizer.save_pretrained(str(dest))
