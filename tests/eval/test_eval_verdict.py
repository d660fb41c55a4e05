"""The eval judge reads the sandbox's verdict (issue 12): an answer that exits before the hidden tests finish is not
counted, whether the tests are appended to it or the hidden harness runs it; and the CoderGen loop tests its code
under the same time limit the judge then applies. Models are scripted; execution uses the real local sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_data import DATA

from aiev.eval import EvalTask, evaluate, load_benchmark

EXITS_EARLY = (
    "```python\nimport sys\n\n\ndef has_close_elements(numbers, threshold):\n    return True\n\n\nsys.exit(0)\n```"
)


def test_an_answer_that_exits_before_the_hidden_tests_is_failed(local_engine, scripted, tmp_path: Path) -> None:
    (task,) = [
        t for t in load_benchmark("humaneval", DATA / "humaneval.jsonl") if t.entry_point == "has_close_elements"
    ]
    name, _ = scripted([EXITS_EARLY])
    summary = evaluate([task], name, "plain", out=tmp_path, sandbox="local")
    [row] = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert (row["status"], row["outcome"]) == ("failed", "tests_incomplete")
    assert "the tests did not run to their end" in row["feedback"]
    assert summary.pass_at_1 == 0.0


def harness_task() -> EvalTask:
    """DS-1000's layout: the candidate is text that the hidden harness executes inside its own context."""
    harness = "env = {'data': [3, 1, 2]}\nexec(open('solution.txt').read(), env)\nassert env['result'] == [1, 2, 3]\n"
    return EvalTask(task_id="t/harness", benchmark="test", prompt="Sort data into result.", style="instruct",
                    test=harness, solution_file="solution.txt")  # fmt: skip


@pytest.mark.parametrize(
    ("snippet", "outcome"),
    [("result = sorted(data)", "passed"), ("result = data", "failed"), ("import sys\nsys.exit(0)", "tests_incomplete")],
)
def test_a_harness_task_passes_only_when_its_harness_ran_to_the_end(local_engine, snippet: str, outcome: str) -> None:
    assert local_engine.run(harness_task().exec_request(snippet)).outcome.value == outcome


def triple_task(timeout_s: float) -> EvalTask:
    return EvalTask(task_id="t/triple", benchmark="test", style="complete", entry_point="triple",
                    prompt='def triple(x):\n    """Return three times x.\n    >>> triple(2)\n    6\n    """\n',
                    test="assert triple(7) == 21\n", timeout_s=timeout_s)  # fmt: skip


@pytest.mark.parametrize(("task_timeout", "override", "expected"), [(7.5, None, 7.5), (7.5, 4.0, 4.0)])
def test_the_codergen_loop_and_the_judge_share_one_timeout(
    local_engine, scripted, monkeypatch, task_timeout: float, override: float | None, expected: float
) -> None:
    limits: list[float] = []
    run = local_engine.run

    def recording(request):
        limits.append(request.limits.timeout_s)
        return run(request)

    monkeypatch.setattr(local_engine, "run", recording)  # the loop's executions and the judge's both land here
    name, _ = scripted(["```python\ndef triple(x):\n    return 3 * x\n```"])
    summary = evaluate([triple_task(task_timeout)], name, "codergen", sandbox="local", timeout_s=override)
    assert summary.pass_at_1 == 1.0
    assert len(limits) >= 2 and set(limits) == {expected}  # the loop's executions (stand-in checks too), the judge
