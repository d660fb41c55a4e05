"""Shared by the eval tests: the shipped benchmark rows and scripted models for two HumanEval tasks."""

from __future__ import annotations

from pathlib import Path

from langchain_core.messages import BaseMessage

from aiev.agents.prompts import load_prompt

DATA = Path(__file__).parent / "data"

CLOSE = (
    "```python\ndef has_close_elements(numbers, threshold):\n    s = sorted(numbers)\n"
    "    return any(b - a < threshold for a, b in zip(s, s[1:]))\n```"
)
TRUNCATE_WRONG = "```python\n    return float(int(number))\n```"  # a body, assembled with the prompt; wrong
TRUNCATE = "```python\ndef truncate_number(number):\n    return number % 1.0\n```"


def plain_script(messages: list[BaseMessage]) -> str:
    """Right for has_close_elements (HumanEval/0), wrong for truncate_number (HumanEval/2)."""
    return CLOSE if "has_close_elements" in messages[-1].content else TRUNCATE_WRONG


def right_script(messages: list[BaseMessage]) -> str:
    """Every role, both modes: right answers for HumanEval/0 and /2, and test-writer tests that hold for them."""
    system, task = messages[0].content, messages[-1].content
    if system == load_prompt("test_writer"):
        if "has_close_elements" in task:
            return "```python\nassert has_close_elements([1.0, 1.1], 0.5)\nassert not has_close_elements([1.0], 1)\n```"
        return "```python\nassert abs(truncate_number(2.25) - 0.25) < 1e-9\n```"
    assert system == load_prompt("programmer"), "only the programmer and the test writer are expected"
    return CLOSE if "has_close_elements" in task else TRUNCATE
