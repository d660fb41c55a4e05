"""The dialogues of a generation run as a person reads them: each turn labelled by who said it and what it is.

A results record keeps the dialogue as LangChain message dicts whose ``name`` is the speaker
(``agents/dialogue.py``); the speaker alone does not say whether a programmer turn is the first solution, a
revision or the closing answer, so the label is derived from the turn's place in the dialogue. Text is kept raw
here: the template escapes it, because every turn but the interpreter's is untrusted model output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from langchain_core.messages import messages_from_dict
from markdown_it import MarkdownIt
from markupsafe import Markup
from pydantic import BaseModel

from ..agents.dialogue import Speaker, speaker_of

# Markdown with raw HTML disabled (a reply containing <script> is shown as text, never run) and line breaks kept,
# since model replies such as the analyst's "...\nFAULT: code" are line-oriented.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True})


class Turn(BaseModel):
    speaker: str  # a Speaker value, used as the CSS class of the turn
    label: str
    body: str  # the message text (markdown for model turns, plain output for the interpreter)
    verbatim: bool  # shown in <pre> as is (interpreter output) rather than rendered as markdown

    def html(self) -> Markup:
        """Model replies rendered as markdown (code fences become <pre>), with raw HTML escaped."""
        return Markup(_MARKDOWN.render(self.body))


class Dialogue(BaseModel):
    seed_id: str
    status: str
    reason: str
    last_error: str
    rounds: int
    title: str  # the problem's first line, so a collapsed dialogue still says what it is about
    turns: list[Turn]


def dialogues(records: Iterable[dict[str, Any]]) -> list[Dialogue]:
    return [dialogue(record) for record in records]


def dialogue(record: dict[str, Any]) -> Dialogue:
    turns = label_turns(messages_from_dict(record.get("messages") or []))
    problem = next((t.body for t in turns if t.speaker == Speaker.QUESTIONER.value), "")
    title = next((text for text in map(_plain, problem.splitlines()) if text), "(no problem was posed)")
    return Dialogue(
        seed_id=str(record["seed_id"]),
        status=record["status"],
        reason=record["reason"],
        last_error=record.get("last_error") or "",
        rounds=record.get("rounds", 0),
        title=title,
        turns=turns,
    )


def _plain(line: str) -> str:
    """A problem line as a title: markdown marks dropped, and a bare heading such as "**Problem Statement:**" (what
    small questioners open with) is no title at all."""
    text = re.sub(r"[*`#>]+", "", line).strip()
    return "" if re.fullmatch(r"(?i)(problem( statement| description)?|task|description)\s*:?", text) else text


def label_turns(messages: list) -> list[Turn]:
    """One Turn per message, labelled with its speaker and its part in the AIEV-Instruct loop."""
    turns: list[Turn] = []
    seen: dict[Speaker, int] = {}
    last_outcome: str | None = None
    for message in messages:
        speaker = speaker_of(message)
        meta = message.additional_kwargs
        text = message.content if isinstance(message.content, str) else str(message.content)
        count = seen[speaker] = seen.get(speaker, 0) + 1
        if speaker is Speaker.INTERPRETER:
            last_outcome = meta.get("outcome")
            label = f"Interpreter — output, round {meta.get('round', '?')}: {last_outcome or 'unknown'}"
        else:
            label = _label(speaker, count, meta, last_outcome)
        turns.append(Turn(speaker=speaker.value, label=label, body=text, verbatim=speaker is Speaker.INTERPRETER))
    return turns


def _label(speaker: Speaker, count: int, meta: dict[str, Any], last_outcome: str | None) -> str:
    if speaker is Speaker.QUESTIONER:
        return "Questioner — problem" if count == 1 else "Questioner"
    if speaker is Speaker.PROGRAMMER:
        if last_outcome == "passed":
            return "Programmer — closing answer"
        if count == 1:
            return "Programmer — code"
        return f"Programmer — revision {count - 1}" + (" (started over)" if meta.get("started_over") else "")
    if speaker is Speaker.TEST_WRITER:
        return "Test writer — tests" if count == 1 else f"Test writer — revised tests ({count - 1})"
    if speaker is Speaker.ERROR_ANALYST:
        fault = meta.get("fault")
        return "Error analyst — analysis" + (f" (fault: {fault})" if fault else "")
    return "User"
