"""The student's base model as a trainable Hugging Face checkpoint: one job, source -> checkpoint directory.

The source is a models-file ``llama_cpp`` entry (the embedded GGUF aiev already serves, so a student can be trained
offline from the model that taught it), a checkpoint directory, or a hub id. SFT and the loop's training step load
their base with ``from_pretrained``, which can read a GGUF but keeps its weights packed and refuses to save them:
the GGUF is therefore dequantized here, once, into ordinary safetensors weights. transformers' own GGUF reader does
the work (llama.cpp's tensor names -> HF names, the per-architecture weight un-permutation, the config from the
metadata, the tokenizer with the file's ``tokenizer.chat_template``), so this module only decides what is read,
where the result goes and when it can be reused.

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

from pydantic import BaseModel, ConfigDict, ValidationError

from ..agents.local_model.cache import cache_root, is_installed, model_file
from ..agents.model_specs import LlamaCppSpec, ModelError, ModelSpec, load_model_specs
from ..graphs.durable import staging_dir
from .errors import TrainingInputError
from .special_tokens import SpecialTokens, load_special_tokens

# Architectures whose conversion was checked against llama.cpp (greedy tokens agree; tests/training). Others that
# transformers can read may still need per-architecture fixes (norm offsets, permutations) and are refused.
SUPPORTED_ARCHITECTURES = ("qwen2",)
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
        record = BaseRecord(source=source, fingerprint=_gguf_sha256(specs[source], gguf), special_tokens=tokens.all)
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
    if not is_installed(name, spec):
        fix = f"run `aiev models pull {name}`" if spec.gguf is not None else "fix the entry's path"
        raise TrainingInputError(f"{named}: its GGUF {model_file(name, spec)} is missing; {fix}")
    return model_file(name, spec)


def _gguf_sha256(spec: LlamaCppSpec, gguf: Path) -> str:
    """A pulled file's pinned SHA-256 (assembly verified it before giving the file its name); a ``path`` entry's
    file is hashed, since nothing vouches for it (seconds per GB)."""
    if spec.gguf is not None:
        return spec.gguf.sha256
    with gguf.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


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
    if _holds(target, record):
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
            if not _holds(target, record):  # another process finished the same checkpoint first: keep theirs
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _holds(target: Path, record: BaseRecord) -> bool:
    try:
        return BaseRecord.model_validate_json((target / RECORD_FILE).read_text(encoding="utf-8")) == record
    except (OSError, ValidationError):
        return False


def _slug(source: str) -> str:
    return re.sub(r"[^\w.-]+", "_", Path(source).name or source).strip("._") or "base"


def _convert_gguf(named: str, gguf: Path, dest: Path, tokens: SpecialTokens) -> None:
    """Dequantize every tensor of the GGUF (bf16, the dtype the Qwen2.5 releases ship in: the quantization error
    is far above bf16's rounding) into a model built from the file's own config, with its tokenizer."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.integrations.gguf import read_gguf_metadata
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    try:
        architecture = read_gguf_metadata(str(gguf))[0].get("general.architecture")
    except (OSError, ValueError) as error:
        raise TrainingInputError(f"{named}: {gguf} is not a readable GGUF file ({error})") from None
    if architecture not in SUPPORTED_ARCHITECTURES:
        raise TrainingInputError(
            f"{named}: {gguf} holds architecture {architecture!r}, not supported for a student base "
            f"(supported: {', '.join(SUPPORTED_ARCHITECTURES)})"
        )
    config = AutoConfig.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # tokenizer_type: AutoTokenizer would otherwise parse the whole file a second time only to learn the model type.
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name, tokenizer_type=config.model_type)
    tokenizer.save_pretrained(str(dest))
    with torch.device("meta"):  # no random initialisation: every weight comes from the file
        model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    weights = load_gguf_checkpoint(str(gguf), return_tensors=True, model_to_load=model, torch_dtype=torch.bfloat16)
    missing, unexpected = model.load_state_dict(weights["tensors"], strict=False, assign=True)
    tied = {"lm_head.weight"} if config.tie_word_embeddings else set()
    absent = sorted(set(missing) - tied)
    if absent or unexpected:
        raise TrainingInputError(
            f"{named}: the tensors of {gguf} do not fit a {architecture} model (missing {absent[:5]}, "
            f"unexpected {sorted(unexpected)[:5]})"
        )
    model.tie_weights()
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
