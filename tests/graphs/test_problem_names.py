"""The problem's function under the seed's name (``graphs/problem_names.py``), so that the seed can check it."""

from __future__ import annotations

import pytest
from scripted_roles import run_seed

from aiev.graphs.problem_names import renamed, seed_named

SEED = "import time\n\ndef mktime_tz(data):\n    return int(data[0])\n\ndef helper(a, b=1):\n    return a\n"


@pytest.mark.parametrize(
    ("problem", "entry_point", "expected"),
    [
        ("```python\ndef convert_to_timestamp(data: tuple) -> int:\n```", "convert_to_timestamp", "mktime_tz"),
        # parameters in the same order with their defaults and hints: the seed's other function
        ("def pick(a: int,\n         b: int = 1) -> int:", "pick", "helper"),
        # other parameter names, another count, no signature in the problem, the seed's own name: nothing to rename
        ("def convert(stamp: tuple) -> int:", "convert", None),
        ("def convert(data, tz) -> int:", "convert", None),
        ("Write `convert(data)`.", "convert", None),
        ("def mktime_tz(data):", "mktime_tz", None),
        # the seed's name already stands for something else in the problem
        ("def convert(data):\nUse it like mktime_tz.", "convert", None),
        ("def convert(data):", None, None),
    ],
)
def test_seed_named_finds_the_one_seed_function_with_the_same_parameters(problem, entry_point, expected) -> None:
    assert seed_named(problem, entry_point, SEED) == expected


def test_renamed_changes_whole_identifiers_only() -> None:
    problem = "def convert(data):\n`convert((1,))` -> 1; not convert_all, obj.convert or reconvert"
    assert renamed(problem, "convert", "mktime_tz") == (
        "def mktime_tz(data):\n`mktime_tz((1,))` -> 1; not convert_all, obj.convert or reconvert"
    )


def test_a_renamed_problem_lets_the_seed_repair_the_tests(scripted_roles) -> None:
    seed = {"id": "safe", "snippet": "def safe_name(s):\n    return s.replace(' ', '-')\n", "source": "test"}
    problem = "Write `slugify(s)`: spaces become hyphens.\n```python\ndef slugify(s: str) -> str:\n```"
    code = "```python\ndef safe_name(s):\n    return '-'.join(s.split(' '))\n```"
    wrong = "```python\nassert safe_name('a b') == 'a_b'\nassert safe_name('xy') == 'xy'\n```"
    scripted = scripted_roles(questioner=[problem], programmer=[code], test_writer=[wrong])
    state = run_seed(scripted, seed)
    assert state["entry_point"] == "safe_name" and "slugify" not in state["problem"]
    turn = state["messages"][0]
    assert turn.content == state["problem"] and turn.additional_kwargs["renamed_from"] == "slugify"
    # the programmer was shown the seed's name, and the seed could repair the tests (without it: contradicts nothing)
    assert "safe_name" in scripted.models["programmer"].calls[0][-1].content
    assert state["verdict"]["status"] == "passed" and state["tests"].startswith("assert safe_name('a b') == 'a-b'\n")
