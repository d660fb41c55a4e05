"""AIEV-Instruct samples as evaluation tasks: the training loop's held-out split scored like a benchmark.

A generation record (``results.jsonl`` line or ``samples.jsonl`` line of ``aiev generate``) holds the
dialogue; its problem is the questioner's first turn and its tests the last tests the test writer wrote
(those the solution passed). Records that carry ``problem`` / ``tests`` / ``setup`` fields directly are
read from them. The model is shown the problem only; the tests judge its answer, hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from langchain_core.messages import BaseMessage, messages_from_dict

from ..agents.dialogue import Speaker, speaker_of
from ..agents.parsing import entry_point_of, extract_setup, extract_tests
from .errors import EvalInputError
from .task import EvalTask


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else str(message.content)


def _turns_of(messages: list[BaseMessage], speaker: Speaker) -> list[str]:
    return [_text(m) for m in messages if speaker_of(m) is speaker]


def _last_tests(messages: list[BaseMessage], entry: str | None) -> str | None:
    for text in reversed(_turns_of(messages, Speaker.TEST_WRITER)):
        tests = extract_tests(text, entry)
        if tests:
            return tests
    return None


def _last_setup(messages: list[BaseMessage]) -> list[str]:
    """The installs of the last programmer turn that asked for any (the closing answer repeats none)."""
    for text in reversed(_turns_of(messages, Speaker.PROGRAMMER)):
        setup = extract_setup(text)
        if setup:
            return setup
    return []


def task_from_record(record: Mapping[str, Any]) -> EvalTask:
    task_id = str(record.get("seed_id") or record.get("id") or "?")
    try:
        messages = messages_from_dict(record.get("messages") or [])
    except (KeyError, TypeError, ValueError) as error:
        raise EvalInputError(f"held-out record {task_id}: messages are not LangChain message dicts ({error})") from None
    questions = _turns_of(messages, Speaker.QUESTIONER)
    problem = record.get("problem") or (questions[0] if questions else "")
    entry = entry_point_of(problem)
    tests = record.get("tests") or _last_tests(messages, entry)
    if not problem or not tests:
        raise EvalInputError(f"held-out record {task_id}: no problem or no tests to evaluate with")
    setup = record["setup"] if record.get("setup") is not None else _last_setup(messages)
    return EvalTask(
        task_id=task_id,
        benchmark="heldout",
        prompt=problem,
        style="instruct",
        entry_point=entry,
        test=tests,
        setup=list(setup),
        reference=record.get("solution") or None,
    )


def tasks_from_records(records: Iterable[Mapping[str, Any]]) -> list[EvalTask]:
    """One task per record, in order (the training loop's ``heldout.jsonl``)."""
    return [task_from_record(record) for record in records]
