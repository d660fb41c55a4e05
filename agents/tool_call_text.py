"""Tool calls a model wrote as text, read into LangChain ``tool_calls``.

An OpenAI-compatible server only returns structured ``tool_calls`` when it parses them out of the generated
text itself, and not every server does (llama-cpp-python's server, which aiev used to embed, left the embedded
Qwen models' calls as text; vLLM does only with a tool parser configured). Qwen2.5 answers in the Hermes form it was
trained on, ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``, and small models also write the same JSON
bare or in a code block. Reading that text here, for any server, is what lets a tool loop run on every model aiev
talks to.

A reply that is a tool call in form but names no offered tool is still read as a call: the embedded 0.5B model
answers "write add(a, b)" with ``{"name": "add", "arguments": {"a": 2, "b": 3}}``, and LangGraph's ``ToolNode``
answers such a call with the list of real tools, after which the model calls ``run_tests`` (dropping the call
instead ended the run with nothing executed, issue 12). JSON merely mentioned in prose counts only when it
names an offered tool.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from langchain_core.messages import AIMessage, ToolCall

# Hermes / Qwen2.5 form; the closing tag is missing when the reply hit the token cap.
_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|\Z)", re.DOTALL)
# A code block holding nothing but JSON.
_FENCED = re.compile(r"```[ \t]*(?:json|python|py|tool_call)?[ \t]*\n(.*?)(?:\n[ \t]*```|\Z)", re.DOTALL)
_ARGUMENT_KEYS = ("arguments", "args", "parameters")


def tool_calls_in_text(text: str, tool_names: Iterable[str]) -> list[ToolCall]:
    """The tool calls ``text`` writes out, in order: tagged calls when there are any, else calls that are a whole
    code block or the whole reply, else JSON objects in the prose that call one of ``tool_names``."""
    names = set(tool_names)
    tagged = [call for body in _TAGGED.findall(text) for call in _calls(body, names, any_name=True)]
    if tagged:
        return tagged
    whole = [call for body in [*_FENCED.findall(text), text] for call in _calls(body, names, any_name=True)]
    if whole:
        return whole
    return [call for item in _embedded_objects(text) if (call := _call(item, names, any_name=False)) is not None]


def with_text_tool_calls(message: AIMessage, tool_names: Iterable[str]) -> AIMessage:
    """``message`` with the tool calls its text writes out, when the server returned none of its own."""
    if message.tool_calls:
        return message
    calls = tool_calls_in_text(message.text, tool_names)
    if not calls:
        return message
    return message.model_copy(update={"tool_calls": calls})


def _calls(body: str, names: set[str], *, any_name: bool) -> Iterator[ToolCall]:
    try:
        data = json.loads(body.strip())
    except json.JSONDecodeError:
        return
    for item in data if isinstance(data, list) else [data]:
        call = _call(item, names, any_name=any_name)
        if call is not None:
            yield call


def _embedded_objects(text: str) -> Iterator[Any]:
    """Every top-level JSON object in free text ("I will run the tests: {...}")."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            item, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        yield item
        start = text.find("{", end)


def _call(item: Any, names: set[str], *, any_name: bool) -> ToolCall | None:
    """``item`` as a tool call: a name plus a JSON object of arguments. A call of one of ``names`` may carry an
    argument beside ``arguments`` (the 0.5B model writes ``{"name": "run_tests", "arguments": {"code": ...},
    "tests": ...}``); a call of any other name (``any_name``) must have the exact shape of a call."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("function"), dict):  # the OpenAI wire form: {"type": "function", "function": {...}}
        item = item["function"]
    name = item.get("name")
    keys = [key for key in _ARGUMENT_KEYS if key in item]
    stray = {key: value for key, value in item.items() if key not in {"name", *keys}}
    if not isinstance(name, str) or not name or (name not in names and (not any_name or stray)):
        return None
    args = item[keys[0]] if keys else {}
    if isinstance(args, str):  # OpenAI sends arguments as a JSON string
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return None
    if not isinstance(args, dict):
        return None
    return ToolCall(name=name, args=stray | args, id=f"call_{uuid.uuid4().hex[:12]}", type="tool_call")
