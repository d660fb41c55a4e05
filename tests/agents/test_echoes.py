"""A programmer's reply loses what it copied from the interpreter and the analyst (``agents/echoes.py``)."""

from __future__ import annotations

from aiev.agents.echoes import without_echoes, without_repeated_asserts, without_repeats

CODE = '```python\ndef strong(text):\n    if not text:\n        return ""\n    return f"<strong>{text}</strong>"\n```'
INTERPRETER = (
    "Execution failed with exit code 1.\nTraceback (most recent call last):\n"
    "  File \"/work/3e1a/main.py\", line 12, in <module>\n    assert strong('') == ''\nAssertionError"
)
ANALYST = (
    "The problem with the code is that it does not handle the case where the input text is empty.\n\n"
    f"The correct solution should be:\n{CODE}\n\nThe unit tests are correct."
)


def test_a_revision_that_repeats_the_traceback_and_the_analysis_keeps_only_its_own_code() -> None:
    # the 1.5B's revision of ``strong``, verbatim in shape: its code, then the two turns it answered
    reply = f"{CODE}\n\n{INTERPRETER}\n\n{ANALYST}"
    assert without_echoes(reply, [INTERPRETER, ANALYST]) == CODE


def test_own_words_and_code_stay_and_a_reply_without_echoes_is_untouched() -> None:
    reply = f"The empty string needs its own case.\n\n{CODE}\n\nNow `strong('')` returns `''`.\n"
    assert without_echoes(reply, [INTERPRETER, ANALYST]) is reply
    # an echo goes, with the whitespace around it; the rest keeps its order
    echoed = f"The empty string needs its own case.\n\n{CODE}\n\n  Execution failed with exit code 1.\n\nDone."
    assert without_echoes(echoed, [INTERPRETER]) == f"The empty string needs its own case.\n\n{CODE}\n\nDone."


def test_code_is_never_dropped_for_matching_feedback_only_for_repeating_itself() -> None:
    # the analyst suggested this code: the programmer's only copy of it is its answer
    assert without_echoes(f"Fixed:\n{CODE}", [ANALYST]) == f"Fixed:\n{CODE}"
    # an unfinished fence (the token cap) is a block too
    cut = '```python\ndef strong(text):\n    return "<strong>"'
    assert without_echoes(f"{cut}", [ANALYST]) == cut


def test_code_keeps_its_blank_lines_when_an_echo_is_cut() -> None:
    code = "```python\nimport re\n\n\ndef f(s):\n    return '''a\n\n\nb'''\n```"
    reply = f"Here:\n{code}\n\nExecution failed with exit code 1.\n\nThat is all."
    assert without_echoes(reply, [INTERPRETER]) == f"Here:\n{code}\n\nThat is all."


def test_a_sentence_looped_to_the_token_cap_is_kept_once() -> None:
    # the 0.5B analyst's explanation of strong(''), session 15
    loop = "The code should return an empty string if the input is an empty string, but it does not. "
    text = "The assert `strong('') == ''` failed. " + loop * 6 + "The code should return an e"
    assert without_repeats(text) == "The assert `strong('') == ''` failed. " + loop.strip()
    # paragraphs and fenced blocks keep their shape; code is never deduplicated
    shaped = "It adds.\n\nIt adds. It skips 0.\n```python\nx = 1.\nx = 1.\n```\nDone."
    assert without_repeats(shaped) == "It adds.\n\nIt skips 0.\n```python\nx = 1.\nx = 1.\n```\nDone."
    assert without_repeats("It adds. It adds too.") == "It adds. It adds too."  # nothing repeats: as is


def test_an_assert_of_constants_looped_in_the_tests_is_kept_once() -> None:
    # the 0.5B test writer's to_filename tests, session 19: one assert some forty times, then the reply cut
    looped = 'assert to_filename("project-123") == "project_123"\n'
    reply = "```python\n# Test cases\n" + looped * 40 + 'assert to_filename("a") == "a"\n```\nThese check it.\n'
    once = "```python\n# Test cases\n" + looped + 'assert to_filename("a") == "a"\n```\nThese check it.\n'
    assert without_repeated_asserts(reply) == once
    assert without_repeated_asserts(reply + "```python\n" + looped + "```") == once + "```python\n```"  # any block
    # a call that may see other state the second time, an indented copy (another block of code), prose: kept
    kept = "```python\nassert s.pop() == 1\nassert s.pop() == 1\nassert f(x) == 1\nassert f(x) == 1\n"
    kept += "def test():\n    assert f(1) == 2\nassert f(1) == 2\n```\nassert f(1) == 2\nassert f(1) == 2\n"
    assert without_repeated_asserts(kept) == kept
    # indented: a repeat right after itself goes, the same line in another function's body stays
    bodies = "```python\ndef test_a():\n    assert f(1) == 2\n    assert f(1) == 2\n\n"
    bodies += "def test_b():\n    assert f(1) == 2\n```"
    assert without_repeated_asserts(bodies) == bodies.replace("    assert f(1) == 2\n    assert", "    assert", 1)
