"""bench/codergen_selection.py: one CoderGen round per task, every candidate judged by the hidden tests, and the
policies that choose among them scored against the same candidates; resumed without asking the model again, and a
directory measured with other settings refused. A scripted model, the real local sandbox.

HumanEval/0's answers are all right and pass their tests. HumanEval/2's greedy answer is wrong; two of the three
sampled answers are right but fail the test writer's second assert, whose expected value is wrong; the third is wrong
another way. So following the greedy answer gets 1 of 2, and agreement (CodeT) or the largest group gets 2: the round
whose tests are wrong, the case the bench exists to count.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from eval_data import CLOSE, DATA, TRUNCATE
from langchain_core.messages import BaseMessage

from aiev.agents.prompts import load_prompt

SCRIPT = Path(__file__).parents[2] / "bench" / "codergen_selection.py"
_spec = importlib.util.spec_from_file_location("codergen_selection", SCRIPT)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

OFF_BY_A_TENTH = "```python\ndef truncate_number(number):\n    return number - int(number) + 0.1\n```"
ROUNDED = "```python\ndef truncate_number(number):\n    return round(number - int(number), 1)\n```"
WRONG_TESTS = "```python\nassert truncate_number(2.5) == 0.5\nassert truncate_number(3.25) == 0.3\n```"
CLOSE_TESTS = (
    "```python\nassert has_close_elements([1.0, 1.1], 0.5) == True\nassert has_close_elements([1.0], 1) == False\n```"
)


def script(tests: dict[str, str] | None = None):
    """The programmer's answers in call order per task (the first is the greedy one, asked before the tests)."""
    answers = {"truncate_number": iter([OFF_BY_A_TENTH, TRUNCATE, TRUNCATE, ROUNDED]), "has_close": iter([CLOSE] * 4)}
    tests = tests or {"has_close": CLOSE_TESTS, "truncate_number": WRONG_TESTS}

    def reply(messages: list[BaseMessage]) -> str:
        system, task = messages[0].content, messages[-1].content
        name = "has_close" if "has_close_elements" in task else "truncate_number"
        if system == load_prompt("test_writer"):
            return tests[name]
        assert system == load_prompt("programmer"), "only the programmer and the test writer are asked"
        return next(answers[name])

    return reply


def argv(out: Path, *extra: str) -> list[str]:
    return [
        "--data", str(DATA / "humaneval.jsonl"), "--sample", "2", "--draw-seed", "5", "--sandbox", "local",
        "--concurrency", "1", "--out", str(out), *extra,
    ]  # fmt: skip


def test_policies_are_scored_on_the_same_candidates_and_the_run_resumes(
    local_engine, scripted, tmp_path: Path, capsys
) -> None:
    name, model = scripted(script())
    figures = bench.main(argv(tmp_path, "--model", name))
    right = {policy: figure["right"] for policy, figure in figures["policies"].items()}
    assert right == {"greedy": 1, "coder-gen": 2, "codet": 2, "majority": 2, "oracle": 2}
    assert figures["policies"]["codet"]["won_vs_greedy"] == 1 and figures["policies"]["codet"]["lost_vs_greedy"] == 0
    assert figures["largest_group"] == {
        "2": {"tasks": 1, "right": 1, "fails_tests": 1, "right_and_fails_tests": 1},
        "4": {"tasks": 1, "right": 1, "fails_tests": 0, "right_and_fails_tests": 0},
    }
    assert figures["right_candidate_fails_every_generated_test_run"] == 1 and figures["tests_refused"] == 0

    rows = {r["task_id"]: r for r in map(json.loads, (tmp_path / "sample-2-seed-5" / "rounds.jsonl").open())}
    truncate = rows["HumanEval/2"]
    assert [c["hidden"] for c in truncate["candidates"]].count(True) == 2
    assert not truncate["candidates"][0]["hidden"] and not any(c["passed_generated"] for c in truncate["candidates"])
    assert truncate["tests"] == WRONG_TESTS.removeprefix("```python\n").removesuffix("```")
    assert rows["HumanEval/0"]["candidates"][0]["passed_generated"] and rows["HumanEval/0"]["choice"]["coder-gen"] == 0
    calls = len(model.calls)

    again = bench.main(argv(tmp_path, "--model", name))
    assert len(model.calls) == calls and again["policies"] == figures["policies"]
    printed = capsys.readouterr().out
    assert "2 tasks already measured, 0 to go" in printed and "--draw-seed 5" in printed

    with pytest.raises(SystemExit, match="was measured with other candidates: use another --out"):
        bench.main(argv(tmp_path, "--model", name, "--candidates", "3"))


def test_refused_tests_leave_the_greedy_answer_and_count_apart(local_engine, scripted, tmp_path: Path) -> None:
    """The 0.5B test writer once answered HumanEval/60 with the function redefined around asserts on its own
    parameter: no test is left, the tests are refused, and CoderGen would ask the test writer again next round."""
    junk = "```python\ndef f(n):\n    assert n == n\n```"
    name, _ = scripted(script({"has_close": junk, "truncate_number": junk}))
    figures = bench.main(argv(tmp_path, "--model", name))
    assert figures["tests_refused"] == 2 and figures["right_candidate_fails_every_generated_test_run"] == 0
    assert {policy: figure["right"] for policy, figure in figures["policies"].items()} == {
        "greedy": 1, "coder-gen": 1, "codet": 1, "majority": 1, "oracle": 2,
    }  # fmt: skip
    assert figures["largest_group"] == {"0": {"tasks": 2, "right": 1, "tests_refused": 2}}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--candidates", "1"], "--candidates must be at least 2"),
        (["--sample", "0"], "--sample must be at least 1, got 0"),
    ],
)
def test_bad_arguments_are_refused_naming_them(extra: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit):
        bench.parse_args(extra)
    assert message in capsys.readouterr().err
