"""Finished AIEV-Instruct dialogues as training samples in the HF ``messages`` layout.

A raw sample keeps every turn of the graph state in order, with its speaker in ``name``: the questioner and
error analyst are ``user`` turns, programmer and test writer ``assistant`` turns, and each interpreter reply
is a ``user`` turn of its own (name ``interpreter``) so no information is lost before post-processing
(``postprocess.py``) folds it the AutoCoder way. Seed id, rounds and verdict travel as metadata columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from langchain_core.messages import BaseMessage, SystemMessage, messages_from_dict
from pydantic import BaseModel, ConfigDict, Field

from ..agents.dialogue import ASSISTANT_SPEAKERS, Speaker, speaker_of
from ..agents.parsing import python_blocks
from ..agents.prompts import load_prompt
from ..agents.state import BlamedTest
from ..graphs.report import passed_against_seed
from .errors import TrainingInputError

Role = Literal["system", "user", "assistant"]


class ChatTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    content: str
    name: str | None = None  # the speaker (agents.dialogue.Speaker value); None on post-processed turns


class DialogueSample(BaseModel):
    """One training dialogue plus what the dataset builder and the reports need to know about it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    messages: list[ChatTurn]
    seed_id: str
    # Where the seed came from (``Seed.source``; a harvest's ``path.py:LINE``): samples of one module are siblings,
    # which the held-out split keeps on one side (``split.seed_module``). "": unknown (written before aiev kept it).
    seed_source: str = ""
    rounds: int
    verdict: str  # "passed", or a discard reason such as "max_rounds"
    stage: str | None = None  # "teaching" or "self_learning": which model generation wrote it
    code: str = ""  # the final solution (last programmer code block): what dedup and decontamination compare
    # Rounds whose failure the error analyst put on the tests, which were then rewritten: a dialogue that passed
    # only after its tests changed may have tests bent to fit the code (``aiev train build --drop-blamed-tests``).
    blamed_tests: list[BlamedTest] = Field(default_factory=list)
    # Whether the tests the solution passed also passed against the seed the problem came from
    # (``passed_against_seed``): the others were checked only by the stand-ins and by the model that wrote them, and
    # the samples that session 21's and 23's 1.5B draws verified wrong were mostly those (``aiev train build
    # --seed-checked-only``). None: unknown, a sample written before aiev recorded it.
    seed_checked: bool | None = None

    def row(self) -> dict[str, Any]:
        """A flat record for JSONL and Arrow (``messages`` as plain dicts)."""
        return self.model_dump(mode="json")


def _text(message: BaseMessage) -> str:
    return message.content if isinstance(message.content, str) else json.dumps(message.content)


def _turn(message: BaseMessage) -> ChatTurn:
    if isinstance(message, SystemMessage):
        return ChatTurn(role="system", content=_text(message))
    speaker = speaker_of(message)
    role: Role = "assistant" if speaker in ASSISTANT_SPEAKERS else "user"
    return ChatTurn(role=role, content=_text(message), name=speaker.value)


def final_solution(messages: Iterable[BaseMessage]) -> str:
    """The last Python block a programmer wrote: after a passing run, the closing answer's code."""
    for message in reversed(list(messages)):
        if speaker_of(message) is Speaker.PROGRAMMER:
            blocks = python_blocks(_text(message))
            if blocks:
                return blocks[-1].strip() + "\n"
    return ""


def sample_from_messages(
    messages: list[BaseMessage],
    *,
    seed_id: str,
    seed_source: str,
    rounds: int,
    verdict: str,
    stage: str | None,
    blamed_tests: list[BlamedTest],
    seed_checked: bool | None = None,
) -> DialogueSample:
    turns = [_turn(message) for message in messages]
    # The system prompt `aiev chat` sends, so that a trained model is asked as it was trained: session 25's student,
    # trained under a prompt of its own, answered none of its held-out problems in the run tokens under chat's.
    if not turns or turns[0].role != "system":
        turns.insert(0, ChatTurn(role="system", content=load_prompt("chat_system")))
    return DialogueSample(
        id=seed_id,
        messages=turns,
        seed_id=seed_id,
        seed_source=seed_source,
        rounds=rounds,
        verdict=verdict,
        stage=stage,
        code=final_solution(messages),
        blamed_tests=blamed_tests,
        seed_checked=seed_checked,
    )


def sample_from_state(state: Mapping[str, Any]) -> DialogueSample:
    """A finished graph state (``graphs.state.State``): messages are LangChain messages."""
    verdict = state.get("verdict") or {}
    return sample_from_messages(
        list(state.get("messages", [])),
        seed_id=state["seed"]["id"],
        seed_source=state["seed"].get("source", ""),
        rounds=state.get("round", 0),
        verdict=verdict.get("reason", "unfinished"),
        stage=state.get("stage"),
        blamed_tests=list(state.get("blamed_tests", [])),
        seed_checked=passed_against_seed(state),
    )


def sample_from_record(record: Mapping[str, Any]) -> DialogueSample:
    """A ``samples.jsonl`` / ``results.jsonl`` record written by ``aiev generate`` (messages via messages_to_dict)."""
    try:
        messages = messages_from_dict(record["messages"])
        return sample_from_messages(
            messages,
            seed_id=record["seed_id"],
            seed_source=(record.get("seed") or {}).get("source", ""),
            rounds=record.get("rounds", 0),
            verdict=record.get("reason", "passed"),  # samples.jsonl only holds passed dialogues
            stage=record.get("stage"),
            blamed_tests=record.get("blamed_tests", []),
            # a samples.jsonl line says; a results.jsonl line has the executions to tell from
            seed_checked=record.get("seed_checked", passed_against_seed(record) if "executions" in record else None),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise TrainingInputError(f"record {record.get('seed_id', '?')!r} is not a generation record: {error}") from None


def read_generation_records(path: Path) -> Iterator[tuple[dict[str, Any], DialogueSample]]:
    """Passed records of a generation output (a ``samples.jsonl`` file or a directory holding one), each with
    its sample; the record is kept because held-out evaluation needs its problem and tests."""
    file = path / "samples.jsonl" if path.is_dir() else path
    if not file.is_file():
        raise TrainingInputError(f"{path}: no samples.jsonl (expected `aiev generate` output)")
    with open(file, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise TrainingInputError(f"{file}:{number}: not JSON ({error.msg})") from None
            if record.get("status", "passed") == "passed":
                yield record, sample_from_record(record)
