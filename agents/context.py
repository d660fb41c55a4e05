"""Per-run settings that every node reads through ``runtime.context``.

Following LangGraph's ``context_schema`` idiom (see the react-agent template), these fields appear in
LangGraph Studio as run settings, so a user swaps the model behind any role, the round budget or the
sandbox per run with no code change. Models are names from ``configs/models.yaml`` (or names registered
in-process with ``aiev.agents.models.register_model``), never model objects, so a run stays serializable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

ROLES = ("questioner", "programmer", "test_writer", "error_analyst")

# Which model generation writes a batch: the teacher (``configs/stages/teaching.yaml``) or the fine-tuned student
# (``self_learning.yaml``). Each stage is a preset of this Context, so the type lives beside it, for the graphs that
# record it in a sample and the training loop that switches between them.
Stage = Literal["teaching", "self_learning"]


def every_role(model: str) -> dict[str, str]:
    """The context fields that put ``model`` in every role (``--model NAME``), to merge with other settings."""
    return {f"{role}_model": model for role in ROLES}


@dataclass(kw_only=True)
class Context:
    """Which model plays each role, and how the execute / analyse / refine loop is bounded."""

    questioner_model: str = field(
        default="local-qwen-0.5b",
        metadata={"description": "Model (name in configs/models.yaml) that turns a seed into a problem."},
    )
    programmer_model: str = field(
        default="local-qwen-0.5b",
        metadata={"description": "Model that writes and revises the solution."},
    )
    test_writer_model: str = field(
        default="local-qwen-0.5b",
        metadata={"description": "Model that writes the assert-based unit tests."},
    )
    error_analyst_model: str = field(
        default="local-qwen-0.5b",
        metadata={"description": "Model that explains a failed execution in natural language."},
    )
    max_rounds: int = field(
        default=7,
        metadata={"description": "Execution rounds before a dialogue is discarded (AutoCoder: 7)."},
    )
    sandbox: Literal["auto", "docker", "local"] = field(
        default="auto",
        metadata={"description": "Code interpreter: docker, local, or auto (docker when an engine answers)."},
    )
    timeout_s: float = field(
        default=20.0,
        metadata={"description": "Wall-clock limit for one execution of solution plus tests."},
    )
    temperature: float = field(
        default=0.0,
        metadata={"description": "Sampling temperature for every role (0 = greedy)."},
    )
    revision_temperature: float | None = field(
        default=None,
        metadata={
            "description": "Sampling temperature of the programmer's revisions after a failed execution "
            "(unset: temperature). Small models resend the code that failed; after such a resend the programmer "
            "starts over from the task, and only a sampled fresh attempt differs. The first answer stays greedy."
        },
    )
    max_tokens: int = field(
        default=1024,
        metadata={"description": "Completion token cap for every model call."},
    )
    candidates: int = field(
        default=1,
        metadata={
            "description": "Replies a programmer turn may have (SelfCodeAlign: 10). The first, at the usual "
            "temperature, is the turn; only when it fails are the others sampled and run against the same tests, "
            "and the first that passes replaces it. 1: one reply, no sampling."
        },
    )
    candidate_temperature: float = field(
        default=0.7,
        metadata={"description": "Sampling temperature of the programmer's extra candidates (SelfCodeAlign: 0.7)."},
    )

    def __post_init__(self) -> None:
        # Checked here rather than by type alone: LangGraph builds the context from a Studio run's settings with
        # the constructor, and a zero would otherwise surface as a turn with no reply at all.
        if self.candidates < 1:
            raise ValueError(f"candidates must be at least 1, got {self.candidates}")
        if self.candidate_temperature < 0:
            raise ValueError(f"candidate_temperature must not be negative, got {self.candidate_temperature}")

    def model_for(self, role: str) -> str:
        """The model name configured for a role (``questioner``, ``programmer``, ...)."""
        return getattr(self, f"{role}_model")

    def temperature_for(self, role: str, *, revising: bool = False) -> float:
        """The sampling temperature of one call: ``revising`` marks a programmer reply to a failed execution."""
        if revising and role == "programmer" and self.revision_temperature is not None:
            return self.revision_temperature
        return self.temperature

    def for_candidates(self) -> Context:
        """This context with every call sampled at ``candidate_temperature``: the programmer's extra candidates, and
        the test writer's second reply after it resent the tests it was asked to rewrite."""
        return replace(self, temperature=self.candidate_temperature, revision_temperature=None)

    @classmethod
    def for_every_role(cls, model: str, **settings: Any) -> Context:
        """One model in every role (``aiev solve --model``, ``aiev eval``, the benchmark scripts), other settings
        validated as ``from_mapping`` does."""
        return cls.from_mapping(every_role(model) | settings)

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Context:
        """Build from a preset or CLI mapping, refusing unknown keys and values of the wrong type with a message
        naming them (a preset's ``temperature: hot`` would otherwise fail only at the first model call)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown context setting(s) {unknown}; known settings: {sorted(known)}")
        try:
            return TypeAdapter(cls).validate_python(values)
        except ValidationError as error:
            problems = [_problem(e) for e in error.errors()]
            raise ValueError(f"invalid context setting(s): {'; '.join(problems)}") from None


def _problem(error: Any) -> str:
    """One validation error as ``field=value: message``; a check of ``__post_init__`` names its field itself."""
    if not error["loc"]:
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{'.'.join(map(str, error['loc']))}={error['input']!r}: {error['msg']}"
