"""The harness end to end with the embedded 0.5B model and the Docker sandbox, both modes, on two HumanEval tasks.

Asserts what must hold whatever the model answers: every task is judged in both modes, the log and the
report are written, CoderGen stays within its round budget. A 256-token cap and one CoderGen round keep it to about
a minute on CI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiev.eval import evaluate, load_benchmark
from aiev.eval.report import write_report

pytestmark = [pytest.mark.model, pytest.mark.docker, pytest.mark.slow]


def test_humaneval_plain_and_codergen_with_the_local_model(local_model_url, docker_engine, tmp_path: Path) -> None:
    tasks = load_benchmark("humaneval", limit=2)
    settings = {"out": tmp_path, "sandbox": "docker", "max_tokens": 256, "max_rounds": 1, "benchmark": "humaneval"}
    plain = evaluate(tasks, "local-qwen-0.5b", "plain", **settings)
    codergen = evaluate(tasks, "local-qwen-0.5b", "codergen", **settings)
    records = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    for summary in (plain, codergen):
        assert summary.evaluated == 2 and summary.incomplete == 0, summary.first_error
        judged = [r for r in records if r["mode"] == summary.mode]
        assert sorted(r["task_id"] for r in judged) == ["HumanEval/0", "HumanEval/1"]
        assert (
            summary.pass_at_1 == sum(r["status"] == "passed" for r in judged) / 2
        )  # the log's verdicts, not a default
    assert plain.mean_rounds == 0 and codergen.mean_rounds == 1
    summaries = write_report(tmp_path)
    assert [s.mode for s in summaries] == ["codergen", "plain"]
    assert "pass@1 per mode" in (tmp_path / "report.html").read_text()
