"""AIEV-Instruct with the embedded 0.5B model and the Docker sandbox on real standard-library seeds.

A 0.5B model often fails, so this asserts structure, not success: every seed ends with a verdict, its
dialogue is in AutoCoder order, and it lands in exactly one of samples.jsonl / discards.jsonl.
"""

from __future__ import annotations

import itertools
import json
import sysconfig
from pathlib import Path

import pytest
from langchain_core.messages import messages_from_dict

from aiev.agents.dialogue import Speaker, speaker_of
from aiev.graphs.pipeline import PipelineConfig, run_pipeline
from aiev.graphs.presets import resolve_context
from aiev.graphs.seeds import harvest, write_seeds

ASKED_BY = {
    Speaker.INTERPRETER: {Speaker.PROGRAMMER, Speaker.TEST_WRITER},
    Speaker.ERROR_ANALYST: {Speaker.INTERPRETER},
}


def assert_figure_3_order(speakers: list[Speaker], status: str) -> None:
    assert speakers[0] is Speaker.QUESTIONER
    for before, turn in itertools.pairwise(speakers):
        if turn in ASKED_BY:
            assert before in ASKED_BY[turn], speakers
    if status == "passed":
        assert speakers[-2:] == [Speaker.INTERPRETER, Speaker.PROGRAMMER], speakers


@pytest.mark.docker
@pytest.mark.model
@pytest.mark.slow
def test_embedded_model_with_docker_sandbox_on_stdlib_seeds(
    tmp_path: Path, local_model_url: str, docker_engine
) -> None:
    seeds = harvest(Path(sysconfig.get_paths()["stdlib"]) / "json", max_lines=20, quality=False)[:2]
    write_seeds(seeds, tmp_path / "seeds.jsonl")
    context = resolve_context("teaching", overrides={"sandbox": "docker", "max_rounds": 2, "max_tokens": 200})
    summary = run_pipeline(
        PipelineConfig(seeds=tmp_path / "seeds.jsonl", out=tmp_path / "out", context=context, progress=False)
    )

    assert summary.selected == summary.ran == 2 and summary.retryable == 0, summary.first_error
    results = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert sorted(r["seed_id"] for r in results) == sorted(s["id"] for s in seeds)
    for record in results:
        assert record["status"] in {"passed", "discarded"} and record["rounds"] <= 2
        assert_figure_3_order([speaker_of(m) for m in messages_from_dict(record["messages"])], record["status"])
        # rounds whose reply carried no code record an `error` without reaching any sandbox
        assert all(e["engine"] == "docker" for e in record["executions"] if e["outcome"] != "error")
        assert record["tokens"]["output_tokens"] > 0  # usage reported by the llama.cpp server
    written = [
        json.loads(line)["seed_id"]
        for name in ("samples.jsonl", "discards.jsonl")
        for line in (tmp_path / "out" / name).read_text().splitlines()
    ]
    assert sorted(written) == sorted(s["id"] for s in seeds)
