"""Shared by the eval tests: the shipped benchmark rows and a scripted plain-mode model for two HumanEval tasks."""

from __future__ import annotations

from pathlib import Path

from langchain_core.messages import BaseMessage

DATA = Path(__file__).parent / "data"

CLOSE = (
    "```python\ndef has_close_elements(numbers, threshold):\n    s = sorted(numbers)\n"
    "    return any(b - a < threshold for a, b in zip(s, s[1:]))\n```"
)
TRUNCATE_WRONG = "```python\n    return float(int(number))\n```"  # a body, assembled with the prompt; wrong


def plain_script(messages: list[BaseMessage]) -> str:
    """Right for has_close_elements (HumanEval/0), wrong for truncate_number (HumanEval/2)."""
    return CLOSE if "has_close_elements" in messages[-1].content else TRUNCATE_WRONG
