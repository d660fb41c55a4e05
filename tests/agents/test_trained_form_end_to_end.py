"""A model trained AutoCoder-style answers in the special-token form (``<API_RUN_START>```python ...```<API_RUN_STOP>``,
the fence glued to the tokens). Scripted replies in that form go through ``aiev generate`` and ``aiev eval`` (plain
and codergen) and must be executed and pass: before the extractors read that form, each of them found no code."""

from __future__ import annotations

import json
from pathlib import Path

from langchain_core.messages import BaseMessage
from typer.testing import CliRunner

from aiev.agents.prompts import load_prompt
from aiev.agents.special_tokens import load_special_tokens
from aiev.cli import app

runner = CliRunner()
HUMANEVAL = Path(__file__).parents[1] / "eval" / "data" / "humaneval.jsonl"
TOKENS = load_special_tokens()


def trained_form(code: str, lang: str = "python") -> str:
    """How post-processing writes an executed block, hence how the trained model asks for a run."""
    return f"I will run it.\n{TOKENS.run_start}```{lang}\n{code}\n```{TOKENS.run_stop}"


ADD = "def add(a, b):\n    return a + b"
CLOSE = (
    "def has_close_elements(numbers, threshold):\n    s = sorted(numbers)\n"
    "    return any(b - a < threshold for a, b in zip(s, s[1:]))"
)


def by_role(messages: list[BaseMessage]) -> str:
    system = messages[0].content
    if system == load_prompt("questioner"):
        return "Write a function that adds two integers.\n```python\ndef add(a: int, b: int) -> int:\n```"
    if system == load_prompt("test_writer"):
        return trained_form("assert add(1, 2) == 3\nassert add(-1, 1) == 0")
    if system == load_prompt("programmer"):
        return trained_form(CLOSE if "has_close_elements" in messages[-1].content else ADD)
    raise AssertionError(f"no execution failed, so no other role should be asked: {system[:80]!r}")


def test_generate_executes_replies_in_the_trained_form(local_engine, scripted, tmp_path: Path) -> None:
    name, _ = scripted(by_role)
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(json.dumps({"id": "s1", "snippet": "def plus(x, y):\n    return x + y\n"}) + "\n")
    out = tmp_path / "run"
    args = ["generate", "--seeds", str(seeds), "--out", str(out), "--model", name, "--sandbox", "local", "--quiet"]
    result = runner.invoke(app, [*args, "--max-rounds", "2"])
    assert result.exit_code == 0, result.output
    (record,) = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert record["status"] == "passed" and record["rounds"] == 1, record["last_error"]
    assert record["solution"] == ADD + "\n" and "assert add(1, 2) == 3" in record["tests"]
    assert [execution["outcome"] for execution in record["executions"]] == ["passed"]


def test_eval_plain_and_codergen_execute_replies_in_the_trained_form(local_engine, scripted, tmp_path: Path) -> None:
    name, model = scripted(by_role)
    for mode, rounds in (("plain", 0), ("codergen", 1)):
        out = tmp_path / mode
        args = ["eval", "humaneval", "--data", str(HUMANEVAL), "--limit", "1", "--model", name, "--mode", mode]
        result = runner.invoke(app, [*args, "--sandbox", "local", "--out", str(out), "--quiet", "--json"])
        assert result.exit_code == 0, result.output
        (summary,) = json.loads(result.output)
        assert (summary["evaluated"], summary["pass_at"]["1"], summary["mean_rounds"]) == (1, 1.0, rounds), summary
        (sample,) = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
        assert sample["status"] == "passed" and TOKENS.run_start not in sample["code"]
    assert len(model.calls) == 2  # one answer per mode: codergen's first run passed the prompt's examples
