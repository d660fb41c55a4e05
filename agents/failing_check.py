"""The check a failed run stopped at, quoted from the interpreter's turn for the programmer's next attempt.

The interpreter's turn already holds it (the test runner writes ``f(x) is V; the test expects W``), but a revision
is asked after the analyst's turn, and the embedded 1.5B programmer followed the analysis, not the values: in session
21's draw the analyst read ``findparam("name", ["name=red", ...]) is '=red'; the test expects 'red'`` as a wrong use
of ``split`` and ``header_encode(...) is 'SGVs...'; the test expects '=?iso-8859-1?b?SGVs...?='`` as a charset
problem, and the programmer rewrote the code around those explanations for three rounds each without touching what the
values showed. Quoted again last, right before the request for code, the check is what the revision answers.

A programmer that resent its failed code starts over from the task (``programmer``); the check goes with it, so that
the fresh attempt knows what the last one got wrong without the code it would copy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.messages import AnyMessage

from .dialogue import Speaker, speaker_of
from .prompts import render_prompt

# A traceback frame of the program itself (the solution and its tests: ``main.py`` in the sandbox's work directory),
# then the line it quotes.
_PROGRAM_FRAME = re.compile(r'^[ \t]*File "(?:[^"]*/)?main\.py", line \d+, in [^\n]*\n(?P<line>[^\n]*)$', re.M)
_LONGEST = 400  # characters of a quoted line or error: the values of a long list would crowd out the request


def failing_check(messages: Sequence[AnyMessage]) -> tuple[str, str] | None:
    """The test line the latest failed run stopped at and the error it raised (its first line), or None when no run
    failed in a traceback of the program's own (a timeout, a failed install, a refusal)."""
    for message in reversed(messages):
        if speaker_of(message) is Speaker.INTERPRETER and message.additional_kwargs.get("outcome") == "failed":
            return _check_in(message.text)
    return None


def _check_in(traceback: str) -> tuple[str, str] | None:
    frames = list(_PROGRAM_FRAME.finditer(traceback))
    if not frames:
        return None
    lines = [frame["line"].strip() for frame in frames]
    line = next((text for text in reversed(lines) if text.startswith("assert ")), lines[0])
    after = traceback[frames[-1].end() :].splitlines()
    error = next((text for text in after if text.strip() and not text[:1].isspace()), "")
    if not error:
        return None
    return _cut(line), _cut(error)


def _cut(text: str) -> str:
    return text if len(text) <= _LONGEST else text[:_LONGEST] + " ..."


def quoted(messages: Sequence[AnyMessage], prompt: str) -> str | None:
    """``prompts/<prompt>.md`` filled with the latest failing check of ``messages``; None when there is none."""
    check = failing_check(messages)
    return render_prompt(prompt, line=check[0], error=check[1]) if check else None
