"""The check a failed run stopped at (``agents/failing_check``): read from the interpreter's traceback as the engines
write it, quoted again before the request for a revision, and given to a programmer that starts over, without the
code it would copy."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from aiev.agents.failing_check import failing_check
from aiev.agents.programmer import programmer_view, starting_afresh
from aiev.agents.prompts import load_prompt
from aiev.graphs.execute import interpreter_text
from aiev.sandbox.types import ExecRequest

CODE = (
    "def findparam(name, plist):\n    for p in plist:\n        if p.startswith(name):\n"
    "            return p[len(name) :]\n"
)
KEYS = "def key(k):\n    return {'a': 1}[k.upper()]\n"


def interpreter(text: str, outcome: str = "failed") -> HumanMessage:
    return HumanMessage(content=text, name="interpreter", additional_kwargs={"outcome": outcome})


@pytest.mark.parametrize(
    ("code", "tests", "line", "error"),
    [
        (
            CODE,
            "assert findparam('name', ['name=red']) == 'red'\n",
            "assert findparam('name', ['name=red']) == 'red'",
            "AssertionError: findparam('name', ['name=red']) is '=red'; the test expects 'red'",
        ),
        (  # raised inside the code: the test line that called it, and the error
            KEYS,
            "def test_key():\n    assert key('a') == 1\n\n\ntest_key()\n",
            "assert key('a') == 1",
            "KeyError: 'A'",
        ),
        (  # no assert on the way: the outermost line of the program
            KEYS,
            "key('b')\n",
            "key('b')",
            "KeyError: 'B'",
        ),
    ],
    ids=["values", "raised-in-the-code", "no-assert"],
)
def test_the_check_is_the_test_line_and_the_error_of_a_real_traceback(local_engine, code, tests, line, error) -> None:
    result = local_engine.run(ExecRequest(files={"main.py": code}, tests=tests))
    assert failing_check([interpreter(interpreter_text(result))]) == (line, error)


def test_only_a_failed_run_with_a_traceback_of_the_program_has_a_check() -> None:
    traceback = (
        'Traceback (most recent call last):\n  File "/work/x/main.py", line 3, in <module>\n    f()\nValueError\n'
    )
    assert failing_check([interpreter("Execution timed out and was killed.")]) is None
    assert failing_check([interpreter(traceback, outcome="error")]) is None  # a refusal, a failed install
    library = (
        'Traceback (most recent call last):\n  File "/usr/lib/python3.11/json/__init__.py", line 3, in x\n    y\nE\n'
    )
    assert failing_check([interpreter(library)]) is None
    # the latest failed run counts, past a refusal of resent code
    later = [interpreter(traceback), interpreter(load_prompt("interpreter_unchanged"), outcome="error")]
    assert failing_check(later) == ("f()", "ValueError")
    long = traceback.replace("f()", "f(" + "1, " * 300 + ")")
    assert failing_check([interpreter(long)])[0].endswith(" ...") and len(failing_check([interpreter(long)])[0]) < 420


def test_a_revision_ends_with_the_check_and_a_fresh_start_gets_it_without_the_old_code() -> None:
    traceback = (
        'Execution failed with exit code 1.\nTraceback (most recent call last):\n  File "/work/x/main.py", line 6, in '
        "<module>\n    assert findparam('name', ['name=red']) == 'red'\nAssertionError: findparam('name', "
        "['name=red']) is '=red'; the test expects 'red'"
    )
    messages = [
        HumanMessage(content="Write findparam.", name="questioner"),
        AIMessage(content=f"```python\n{CODE}```", name="programmer"),
        interpreter(traceback),
        AIMessage(content="It keeps the separator.", name="error_analyst"),
    ]
    last = programmer_view(messages)[-1].content
    assert last.index("It keeps the separator.") < last.rindex("the test expects 'red'")  # quoted again after it
    assert last.endswith("Make the code pass this check.\n\n" + load_prompt("programmer_revision_request"))
    afresh = starting_afresh([*messages[:3], AIMessage(content=f"```python\n{CODE}```", name="programmer")])
    view = programmer_view(afresh)
    assert [m.type for m in view] == ["system", "human"]  # the task and the check: no code of its own
    assert "p[len(name) :]" not in str(view) and "is '=red'; the test expects 'red'" in view[-1].content
    assert view[-1].content.startswith("Write findparam.\n\nA solution to this problem was tried and failed")
    assert starting_afresh(messages[:2]) == messages[:1]  # nothing failed yet: the task alone
