"""What an evaluation run writes: ``run.json`` (the settings results depend on) and ``results.jsonl`` (one whole,
fsynced line per judged sample).

The log is the source of truth: a rerun reads it, skips every sample already judged and retries only samples
whose failure was not the model's answer (model endpoint or sandbox down). The latest line per
``(mode, task_id, sample)`` wins, so a retried sample never counts twice. Reusing a directory with different
settings would mix incomparable samples, so it is refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..graphs.durable import JsonlLog, atomic_write_text
from .errors import EvalInputError

Status = Literal["passed", "failed", "unsupported", "retry"]
Key = tuple[str, str, int]

# Settings whose change makes earlier samples incomparable (concurrency, limit or mode may change freely).
PINNED = (
    "benchmark",
    "model",
    "samples",
    "temperature",
    "revision_temperature",
    "max_tokens",
    "max_rounds",
    "hide_examples",
    "candidates",
)


class EvalSettings(BaseModel):
    benchmark: str = "tasks"
    model: str
    samples: int = Field(1, ge=1, le=1000)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    revision_temperature: float | None = Field(
        None, ge=0.0, le=2.0, description="codergen revisions (unset: temperature)"
    )
    max_tokens: int = Field(1024, ge=1)
    max_rounds: int = Field(7, ge=1, le=50)
    hide_examples: bool = Field(False, description="every prompt shown without its examples (the statement alone)")
    candidates: int = Field(1, ge=1, le=100, description="codergen: programmer replies sampled per turn")
    sandbox: Literal["auto", "docker", "local"] = "auto"
    timeout_s: float | None = Field(None, gt=0, description="overrides every task's own limit")
    concurrency: int = Field(2, ge=1, le=256)


class SampleResult(BaseModel):
    task_id: str
    mode: str
    sample: int
    status: Status
    outcome: str  # the sandbox Outcome, or "no_code", "model_error", "internal_error", "unsupported"
    rounds: int = 0
    code: str | None = None
    installs: list[str] = Field(default_factory=list)  # the answer's pip install lines, run before the hidden tests
    feedback: str = ""  # the hidden tests' failure, for the reader of the log (never shown to a model)
    duration_s: float = 0.0
    tokens: dict[str, int] = Field(default_factory=dict)

    @property
    def key(self) -> Key:
        return (self.mode, self.task_id, self.sample)


class ResultsStore:
    """The results of one run: on disk under ``out`` (resumable), or in memory when ``out`` is None."""

    def __init__(self, out: Path | None) -> None:
        self.out = out
        self._log = JsonlLog(out / "results.jsonl") if out else None
        self._memory: list[SampleResult] = []

    def latest(self) -> dict[Key, SampleResult]:
        records: Iterable[Any] = self._log.records() if self._log else self._memory
        latest: dict[Key, SampleResult] = {}
        for record in records:
            result = record if isinstance(record, SampleResult) else SampleResult.model_validate(record)
            latest[result.key] = result
        return latest

    def append(self, result: SampleResult) -> None:
        if self._log:
            self._log.append(result.model_dump(mode="json"))
        else:
            self._memory.append(result)

    def pin(self, settings: EvalSettings, prompt: dict[str, Any]) -> None:
        """Write ``run.json``, or refuse when the directory holds a run with other pinned settings."""
        if not self.out:
            return
        path = self.out / "run.json"
        current = settings.model_dump(mode="json")
        if path.exists():
            try:
                earlier = json.loads(path.read_text(encoding="utf-8"))["settings"]
            except (OSError, ValueError, KeyError) as error:
                raise EvalInputError(f"{path}: unreadable run settings ({error}); use another --out") from None
            # a setting added since the earlier run was logged had its default value there
            defaults = {key: EvalSettings.model_fields[key].default for key in PINNED}
            changed = [
                f"{key}={earlier.get(key, defaults[key])!r} (now {current[key]!r})"
                for key in PINNED
                if earlier.get(key, defaults[key]) != current[key]
            ]
            if changed:
                raise EvalInputError(
                    f"{self.out}: holds a run with other settings: {', '.join(changed)}; use another --out"
                )
        atomic_write_text(path, json.dumps({"settings": current, "prompt": prompt}, indent=2) + "\n")


def read_run(out: Path) -> tuple[dict[str, Any], list[SampleResult]]:
    """``run.json`` and the latest result per sample of an output directory (for reports)."""
    path = out / "run.json"
    if not path.is_file():
        raise EvalInputError(f"{out}: not an evaluation output directory (no run.json)")
    run = json.loads(path.read_text(encoding="utf-8"))
    return run, list(ResultsStore(out).latest().values())
