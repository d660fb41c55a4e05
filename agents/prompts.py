"""Prompt files: every text a model is shown lives in ``agents/prompts/*.md``, editable without touching code.

Templates use ``string.Template`` (``$name``) rather than ``str.format`` because prompts are full of code,
and code is full of braces.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template

PROMPT_DIR = Path(__file__).parent / "prompts"


class PromptNotFound(LookupError):
    """A node asked for a prompt file that is not shipped (a packaging or naming mistake)."""


@cache
def load_prompt(name: str) -> str:
    """The text of ``prompts/<name>.md``, read once per process."""
    path = PROMPT_DIR / f"{name}.md"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise PromptNotFound(f"prompt file {path} does not exist") from None


def render_prompt(name: str, **values: str) -> str:
    """``prompts/<name>.md`` with ``$key`` placeholders filled; a missing value is an error, not a blank."""
    return Template(load_prompt(name)).substitute(values)
