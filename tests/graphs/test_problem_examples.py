"""The problem's example values are checked against the seed and corrected from it (``graphs/problem_examples.py``).

Seen with the embedded 0.5B questioner: "``weekday(2023, 1, 1)`` should return ``1`` (Monday)" for a seed that
returns 6 (a Sunday). Scripted role models and the real local sandbox: the seed really runs.
"""

from __future__ import annotations

import pytest
from scripted_roles import run_seed

from aiev.agents.context import Context
from aiev.graphs.problem_examples import bounded, checked_problem, examples, signature_stub

SEED_CODE = "def safe_name(s):\n    return s.replace(' ', '-')\n"
SEED = {"id": "safe", "snippet": SEED_CODE, "source": "test"}
RIGHT_CODE = "```python\ndef safe_name(s):\n    return s.replace(' ', '-')\n```"
RIGHT_TESTS = "```python\nassert safe_name('Hello World') == 'Hello-World'\nassert safe_name('a b c') == 'a-b-c'\n```"


@pytest.fixture
def context() -> Context:
    return Context.from_mapping({"sandbox": "local", "timeout_s": 10.0})


@pytest.mark.parametrize(
    ("line", "call", "value"),
    [
        ("- `safe_name('a b')` should return `'a_b'` (spaces).", "safe_name('a b')", "'a_b'"),
        ("safe_name('a b') -> 'a_b'", "safe_name('a b')", "'a_b'"),
        ("`safe_name('a b') -> 'a_b'`", "safe_name('a b')", "'a_b'"),
        ("print(safe_name('a b'))  # Output: 'a_b'", "safe_name('a b')", "'a_b'"),
        ("assert safe_name('a (b)') == 'a_(b)'", "safe_name('a (b)')", "'a_(b)'"),
        ("safe_name('x') returns ['x', 1].", "safe_name('x')", "['x', 1]"),
        (">>> safe_name('a b')\n'a_b'", "safe_name('a b')", "'a_b'"),  # a doctest: the value on the next line
        ("```python\n    >>> safe_name('a b')\n    'a_b'\n```", "safe_name('a b')", "'a_b'"),
    ],
)
def test_examples_are_found_in_the_forms_questioners_write(line: str, call: str, value: str) -> None:
    [example] = examples(f"Examples:\n{line}\n", "safe_name")
    assert (example.call, example.value) == (call, value)
    assert f"Examples:\n{line}\n"[example.start : example.end] == value


@pytest.mark.parametrize(
    "line",
    [
        "Call `safe_name(s)` with a string.",  # no value
        "safe_name('a b') -> a string with hyphens",  # not a literal
        "not_safe_name('a b') -> 'a_b'",  # another function
        "safe_name('a b' -> 'a_b'",  # unbalanced
        ">>> safe_name('a b').upper()\n'A_B'",  # a doctest of more than the call
        ">>> safe_name('a b')\na string",  # a doctest whose output is no literal
    ],
)
def test_text_that_is_not_an_example_with_a_value_is_not_one(line: str) -> None:
    assert examples(line, "safe_name") == []


@pytest.mark.parametrize(
    ("problem", "stub"),
    [
        ("Signature: `safe_name(s: str) -> str`", "def safe_name(s: str) -> str: ...\n"),
        ("```python\ndef safe_name(s: str) -> str:\n    ...\n```", "def safe_name(s: str) -> str: ...\n"),
        ("Example: safe_name('a b') -> 'a-b'\nSignature: safe_name(s)", "def safe_name(s): ...\n"),
        ("Write safe_name for strings.", None),
    ],
)
def test_the_signature_is_read_where_the_problem_states_it(problem: str, stub: str | None) -> None:
    assert signature_stub(problem, "safe_name") == stub


def test_wrong_example_values_are_replaced_by_the_seeds_and_the_rest_stays(context) -> None:
    problem = (
        "Write `safe_name(s: str) -> str`: spaces become hyphens.\n"
        "- `safe_name('Hello World')` should return `'Hello_World'`.\n"
        "- `safe_name('ab')` should return `'ab'`.\n"
        "- `safe_name(3)` should return `'3'`.\n"  # the seed raises: left alone
    )
    fixed, count = checked_problem(problem, "safe_name", SEED_CODE, context)
    assert count == 1
    assert fixed == problem.replace("`'Hello_World'`", "`'Hello-World'`")


@pytest.mark.parametrize(
    "problem",
    [
        "Write `slug(s)`: spaces become underscores.\n- `slug('a b')` returns `'a_b'`.",  # renamed
        "Write `safe_name(text, sep)`.\n- `safe_name('a b', '_')` returns `'a_b'`.",  # another signature
        "Write `safe_name(text)`.\n- `safe_name(text='a b')` returns `'a_b'`.",  # a renamed parameter, named
    ],
)
def test_a_problem_that_does_not_keep_the_seeds_function_is_left_alone(context, problem: str) -> None:
    entry = problem.split("`")[1].split("(")[0]
    assert checked_problem(problem, entry, SEED_CODE, context) == (problem, 0)


def test_a_renamed_parameter_is_checked_when_the_examples_pass_it_by_position(context) -> None:
    problem = "Write `safe_name(text)`.\n- `safe_name('a b')` returns `'a_b'`."
    assert checked_problem(problem, "safe_name", SEED_CODE, context) == (problem.replace("'a_b'", "'a-b'"), 1)


def test_the_dialogue_states_the_corrected_problem(scripted_roles) -> None:
    problem = (
        "Write `safe_name(s: str) -> str`: spaces become hyphens.\n"
        "Example: `safe_name('Hello World')` should return `'Hello_World'`."
    )
    scripted = scripted_roles(questioner=[problem], programmer=[RIGHT_CODE], test_writer=[RIGHT_TESTS])
    state = run_seed(scripted, SEED)
    assert state["verdict"]["status"] == "passed"
    corrected = problem.replace("'Hello_World'", "'Hello-World'")
    assert state["problem"] == corrected and state["messages"][0].content == corrected
    assert state["messages"][0].additional_kwargs["examples_repaired_from_reference"] == 1
    shown = [message.content for message in scripted.models["programmer"].calls[0]]
    assert corrected in shown[-1] and "Hello_World" not in str(shown)  # what the programmer was shown


def test_a_problem_that_states_no_signature_gets_the_seeds_and_its_examples_are_checked(scripted_roles) -> None:
    # the 0.5B's unquote problem gave its signature in words: nothing could check its examples
    problem = (
        "Write a function `safe_name` that takes one string and turns its spaces into hyphens.\n"
        "Example: `safe_name('Hello World')` should return `'Hello_World'`."
    )
    scripted = scripted_roles(questioner=[problem], programmer=[RIGHT_CODE], test_writer=[RIGHT_TESTS])
    state = run_seed(scripted, SEED)
    stated = (
        problem.replace("'Hello_World'", "'Hello-World'") + "\n\nSignature:\n```python\ndef safe_name(s):\n    ...\n```"
    )
    assert state["problem"] == stated and state["messages"][0].content == stated
    meta = state["messages"][0].additional_kwargs
    assert meta["signature_from_seed"] is True and meta["examples_repaired_from_reference"] == 1
    # a problem that states its signature keeps its own text
    scripted = scripted_roles(
        questioner=[problem.replace("`safe_name`", "`safe_name(s)`")],
        programmer=[RIGHT_CODE],
        test_writer=[RIGHT_TESTS],
    )
    state = run_seed(scripted, SEED)
    assert (
        "Signature:" not in state["problem"] and state["messages"][0].additional_kwargs["signature_from_seed"] is False
    )


def test_a_looping_list_of_examples_is_cut_to_the_first_distinct_ones() -> None:
    # the 0.5B's strtobool problem: 28 examples, then the token cap
    calls = [("'y'", 1), ("'yes'", 1), ("'t'", 1), ("'n'", 0), ("'y'", 1), ("'true'", 1), ("'on'", 1)]
    calls += [("'false'", 0), ("'true'", 1)]
    listed = "".join(f"- `strtobool({arg})` -> `{value}`\n" for arg, value in calls)
    problem = f"Write `strtobool(val)`.\n\nExamples:\n{listed}\nEdge: strtobool('on') -> 1 because 'on' is true.\n"
    fixed, dropped = bounded(problem, "strtobool", keep=5)
    assert dropped == 4  # the repeated 'y', then 'true', 'on', 'false' past the fifth distinct call ('true' kept)
    kept = [line for line in fixed.splitlines() if line.startswith("- ")]
    assert [line.split("(")[1].split(")")[0] for line in kept] == ["'y'", "'yes'", "'t'", "'n'", "'true'"]
    assert "Edge: strtobool('on') -> 1 because 'on' is true." in fixed  # more than an example on its line
    assert bounded(problem, None) == (problem, 0)


def test_example_lines_repeated_word_for_word_go_and_a_gloss_does_not_keep_one_past_the_bound() -> None:
    # the 0.5B's weekday problem: two lines alternating 11 times, each with a day name after it
    pair = (
        "- `weekday(2023, 12, 30)` should return `5` (Saturday)\n- `weekday(2023, 1, 31)` should return `1` (Monday)\n"
    )
    problem = "Write `weekday(year, month, day)`.\nExamples:\n" + pair * 11
    fixed, dropped = bounded(problem, "weekday")
    assert dropped == 20 and fixed == "Write `weekday(year, month, day)`.\nExamples:\n" + pair
    glossed = "".join(f"- `weekday(2023, 1, {d})` should return `{d % 7}` (day {d}).\n" for d in range(1, 9))
    assert bounded(glossed, "weekday")[1] == 3


def test_a_doctest_list_is_bounded_two_lines_an_example_and_its_values_checked(context) -> None:
    # the 0.5B's make_encoding_map problem (the demo's draw): doctests that return the input unchanged, one too many
    doctests = "".join(f">>> safe_name('a {c}')\n'a {c}'\n" for c in "bcdefg")
    problem = f"Write `safe_name(s: str) -> str`.\n```python\n{doctests}>>> safe_name('cut\n"
    fixed, dropped = bounded(problem, "safe_name")
    assert dropped == 1 and ">>> safe_name('a g')" not in fixed and "'a g'" not in fixed
    checked, count = checked_problem(fixed, "safe_name", SEED_CODE, context)
    assert count == 5 and ">>> safe_name('a b')\n'a-b'\n>>> safe_name('a c')\n'a-c'\n" in checked
