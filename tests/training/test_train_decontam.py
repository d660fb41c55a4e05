"""Dedup and decontamination: a planted near-copy of a HumanEval solution goes, a distinct program stays."""

from __future__ import annotations

import json

import pytest

from aiev.training.decontam import benchmark_items, decontaminate, humaneval_items
from aiev.training.dedup import deduplicate, normalize_code
from aiev.training.errors import TrainingInputError
from aiev.training.samples import sample_from_record

from training_records import near_copy_of_humaneval_0, record

DISTINCT = '''def parse_ini(text):
    """Parse INI text into a dict of sections."""
    sections, current = {}, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
        elif "=" in line and current is not None:
            key, value = line.split("=", 1)
            current[key.strip()] = value.strip()
    return sections'''


def test_planted_humaneval_copy_removed_distinct_program_kept():
    planted = sample_from_record(record("planted", code=near_copy_of_humaneval_0()))
    distinct = sample_from_record(record("distinct", code=DISTINCT))
    kept, removed = decontaminate([planted, distinct], humaneval_items())
    assert [s.id for s in kept] == ["distinct"]
    assert len(removed) == 1
    assert (removed[0].sample_id, removed[0].benchmark, removed[0].item_id) == ("planted", "humaneval", "HumanEval/0")
    assert 90 <= removed[0].score < 100


def test_local_benchmark_file_read_by_the_eval_loader(tmp_path):
    mbpp = tmp_path / "mbpp.jsonl"
    row = {"task_id": 11, "text": "Parse INI text.", "code": DISTINCT, "test_list": ["assert parse_ini('') == {}"]}
    mbpp.write_text(json.dumps(row) + "\n")
    items = benchmark_items("mbpp", mbpp)
    assert [(i.benchmark, i.item_id) for i in items] == [("mbpp", "mbpp/11")]
    kept, removed = decontaminate([sample_from_record(record("s", code=DISTINCT))], items)
    assert kept == [] and removed[0].score == 100
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "no code here"}) + "\n")
    with pytest.raises(TrainingInputError, match="benchmark mbpp"):
        benchmark_items("mbpp", bad)


def test_exact_and_near_duplicates():
    base = "def f(x):\n    # double it\n    return x * 2\n"
    relaid = "def f(x):\n\n    return x * 2   # twice\n"  # same tokens, other comments and layout
    near = "def f(x):\n    return x * 2 + 0\n"
    other = DISTINCT
    samples = [sample_from_record(record(name, code=code)) for name, code in
               [("a", base), ("b", relaid), ("c", near), ("d", other)]]
    assert normalize_code(base) == normalize_code(relaid)
    result = deduplicate(samples, threshold=85)
    assert [s.id for s in result.kept] == ["a", "d"]
    assert result.exact == ["b"]
    assert [(removed, kept) for removed, kept, _ in result.near] == [("c", "a")]
    assert [s.id for s in deduplicate(samples, threshold=99).kept] == ["a", "c", "d"]
