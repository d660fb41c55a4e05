"""Tool calls a model writes as text (llama-cpp-python's server returns them as text) become LangChain tool calls."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage

from aiev.agents.tool_call_text import tool_calls_in_text, with_text_tool_calls

TOOLS = ("run_python", "install_package", "run_tests")
CODE = "def add(a, b):\n    return a + b"


def calls(text: str) -> list[tuple[str, dict]]:
    return [(call["name"], call["args"]) for call in tool_calls_in_text(text, TOOLS)]


def test_the_hermes_form_qwen_was_trained_on() -> None:
    text = (
        "I'll test my code.\n<tool_call>\n"
        + json.dumps({"name": "run_tests", "arguments": {"code": CODE, "tests": "assert add(1, 2) == 3"}})
        + "\n</tool_call>\n<tool_call>"
        + json.dumps({"name": "install_package", "arguments": {"package": "rich"}})
        + "</tool_call>"
    )
    assert calls(text) == [
        ("run_tests", {"code": CODE, "tests": "assert add(1, 2) == 3"}),
        ("install_package", {"package": "rich"}),
    ]


@pytest.mark.parametrize(
    "text",
    [
        '```json\n{"name": "run_python", "arguments": {"code": "print(1)"}}\n```',
        '```python\n{"name": "run_python", "parameters": {"code": "print(1)"}}\n```',
        'Let me run it: {"name": "run_python", "arguments": {"code": "print(1)"}} and see.',
        '<tool_call>{"name": "run_python", "arguments": {"code": "print(1)"}}',  # cut off by the token cap
        '[{"type": "function", "function": {"name": "run_python", "arguments": "{\\"code\\": \\"print(1)\\"}"}}]',
    ],
    ids=["json-block", "python-block", "in-prose", "unclosed-tag", "openai-wire-form"],
)
def test_json_written_bare_or_in_a_block(text: str) -> None:
    assert calls(text) == [("run_python", {"code": "print(1)"})]


@pytest.mark.parametrize(
    "text",
    [
        '```json\n{"name": "add", "arguments": {"a": 2, "b": 3}}\n```',  # issue 12, the 0.5B model's reply
        '<tool_call>{"name": "add", "arguments": {"a": 2, "b": 3}}</tool_call>',
        '{"name": "add", "arguments": {"a": 2, "b": 3}}',
    ],
    ids=["json-block", "tagged", "whole-reply"],
)
def test_a_call_of_a_tool_that_does_not_exist_is_still_a_call(text: str) -> None:
    # ToolNode answers it with the list of real tools, so the model can correct itself.
    assert calls(text) == [("add", {"a": 2, "b": 3})]


@pytest.mark.parametrize(
    "text",
    [
        'The record {"name": "add", "arguments": {"a": 1}} is what the API returns.',
        '```json\n{"name": "add", "arguments": {"a": 1}, "id": 7}\n```',
        '<tool_call>{"name": "run_python", "arguments": "not json"}</tool_call>',
        '<tool_call>{"name": "run_python", "arguments": ["print(1)"]}</tool_call>',
        "```python\ndef add(a, b):\n    return {'name': a}\n```",
        "<tool_call>{broken</tool_call>",
    ],
    ids=[
        "unknown-name-in-prose",
        "not-call-shaped",
        "string-arguments-not-json",
        "list-arguments",
        "plain-code",
        "broken-json",
    ],
)
def test_text_that_is_no_tool_call_gives_none(text: str) -> None:
    assert calls(text) == []


def test_an_argument_written_beside_the_arguments_of_a_real_tool_is_kept() -> None:
    text = '```json\n{"name": "run_tests", "arguments": {"code": "x = 1"}, "tests": "assert x == 1"}\n```'
    assert calls(text) == [("run_tests", {"tests": "assert x == 1", "code": "x = 1"})]


def test_each_call_gets_its_own_id_and_server_parsed_calls_are_kept() -> None:
    text = '<tool_call>{"name": "run_python", "arguments": {"code": "1"}}</tool_call>' * 2
    read = with_text_tool_calls(AIMessage(content=text), TOOLS)
    assert [call["name"] for call in read.tool_calls] == ["run_python", "run_python"]
    assert len({call["id"] for call in read.tool_calls}) == 2 and read.content == text
    server_call = {"name": "run_tests", "args": {"code": "x"}, "id": "srv", "type": "tool_call"}
    parsed = AIMessage(content=text, tool_calls=[server_call])
    assert with_text_tool_calls(parsed, TOOLS).tool_calls == parsed.tool_calls
