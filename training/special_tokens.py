"""The four AutoCoder special tokens (``configs/special_tokens.yaml``), as training sees them.

The model and the file reader live in ``aiev.agents.special_tokens`` (the chat parses the same tokens and
may not import training); here a bad file becomes a ``TrainingInputError`` like every other training input.
"""

from __future__ import annotations

from pathlib import Path

from ..agents.special_tokens import TOKENS_FILE, SpecialTokens, SpecialTokensError
from ..agents.special_tokens import load_special_tokens as _load
from .errors import TrainingInputError

__all__ = ["TOKENS_FILE", "SpecialTokens", "load_special_tokens"]


def load_special_tokens(path: Path = TOKENS_FILE) -> SpecialTokens:
    try:
        return _load(path)
    except SpecialTokensError as error:
        raise TrainingInputError(str(error)) from None
