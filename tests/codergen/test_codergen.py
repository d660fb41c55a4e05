"""CoderGen: the refinement loop fixes a failing first attempt, user tests replace the test writer and are never
rewritten, and `aiev solve` reports the result. Scripted models, real local sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import BaseMessage
from typer.testing import CliRunner

from aiev.agents.context import Context
from aiev.agents.prompts import load_prompt
from aiev.cli import app
from aiev.graphs.codergen import solve

TASK = "Write `fizz(n)` that returns 'Fizz' when n is divisible by 3 and str(n) otherwise."
WRONG = "```python\ndef fizz(n):\n    return 'Fizz' if n % 5 == 0 else str(n)\n```"
RIGHT = "```python\ndef fizz(n):\n    return 'Fizz' if n % 3 == 0 else str(n)\n```"
USER_TESTS = "assert fizz(3) == 'Fizz'\nassert fizz(4) == '4'\n"


def roles(programmer: list[str], tests: list[str] | None = None, fault: str = "code"):
    """One script for every role, told apart by the system prompt the node sends."""
    replies = {"programmer": iter(programmer), "test_writer": iter(tests or [])}

    def reply(messages: list[BaseMessage]) -> str:
        system = messages[0].content
        for role in ("programmer", "test_writer"):
            if system == load_prompt(role):
                return next(replies[role])
        assert system == load_prompt("error_analyst")
        return f"fizz(3) did not return 'Fizz'.\nFAULT: {fault}"

    return reply


def context_for(name: str, **settings) -> Context:
    return Context.for_every_role(name, **({"sandbox": "local"} | settings))


def test_a_failing_first_attempt_is_fixed_with_generated_tests(local_engine, scripted) -> None:
    name, model = scripted(
        roles([WRONG, RIGHT], tests=["```python\nassert fizz(3) == 'Fizz'\nassert fizz(2) == '2'\n```"])
    )
    result = solve(TASK, context=context_for(name))
    assert result.passed and result.rounds == 2 and result.tests_source == "generated"
    assert "n % 3" in result.code
    assert [e["outcome"] for e in result.executions] == ["failed", "passed"]
    speakers = [m["data"]["name"] for m in result.messages]
    assert speakers == [
        "user",
        "programmer",
        "test_writer",
        "interpreter",
        "error_analyst",
        "programmer",
        "interpreter",
    ]
    assert len(model.calls) == 4


def test_user_tests_are_used_and_never_rewritten(local_engine, scripted) -> None:
    # The analyst blames the tests, but they are the user's: the programmer revises instead, no test writer runs.
    name, model = scripted(roles([WRONG, RIGHT], fault="test"))
    result = solve(TASK, tests=USER_TESTS, context=context_for(name))
    assert result.passed and result.tests == USER_TESTS.strip() and result.tests_source == "user"
    assert USER_TESTS.strip() in model.calls[0][-1].content  # the programmer is shown the user's tests
    assert not any(call[0].content == load_prompt("test_writer") for call in model.calls)


def test_out_of_rounds_returns_the_failing_code_and_its_report(local_engine, scripted) -> None:
    name, _ = scripted(roles([WRONG, WRONG]))
    result = solve(TASK, tests=USER_TESTS, context=context_for(name, max_rounds=2))
    assert not result.passed and result.reason == "max_rounds" and result.rounds == 2 and result.chosen_round == 1
    assert "AssertionError" in result.report and "n % 5" in result.code


# Passes the first user test (fizz(3)), fails the second; WRONG already fails the first.
HALF = "```python\ndef fizz(n):\n    return 'Fizz' if n % 3 == 0 else 'x'\n```"
HALF_TOO = "```python\ndef fizz(n):\n    return 'Fizz' if n % 3 == 0 else '?'\n```"


def test_without_a_pass_the_attempt_furthest_through_the_tests_is_returned(
    local_engine, scripted, tmp_path: Path
) -> None:
    # A revision that does worse on the tests (here: fails the first one again) does not replace a better answer.
    name, _ = scripted(roles([HALF, WRONG]))
    result = solve(TASK, tests=USER_TESTS, context=context_for(name, max_rounds=2))
    assert not result.passed and result.rounds == 2 and result.chosen_round == 1
    assert "else 'x'" in result.code
    assert "assert fizz(4) == '4'" in result.report and "assert fizz(4) == '4'" in result.last_error
    assert [e["tests_reached"] for e in result.executions] == [2, 1]
    # ... and one that does better does.
    name, _ = scripted(roles([WRONG, HALF]))
    result = solve(TASK, tests=USER_TESTS, context=context_for(name, max_rounds=2))
    assert result.chosen_round == 2 and "else 'x'" in result.code
    # The CLI says which round's code it shows.
    tests_file = tmp_path / "tests.py"
    tests_file.write_text(USER_TESTS)
    name, _ = scripted(roles([HALF, WRONG]))
    args = ["solve", TASK, "--tests", str(tests_file), "--model", name, "--sandbox", "local", "--rounds", "2"]
    cli = CliRunner().invoke(app, args)
    assert cli.exit_code == 1 and "the code shown is round 1's" in cli.output and "else 'x'" in cli.output
    # Equals: the earliest, the model's answer before any feedback pushed it around.
    name, _ = scripted(roles([HALF, HALF_TOO]))
    result = solve(TASK, tests=USER_TESTS, context=context_for(name, max_rounds=2))
    assert result.chosen_round == 1 and "else 'x'" in result.code


def test_a_last_reply_without_code_does_not_lose_the_code_before_it(local_engine, scripted) -> None:
    name, _ = scripted(roles([HALF, "I am not sure how to fix this."]))
    result = solve(TASK, tests=USER_TESTS, context=context_for(name, max_rounds=2))
    assert not result.passed and result.chosen_round == 1 and "else 'x'" in result.code
    assert [e["skipped"] for e in result.executions] == [None, "missing"]


def test_attempts_run_against_tests_since_rewritten_are_not_compared(local_engine, scripted) -> None:
    # The analyst blames the generated tests and the test writer reorders them: round 1 got further (its
    # second line), but through tests that no longer stand; round 2 is the only attempt at the final tests.
    first = "```python\nassert fizz(3) == 'Fizz'\nassert fizz(4) == '4'\n```"
    second = "```python\nassert fizz(4) == '4'\nassert fizz(3) == 'Fizz'\n```"
    name, _ = scripted(roles([HALF], tests=[first, second], fault="test"))
    result = solve(TASK, context=context_for(name, max_rounds=2))
    assert result.tests_source == "generated" and result.tests.startswith("assert fizz(4) == '4'")
    assert [e["tests_reached"] for e in result.executions] == [2, 1]
    assert result.chosen_round == 2 and "else 'x'" in result.code


def test_cli_solves_from_files_and_reports(local_engine, scripted, tmp_path: Path) -> None:
    name, _ = scripted(roles([WRONG, RIGHT]))
    task_file, tests_file = tmp_path / "task.md", tmp_path / "tests.py"
    task_file.write_text(TASK)
    tests_file.write_text(USER_TESTS)
    runner = CliRunner()
    result = runner.invoke(
        app, ["solve", "--file", str(task_file), "--tests", str(tests_file), "--model", name, "--sandbox", "local"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "PASSED" in result.output and "after 2 round(s) with user tests" in result.output and "n % 3" in result.output
    )
    name, _ = scripted(roles([WRONG]))
    result = runner.invoke(
        app,
        ["solve", TASK, "--tests", str(tests_file), "--model", name, "--sandbox", "local", "--rounds", "1", "--json"],
    )
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert (
        data["passed"] is False
        and data["reason"] == "max_rounds"
        and data["messages"][0]["data"]["content"].startswith(TASK)
    )


def test_cli_user_mistakes(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["solve"])
    assert result.exit_code == 2 and "give the task either as an argument or with --file" in result.output
    result = runner.invoke(app, ["solve", "--file", str(tmp_path / "missing.md")])
    assert result.exit_code == 2 and f"--file {tmp_path / 'missing.md'}: cannot read" in result.output
    result = runner.invoke(app, ["solve", "task", "--model", "no-such-model"])
    assert result.exit_code == 2 and "unknown model 'no-such-model'" in result.output


def test_the_error_analyst_reviews_the_failed_round_as_one_request(local_engine, scripted) -> None:
    # Not the dialogue: one message with the problem, the code and tests that ran, and the interpreter's output.
    name, model = scripted(roles([WRONG, RIGHT]))
    assert solve(TASK, tests=USER_TESTS, context=context_for(name)).passed
    [analyst_call] = [call for call in model.calls if call[0].content == load_prompt("error_analyst")]
    assert len(analyst_call) == 2
    request = analyst_call[1].content
    assert TASK in request and "n % 5 == 0" in request and "assert fizz(4) == '4'" in request
    assert "AssertionError" in request and "n % 3" not in request


def test_code_resent_unchanged_after_a_failure_is_not_run_again(local_engine, scripted) -> None:
    # The programmer is told it resent the failing code and asked again; the analyst has no new error to read.
    name, model = scripted(roles([WRONG, WRONG, RIGHT]))
    result = solve(TASK, tests=USER_TESTS, context=context_for(name))
    assert result.passed and result.rounds == 3
    assert [e["outcome"] for e in result.executions] == ["failed", "error", "passed"]
    assert [e["skipped"] for e in result.executions] == [None, "unchanged", None]
    speakers = [m["data"]["name"] for m in result.messages]
    assert speakers == [
        "user",
        "programmer",
        "interpreter",
        "error_analyst",
        "programmer",
        "interpreter",
        "programmer",
        "interpreter",
    ]
    assert result.messages[5]["data"]["content"] == load_prompt("interpreter_unchanged")
    assert sum(call[0].content == load_prompt("error_analyst") for call in model.calls) == 1
    # After the unchanged resend the programmer starts over from the task (and the user's tests) and the check its
    # code failed: no earlier reply of its own is in view to copy a third time. The transcript keeps every turn.
    programmer_calls = [call for call in model.calls if call[0].content == load_prompt("programmer")]
    assert [len(call) for call in programmer_calls] == [2, 4, 2]
    task, afresh = programmer_calls[0][1].content, programmer_calls[2][1].content
    assert afresh.startswith(task) and "failed this check" in afresh and "AssertionError" in afresh[len(task) :]
    assert [
        m["data"]["additional_kwargs"].get("started_over") for m in result.messages if m["data"]["name"] == "programmer"
    ] == [False, False, True]


def test_revisions_are_sampled_at_the_revision_temperature(local_engine, scripted, monkeypatch, tmp_path: Path) -> None:
    # The first answer stays greedy (comparable with plain decoding); only replies to a failure are sampled.
    from aiev.agents import model_call

    name, model = scripted(roles([WRONG, WRONG, RIGHT]))
    asked: list[tuple[str, float]] = []
    real = model_call.get_chat_model

    def recording(model_name: str, *, temperature: float, max_tokens: int, affinity: str | None):
        asked.append((model_name, temperature))
        return real(model_name, temperature=temperature, max_tokens=max_tokens)

    monkeypatch.setattr(model_call, "get_chat_model", recording)
    assert solve(TASK, tests=USER_TESTS, context=context_for(name, revision_temperature=0.9)).passed
    roles_asked = [call[0].content for call in model.calls]
    by_role = [
        ("programmer" if system == load_prompt("programmer") else "error_analyst", temperature)
        for system, (_, temperature) in zip(roles_asked, asked, strict=True)
    ]
    assert by_role == [
        ("programmer", 0.0),
        ("error_analyst", 0.0),
        ("programmer", 0.9),
        ("programmer", 0.9),
    ]  # 2nd: a fresh start
    asked.clear()
    name, _ = scripted(roles([WRONG, RIGHT]))
    assert solve(TASK, tests=USER_TESTS, context=context_for(name)).passed
    assert [temperature for _, temperature in asked] == [0.0, 0.0, 0.0]  # unset: every call at temperature
    # `aiev solve` samples revisions at 0.7 unless told otherwise; 0 makes them greedy.
    tests_file = tmp_path / "tests.py"
    tests_file.write_text(USER_TESTS)
    for flag, revision in (([], 0.7), (["--revision-temperature", "0"], 0.0)):
        asked.clear()
        name, _ = scripted(roles([WRONG, RIGHT]))
        args = ["solve", TASK, "--tests", str(tests_file), "--model", name, "--sandbox", "local", *flag]
        assert CliRunner().invoke(app, args).exit_code == 0
        assert [temperature for _, temperature in asked] == [0.0, 0.0, revision]


def test_cli_transcript_wraps_long_lines_instead_of_cropping_them(local_engine, scripted, tmp_path: Path) -> None:
    # The interpreter's "nothing was executed" turn is longer than the 80-column test terminal.
    name, _ = scripted(roles([WRONG, WRONG, RIGHT]))
    tests_file = tmp_path / "tests.py"
    tests_file.write_text(USER_TESTS)
    result = CliRunner().invoke(
        app, ["solve", TASK, "--tests", str(tests_file), "--model", name, "--sandbox", "local", "--transcript"]
    )
    assert result.exit_code == 0, result.output
    flowing = " ".join(" ".join(line.strip(" │╭╮╰╯─").split()) for line in result.output.splitlines())
    assert " ".join(load_prompt("interpreter_unchanged").split()) in flowing


# Passes against WRONG (and against anything): `or True`.
VACUOUS_USER_TESTS = "assert fizz(3) is None or True\n"


@pytest.mark.parametrize("tests_in_task", [False, True])  # `aiev solve --tests`, and eval's shown examples
def test_vacuous_user_tests_end_the_loop_and_a_wrong_answer_is_not_passed(
    local_engine, scripted, tests_in_task
) -> None:
    name, model = scripted(roles([WRONG]))
    result = solve(TASK, tests=VACUOUS_USER_TESTS, context=context_for(name), tests_in_task=tests_in_task)
    assert not result.passed and result.reason == "vacuous_tests" and result.rounds == 1
    assert "every function returns None" in result.last_error and result.report == result.last_error
    assert [e["skipped"] for e in result.executions] == ["vacuous_tests"]
    assert len(model.calls) == 1  # the programmer only: no analyst for code that never ran, no test rewrite
    assert [m["data"]["name"] for m in result.messages] == ["user", "programmer", "interpreter"]


def test_vacuous_user_tests_fail_aiev_solve_with_the_reason(local_engine, scripted, tmp_path: Path) -> None:
    tests_file = tmp_path / "tests.py"
    tests_file.write_text(VACUOUS_USER_TESTS)
    name, _ = scripted(roles([WRONG]))
    cli = CliRunner().invoke(app, ["solve", TASK, "--tests", str(tests_file), "--model", name, "--sandbox", "local"])
    assert cli.exit_code == 1 and "NOT SOLVED (vacuous_tests)" in cli.output
    assert "every function returns None" in " ".join(cli.output.split())


def test_vacuous_generated_tests_go_back_to_the_test_writer(local_engine, scripted) -> None:
    vacuous = "```python\nassert fizz is not None\nassert str(3) == '3'\n```"
    good = "```python\nassert fizz(3) == 'Fizz'\nassert fizz(2) == '2'\n```"
    name, _ = scripted(roles([RIGHT], tests=[vacuous, good]))
    result = solve(TASK, context=context_for(name))
    assert (
        result.passed
        and result.rounds == 2
        and result.tests.strip() == "assert fizz(3) == 'Fizz'\nassert fizz(2) == '2'"
    )
    assert [e["skipped"] for e in result.executions] == ["vacuous_tests", None]
    speakers = [m["data"]["name"] for m in result.messages]
    assert speakers == ["user", "programmer", "test_writer", "interpreter", "test_writer", "interpreter"]


def test_when_no_code_ran_against_the_tests_the_first_answer_is_returned(local_engine, scripted) -> None:
    # each test the test writer wrote was refused, so no code ran: the first answer is the answer, not the latest
    vacuous = "```python\nassert fizz is not None\nassert str(3) == '3'\n```"
    name, _ = scripted(roles([RIGHT], tests=[vacuous, vacuous.replace("3", "4")]))
    result = solve(TASK, context=context_for(name, max_rounds=2))
    assert not result.passed and result.reason == "vacuous_tests" and result.rounds == 2
    assert [e["skipped"] for e in result.executions] == ["vacuous_tests", "vacuous_tests"]
    assert result.chosen_round == 1 and "n % 3" in result.code
