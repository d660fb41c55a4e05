"""A programmer's reply without what it copied from the interpreter or the analyst.

The 1.5B's revisions sometimes end by repeating the turns they answer: the traceback the interpreter printed, then
the analyst's paragraphs and its suggested code, after the programmer's own code. The transcript is the training
sample, so such a turn would teach a model to write execution results it never saw (the interpreter's output is
the interpreter's turn, AutoCoder's Figure 3) and doubles the code. ``without_echoes`` drops every prose paragraph of
the reply that stands verbatim (whitespace aside) in an earlier interpreter or analyst turn, and every fenced block
that repeats an earlier block of the same reply; the programmer's own words and first copy of its code stay.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A fenced block from its opening fence to its closing one, or to the end of a reply cut by the token cap.
_FENCED = re.compile(r"^[ \t]*```[^\n]*\n.*?(?:^[ \t]*```[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_BLANK_LINES = re.compile(r"(?:[ \t]*\n)*")  # the separator after a cut segment goes with it (matches "" too)


def without_echoes(reply: str, earlier: Iterable[str]) -> str:
    """``reply`` without its echoes of ``earlier`` turns (see the module doc); the reply as is when it has none."""
    said = [flat for flat in map(_flat, earlier) if flat]
    blocks: set[str] = set()
    echoes: list[tuple[int, int]] = []
    for fenced, start, end in _segments(reply):
        flat = _flat(reply[start:end])
        if not flat:
            continue
        if (flat in blocks) if fenced else any(flat in turn for turn in said):
            echoes.append((start, end))
        elif fenced:
            blocks.add(flat)
    if not echoes:
        return reply
    for start, end in reversed(echoes):
        reply = reply[:start] + reply[_BLANK_LINES.match(reply, end).end() :]  # type: ignore[union-attr]
    return reply.strip("\n")


def _segments(reply: str) -> list[tuple[bool, int, int]]:
    """The reply as fenced blocks and prose paragraphs, in order: ``(fenced, start, end)``."""
    segments: list[tuple[bool, int, int]] = []
    at = 0
    for match in _FENCED.finditer(reply):
        segments.extend(_paragraphs(reply, at, match.start()))
        segments.append((True, match.start(), match.end()))
        at = match.end()
    return segments + _paragraphs(reply, at, len(reply))


def _paragraphs(reply: str, start: int, end: int) -> list[tuple[bool, int, int]]:
    found, at = [], start
    for match in _PARAGRAPH_BREAK.finditer(reply, start, end):
        found.append((False, at, match.start()))
        at = match.end()
    return [*found, (False, at, end)]


def _flat(text: str) -> str:
    return " ".join(text.split())
