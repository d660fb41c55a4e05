"""Whether a verified dialogue's tests also passed against its seed travels from ``aiev generate`` to the samples,
and ``aiev train build --seed-checked-only`` keeps only those that did."""

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
# Seed ``checked`` is the very function the problem asks for, so its tests run against it too; seed ``other`` takes
# three arguments where the problem's function takes two, so nothing of it can be compared.
SEEDS = {
    "checked": "def add(a, b):\n    return a + b\n",
    "other": "def volume(a, b, c):\n    return a * b * c\n",
}
CODE = {
    "add": "```python\ndef add(a, b):\n    return a + b\n```",
    "mul": "```python\ndef mul(a, b):\n    return a * b\n```",
}
TESTS = {
    "add": "```python\nassert add(1, 2) == 3\nassert add(0, 5) == 5\nassert add(-2, 2) == 0\n```",
    "mul": "```python\nassert mul(2, 3) == 6\nassert mul(4, 1) == 4\nassert mul(0, 7) == 0\n```",
}


def roles(messages: list[BaseMessage]) -> str:
    system, seen = messages[0].content, "\n".join(str(m.content) for m in messages)
    task = "mul" if "volume" in seen or "mul(" in seen else "add"
    if system == load_prompt("questioner"):
        return f"Write `{task}(a, b)`.\n```python\ndef {task}(a: int, b: int) -> int:\n```"
    if system == load_prompt("programmer"):
        return CODE[task]
    assert system == load_prompt("test_writer")
    return TESTS[task]


def test_samples_say_whether_their_seed_checked_them_and_build_can_keep_only_those(
    local_engine, scripted, tmp_path: Path
) -> None:
    name, _ = scripted(roles)
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text("".join(json.dumps({"id": i, "snippet": s}) + "\n" for i, s in SEEDS.items()))
    out = tmp_path / "gen"
    args = ["generate", "--seeds", str(seeds), "--out", str(out), "--model", name, "--sandbox", "local"]
    result = runner.invoke(app, [*args, "--concurrency", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    samples = {sample.id: sample for _, sample in read_generation_records(out)}
    assert {key: sample.seed_checked for key, sample in samples.items()} == {"checked": True, "other": False}
    assert from_dataset(to_dataset(samples.values())) == list(samples.values())  # Arrow keeps the flag
    # results.jsonl holds the executions the flag comes from: read directly, it says the same
    logged = {sample.id: sample.seed_checked for _, sample in read_generation_records(out / "results.jsonl")}
    assert logged == {"checked": True, "other": False}

    def build(*flags: str) -> set[str]:
        dest = tmp_path / f"built{len(flags)}"
        args = ["train", "build", "--samples", str(out), "--out", str(dest), "--no-humaneval", "--near-dup", "99.9"]
        result = runner.invoke(app, [*args, *flags])
        assert result.exit_code == 0, result.output
        report = json.loads((dest / "build_report.json").read_text())
        assert report["seed_unchecked_dropped"] == (1 if flags else 0)
        raw = [(dest / "raw" / f"{split}.jsonl").read_text().splitlines() for split in ("train", "test")]
        return {json.loads(line)["id"] for lines in raw for line in lines}

    assert build() == {"checked", "other"}
    assert build("--seed-checked-only") == {"checked"}


def test_a_sample_written_before_the_flag_is_not_taken_for_checked(tmp_path: Path) -> None:
    # an older samples.jsonl line has no seed_checked: unknown, so --seed-checked-only must leave it out
    from aiev.training.samples import sample_from_record

    record = {"seed_id": "old", "rounds": 1, "messages": [], "reason": "passed"}
    assert sample_from_record(record).seed_checked is None
