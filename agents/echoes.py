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
``without_repeats`` keeps each sentence of a turn's prose once. Tests loop the same way: the 0.5B test writer of
session 19's ``to_filename`` wrote ``assert to_filename("project-123") == "project_123"`` some forty times, and that
reply is the sample's test turn; ``without_repeated_asserts`` keeps each such assert of a code block once.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from .parsing import is_literal

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


def without_repeated_asserts(text: str) -> str:
    """``text`` with every line of a fenced block that repeats an earlier line of a block dropped, when it is a
    one-line ``assert f(<constants>) == <literal>`` (the same check of the same call again, which tells nothing new; a
    call of a method, or of anything but constants, may see other state the second time, so it stays) at the top
    level, or indented right after an identical line (the only line of a second ``def test_...():`` body is not a
    repeat to drop: its body would be empty). ``text`` as is when nothing repeats."""
    kept: list[str] = []
    seen: set[str] = set()
    at, dropped, last = 0, False, ""
    for fenced, start, end in _segments(text):
        if not fenced:
            continue
        kept.append(text[at:start])
        for line in text[start:end].splitlines(keepends=True):
            plain = line.rstrip()
            repeat = plain == last if line[:1].isspace() else plain in seen
            if repeat and _is_constant_check(plain.strip()):
                dropped = True
                continue
            seen.add(plain)
            kept.append(line)
            last = plain
        at = end
    if not dropped:
        return text
    return "".join(kept) + text[at:]


def _is_constant_check(line: str) -> bool:
    """Whether ``line`` is ``assert <name>(<literals>) == <literal>`` (either side) and nothing else."""
    try:
        [statement] = ast.parse(line).body
    except (SyntaxError, ValueError):
        return False
    test = statement.test if isinstance(statement, ast.Assert) else None
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    for call, other in ((test.left, test.comparators[0]), (test.comparators[0], test.left)):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and is_literal(other):
            return all(is_literal(argument) for argument in [*call.args, *(k.value for k in call.keywords)])
    return False


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
