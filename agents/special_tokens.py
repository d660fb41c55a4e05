"""The four AutoCoder special tokens, read from the ONE file that defines them (``configs/special_tokens.yaml``).

Post-processing writes them into samples, SFT adds them to the tokenizer, and the chat finds in a trained
model's reply what it asked to run and wraps the interpreter's answer with them: all must agree, which a
single shipped file guarantees. The loader lives at the agents layer because both the chat graph and the
training side read it (training re-exports it).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

TOKENS_FILE = Path(str(resources.files("aiev.configs").joinpath("special_tokens.yaml")))


class SpecialTokensError(ValueError):
    """The special tokens file is missing or malformed; the message names the file."""


class SpecialTokens(BaseModel):
    """``run_*`` wrap code the interpreter must execute; ``result_*`` wrap what the interpreter answered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_start: str
    run_stop: str
    result_start: str
    result_stop: str

    @property
    def all(self) -> list[str]:
        """In a fixed order, so that token ids are the same in every training run."""
        return [self.run_start, self.run_stop, self.result_start, self.result_stop]


@lru_cache(maxsize=4)
def load_special_tokens(path: Path = TOKENS_FILE) -> SpecialTokens:
    try:
        return SpecialTokens.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as error:
        raise SpecialTokensError(f"special tokens file {path}: {error}") from None
