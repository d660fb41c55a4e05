"""States and generation records -> HF ``messages`` samples -> JSONL / Arrow / ShareGPT, and back."""

from __future__ import annotations

import json

import pytest
from training_records import FIXED_CODE, record, two_round_messages

from aiev.agents.prompts import load_prompt
from aiev.training.errors import TrainingInputError
from aiev.training.export import from_dataset, read_jsonl, sharegpt_record, to_dataset, write_jsonl
from aiev.training.samples import read_generation_records, sample_from_record, sample_from_state


def test_record_becomes_raw_sample_with_speakers_and_metadata():
    sample = sample_from_record(record("seed-1"))
    roles = [(t.role, t.name) for t in sample.messages]
    assert roles == [
        ("system", None),
        ("user", "questioner"),
        ("assistant", "programmer"),
        ("assistant", "test_writer"),
        ("user", "interpreter"),
        ("user", "error_analyst"),
        ("assistant", "programmer"),
        ("user", "interpreter"),
        ("assistant", "programmer"),
    ]
    assert (sample.seed_id, sample.rounds, sample.verdict, sample.stage) == ("seed-1", 2, "passed", "teaching")
    assert sample.seed_source == "test"
    assert sample.messages[0].content == load_prompt("chat_system")  # what `aiev chat` sends, so trained as asked
    assert sample.code == FIXED_CODE + "\n"  # the closing answer's code, not the first wrong attempt


def test_finished_state_gives_the_same_sample_as_its_record():
    state = {
        "seed": {"id": "seed-1", "snippet": "x", "source": "test"},
        "messages": two_round_messages(),
        "round": 2,
        "stage": "teaching",
        "verdict": {"status": "passed", "reason": "passed", "last_error": ""},
        "blamed_tests": [{"round": 1, "explanation": "FAULT: test"}],
    }
    sample = sample_from_state(state)
    # samples.jsonl lines carry seed_checked (no execution of this state passed against a seed)
    assert sample == sample_from_record(
        record("seed-1") | {"blamed_tests": state["blamed_tests"], "seed_checked": False}
    )
    assert sample.blamed_tests == state["blamed_tests"] and sample_from_record(record("seed-1")).blamed_tests == []


def test_jsonl_and_dataset_round_trip(tmp_path):
    samples = [sample_from_record(record(f"seed-{i}", code=f"def f():\n    return {i}")) for i in range(3)]
    write_jsonl(samples, tmp_path / "s.jsonl")
    assert read_jsonl(tmp_path / "s.jsonl") == samples
    assert from_dataset(to_dataset(samples)) == samples


def test_sharegpt_layout():
    converted = sharegpt_record(sample_from_record(record("seed-1")))
    assert [turn["from"] for turn in converted["conversations"]][:3] == ["system", "human", "gpt"]
    assert converted["conversations"][1]["value"].startswith("Write a function")
    assert converted["id"] == "seed-1" and converted["rounds"] == 2


def test_generation_output_dir_is_read_and_bad_line_named(tmp_path):
    lines = [json.dumps(record("a")), json.dumps(record("b") | {"status": "discarded"})]
    (tmp_path / "samples.jsonl").write_text("\n".join(lines) + "\n")
    assert [s.id for _, s in read_generation_records(tmp_path)] == ["a"]
    (tmp_path / "samples.jsonl").write_text("{not json\n")
    with pytest.raises(TrainingInputError, match=r"samples.jsonl:1: not JSON"):
        list(read_generation_records(tmp_path))
    with pytest.raises(TrainingInputError, match="no samples.jsonl"):
        list(read_generation_records(tmp_path / "missing"))
