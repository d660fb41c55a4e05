"""What a verified dialogue says about how far to trust it travels from ``aiev generate`` to the samples, and ``aiev
train build`` can filter on it: tests the error analyst blamed (``--drop-blamed-tests``, AutoCoder-style audit of
rewritten tests), and tests that also passed against the seed (``--seed-checked-only``)."""

from __future__ import annotations

import json
from pathlib import Path

from langchain_core.messages import BaseMessage
from typer.testing import CliRunner

from aiev.agents.prompts import load_prompt
from aiev.cli import app
from aiev.training.export import from_dataset, to_dataset
from aiev.training.samples import read_generation_records, sample_from_record

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
    """Seed ``plus`` gets wrong tests first, blamed and rewritten; seed ``times`` (or ``volume``) passes at once."""
    system, seen = messages[0].content, "\n".join(str(m.content) for m in messages)
    task = "mul" if "times" in seen or "volume" in seen or "mul(" in seen else "add"
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


def generated(scripted, tmp_path: Path, snippets: dict[str, str]) -> Path:
    name, _ = scripted(roles)
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text("".join(json.dumps({"id": i, "snippet": s}) + "\n" for i, s in snippets.items()))
    out = tmp_path / "gen"
    args = ["generate", "--seeds", str(seeds), "--out", str(out), "--model", name, "--sandbox", "local"]
    result = runner.invoke(app, [*args, "--concurrency", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def built(out: Path, dest: Path, *flags: str) -> tuple[dict, list[dict]]:
    """``aiev train build`` of ``out`` into ``dest``: its report and every sample it kept (train and test)."""
    args = ["train", "build", "--samples", str(out), "--out", str(dest), "--no-humaneval", "--near-dup", "99.9"]
    result = runner.invoke(app, [*args, *flags])
    assert result.exit_code == 0, result.output
    raw = [(dest / "raw" / f"{split}.jsonl").read_text().splitlines() for split in ("train", "test")]
    return json.loads((dest / "build_report.json").read_text()), [json.loads(line) for lines in raw for line in lines]


def test_samples_keep_the_blamed_tests_and_build_can_drop_them(local_engine, scripted, tmp_path: Path) -> None:
    snippets = {"blamed": "def plus(a, b):\n    return a + b\n", "clean": "def times(a, b):\n    return a * b\n"}
    out = generated(scripted, tmp_path, snippets)
    samples = {sample.id: sample for _, sample in read_generation_records(out)}
    assert samples["blamed"].blamed_tests == [{"round": 1, "explanation": BLAME.removesuffix("\nFAULT: test")}]
    assert samples["clean"].blamed_tests == []
    assert from_dataset(to_dataset(samples.values())) == list(samples.values())  # Arrow keeps them too

    def build(*flags: str) -> dict[str, list]:
        report, kept = built(out, tmp_path / f"built{len(flags)}", *flags)
        assert report["blamed_tests_dropped"] == (1 if flags else 0)
        return {row["id"]: row["blamed_tests"] for row in kept}

    assert build() == {"blamed": [{"round": 1, "explanation": BLAME.removesuffix("\nFAULT: test")}], "clean": []}
    assert build("--drop-blamed-tests") == {"clean": []}


def test_samples_say_whether_their_seed_checked_them_and_build_can_keep_only_those(
    local_engine, scripted, tmp_path: Path
) -> None:
    # seed ``checked`` is the very function the problem asks for, so the tests run against it too; seed ``other`` takes
    # three arguments where the problem's function takes two, so nothing of it can be compared
    snippets = {
        "checked": "def add(a, b):\n    return a + b\n",
        "other": "def volume(a, b, c):\n    return a * b * c\n",
    }
    out = generated(scripted, tmp_path, snippets)
    samples = {sample.id: sample for _, sample in read_generation_records(out)}
    assert {key: sample.seed_checked for key, sample in samples.items()} == {"checked": True, "other": False}
    assert from_dataset(to_dataset(samples.values())) == list(samples.values())  # Arrow keeps the flag
    # results.jsonl holds the executions the flag comes from: read directly, it says the same
    logged = {sample.id: sample.seed_checked for _, sample in read_generation_records(out / "results.jsonl")}
    assert logged == {"checked": True, "other": False}

    def build(*flags: str) -> set[str]:
        report, kept = built(out, tmp_path / f"built{len(flags)}", *flags)
        assert report["seed_unchecked_dropped"] == (1 if flags else 0)
        return {row["id"] for row in kept}

    assert build() == {"checked", "other"}
    assert build("--seed-checked-only") == {"checked"}


def test_a_sample_written_before_the_flag_is_not_taken_for_checked() -> None:
    # an older samples.jsonl line has no seed_checked: unknown, so --seed-checked-only leaves it out
    record = {"seed_id": "old", "rounds": 1, "messages": [], "reason": "passed"}
    assert sample_from_record(record).seed_checked is None
