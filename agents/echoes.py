"""A programmer's reply without what it copied from the interpreter or the analyst.

The 1.5B's revisions sometimes end by repeating the turns they answer: the traceback the interpreter printed, then
the analyst's paragraphs and its suggested code, after the programmer's own code. The transcript is the training
sample, so such a turn would teach a model to write execution results it never saw (the interpreter's output is
the interpreter's turn, AutoCoder's Figure 3) and doubles the code. ``without_echoes`` drops every prose paragraph of
the reply that stands verbatim (whitespace aside) in an earlier interpreter or analyst turn, and every fenced block
that repeats an earlier block of the same reply; the programmer's own words and first copy of its code stay.

A turn can also echo itself: the 0.5B analyst, asked to explain alone, wrote one sentence ("The code should return an
empty string if the input is an empty string, but it does not.") over and over to the token cap, and the programmer
shown that analysis continued the loop until its own cap, its whole reply then an echo with no code (session 15).
``without_repeats`` keeps each sentence of a turn's prose once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A fenced block from its opening fence to its closing one, or to the end of a reply cut by the token cap.
_FENCED = re.compile(r"^[ \t]*```[^\n]*\n.*?(?:^[ \t]*```[ \t]*$|\Z)", re.MULTILINE | re.DOTALL)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_BLANK_LINES = re.compile(r"(?:[ \t]*\n)*")  # the separator after a cut segment goes with it (matches "" too)
_SENTENCE_BREAK = re.compile(r"((?<=[.!?])\s+)")


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


def without_repeats(text: str) -> str:
    """``text`` with every prose sentence after its first occurrence dropped (whitespace aside), and a last sentence cut
    off by the token cap that begins one already said; fenced blocks as they are. ``text`` as is when nothing repeats.
    """
    seen: set[str] = set()
    pieces: list[str] = []
    at, dropped = 0, False
    for fenced, start, end in _segments(text):
        pieces.append(text[at:start])
        at = end
        if fenced:
            pieces.append(text[start:end])
            continue
        parts = _SENTENCE_BREAK.split(text[start:end])  # sentence, break, sentence, ...
        kept_here = False
        for index in range(0, len(parts), 2):
            sentence, flat = parts[index], _flat(parts[index])
            cut = index == len(parts) - 1 and end == len(text) and not flat.endswith((".", "!", "?", ":"))
            if flat and (flat in seen or (cut and any(said.startswith(flat) for said in seen))):
                dropped = True
                if index + 1 < len(parts) and kept_here:  # the break after it ends the kept sentence before it
                    pieces[-1] = pieces[-1].rstrip() + parts[index + 1]
                continue
            seen.add(flat)
            kept_here = True
            pieces.append(sentence + (parts[index + 1] if index + 1 < len(parts) else ""))
    if not dropped:
        return text
    return "".join(pieces).strip()


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
