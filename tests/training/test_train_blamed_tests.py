"""Dialogues whose tests the error analyst blamed keep that record from ``aiev generate`` to the samples, and
``aiev train build --drop-blamed-tests`` leaves them out (AutoCoder-style audit of rewritten tests)."""

from __future__ import annotations

import json
from pathlib import Path

from langchain_core.messages import BaseMessage
from typer.testing import CliRunner

from aiev.agents.prompts import load_prompt
from aiev.cli import app
from aiev.training.export import from_dataset, to_dataset
from aiev.training.samples import read_generation_records

runner = CliRunner()
BLAME = "The test expects add(1, 2) == 4, which contradicts the problem.\nFAULT: test"
CODE = {
    "add": "```python\ndef add(a, b):\n    return a + b\n```",
    "mul": "```python\ndef mul(a, b):\n    return a * b\n```",
}
TESTS = {
    "add": "```python\nassert add(1, 2) == 3\nassert add(0, 5) == 5\n```",
    "mul": "```python\nassert mul(2, 3) == 6\nassert mul(4, 1) == 4\n```",
}


def roles(messages: list[BaseMessage]) -> str:
    """Seed ``plus`` gets wrong tests first, blamed and rewritten; seed ``times`` passes at once."""
    system, seen = messages[0].content, "\n".join(str(m.content) for m in messages)
    task = "mul" if "times" in seen or "mul(" in seen else "add"
    if system == load_prompt("questioner"):
        return f"Write `{task}(a, b)`.\n```python\ndef {task}(a: int, b: int) -> int:\n```"
    if system == load_prompt("programmer"):
        return CODE[task]
    if system == load_prompt("test_writer"):
        blamed = "contradicts the problem" in seen  # the analysis reached it (its verdict line only routes)
        wrong = "```python\nassert add(1, 2) == 4\nassert add(0, 5) == 5\n```"
        return TESTS[task] if task == "mul" or blamed else wrong
    assert system == load_prompt("error_analyst")
    return BLAME


def generated(scripted, tmp_path: Path) -> Path:
    name, _ = scripted(roles)
    seeds = tmp_path / "seeds.jsonl"
    snippets = {"blamed": "def plus(a, b):\n    return a + b\n", "clean": "def times(a, b):\n    return a * b\n"}
    seeds.write_text("".join(json.dumps({"id": i, "snippet": s}) + "\n" for i, s in snippets.items()))
    out = tmp_path / "gen"
    args = ["generate", "--seeds", str(seeds), "--out", str(out), "--model", name, "--sandbox", "local"]
    result = runner.invoke(app, [*args, "--concurrency", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def test_samples_keep_the_blamed_tests_and_build_can_drop_them(local_engine, scripted, tmp_path: Path) -> None:
    out = generated(scripted, tmp_path)
    samples = {sample.id: sample for _, sample in read_generation_records(out)}
    assert samples["blamed"].blamed_tests == [{"round": 1, "explanation": BLAME.removesuffix("\nFAULT: test")}]
    assert samples["clean"].blamed_tests == []
    assert from_dataset(to_dataset(samples.values())) == list(samples.values())  # Arrow keeps them too

    def build(*flags: str) -> set[str]:
        dest = tmp_path / f"built{len(flags)}"
        args = ["train", "build", "--samples", str(out), "--out", str(dest), "--no-humaneval", "--near-dup", "99.9"]
        result = runner.invoke(app, [*args, *flags])
        assert result.exit_code == 0, result.output
        raw = [(dest / "raw" / f"{split}.jsonl").read_text().splitlines() for split in ("train", "test")]
        kept = [json.loads(line) for lines in raw for line in lines]
        assert json.loads((dest / "build_report.json").read_text())["blamed_tests_dropped"] == (1 if flags else 0)
        return {row["id"]: row["blamed_tests"] for row in kept}

    assert build() == {"blamed": [{"round": 1, "explanation": BLAME.removesuffix("\nFAULT: test")}], "clean": []}
    assert build("--drop-blamed-tests") == {"clean": []}
