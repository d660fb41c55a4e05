"""Split determinism and the whole `build` pipeline on generation output directories."""

from __future__ import annotations

import json
import random
import string

import pytest
from datasets import load_from_disk
from training_records import near_copy_of_humaneval_0, record

from aiev.training.build import BuildConfig, build_dataset
from aiev.training.errors import TrainingInputError
from aiev.training.special_tokens import load_special_tokens
from aiev.training.split import seed_module, split_batches


def test_split_is_one_in_ten_per_batch_and_deterministic():
    items = list(range(45))
    first = split_batches(items, batch_size=20, seed=7)
    assert first == split_batches(items, batch_size=20, seed=7)
    assert first != split_batches(items, batch_size=20, seed=8)
    assert len(first.test) == 2 + 2 + 0  # round(20*0.1), round(20*0.1), round(5*0.1)
    assert sorted(first.train + first.test) == items
    assert all(x < 20 for x in first.test[:2]) and all(20 <= x < 40 for x in first.test[2:])


def test_split_by_group_keeps_siblings_on_one_side_and_holds_out_no_trained_group():
    items = list(range(40))
    module = {i: f"m{i % 8}" for i in range(32)}  # 8 modules of 4 items, and 8 items of no module (32..39)
    for seed in range(20):
        split = split_batches(items, batch_size=40, seed=seed, group=module.get)
        assert len(split.test) == 4 and sorted(split.train + split.test) == items
        held = {module.get(i) for i in split.test} - {None}
        assert not held & {module.get(i) for i in split.train}  # no held-out item has a sibling in training
    trained = {f"m{i}" for i in range(7)}  # only m7 and the loose items may be held out
    tests = [split_batches(items, batch_size=40, seed=seed, group=module.get, trained_groups=trained).test
             for seed in range(20)]  # fmt: skip
    assert all({module.get(i) for i in test} <= {"m7", None} for test in tests)
    assert any(7 in test for test in tests)  # m7's items, held out whole, in some seed's split
    # one module only: nothing fits, so the batch is held out item by item as without groups
    assert split_batches(items, batch_size=40, seed=3, group=lambda i: "one") == split_batches(items, 40, seed=3)


def test_seed_module_is_the_harvested_file():
    assert seed_module("distutils/util.py:138") == "distutils/util.py"
    assert [seed_module(s) for s in ("seeds.jsonl:3", "oss-instruct:12:python", "test", "")] == [None] * 4


def test_build_holds_out_no_sibling_of_a_training_sample(tmp_path):
    rng = random.Random(2)
    names = ["".join(rng.choices(string.ascii_lowercase, k=10)) for _ in range(40)]
    programs = [f"def {names[i]}({names[i + 20]}):\n    return {names[i + 20]} * {i + 3}" for i in range(20)]
    sources = [f"mod{i // 2}.py:{i}" for i in range(10)]  # five modules of two seeds each
    _write_run(tmp_path / "run1", [record(f"a{i}", code=programs[i], source=sources[i]) for i in range(10)])
    first = build_dataset(BuildConfig(samples=[tmp_path / "run1"], out=tmp_path / "b1", humaneval=False, seed=4))
    assert (first.train, first.test, first.heldout_siblings) == (9, 1, 1)  # no module of one seed: held out alone
    later = [record(f"b{i}", code=programs[10 + i], source=f"mod{i % 5}.py:{100 + i}") for i in range(9)]
    _write_run(tmp_path / "run2", later + [record("b9", code=programs[19], source="new.py:1")])
    config = BuildConfig(samples=[tmp_path / "run2"], out=tmp_path / "b2", humaneval=False, earlier=[tmp_path / "b1"])
    second = build_dataset(config)
    heldout = [json.loads(line)["seed"]["source"] for line in (tmp_path / "b2" / "heldout.jsonl").open()]
    trained_before = {json.loads(line)["seed_source"].split(":")[0] for line in open(tmp_path / "b1/raw/train.jsonl")}
    assert heldout == ["new.py:1"] and "new.py" not in trained_before  # the one module no build trained on
    assert (second.train, second.test, second.heldout_siblings) == (9, 1, 0)
    assert json.loads((tmp_path / "b2" / "build_report.json").read_text())["heldout_siblings"] == 0


def _write_run(directory, records):
    directory.mkdir(parents=True)
    (directory / "samples.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def test_build_end_to_end(tmp_path):
    rng = random.Random(0)
    names = ["".join(rng.choices(string.ascii_lowercase, k=10)) for _ in range(60)]
    programs = [f"def {names[i]}({names[i + 20]}):\n    return {names[i + 40]}({names[i + 20]})" for i in range(20)]
    _write_run(tmp_path / "run1", [record(f"s{i}", code=code) for i, code in enumerate(programs[:12])])
    extra = [record("dup", code=programs[0]), record("leak", code=near_copy_of_humaneval_0())]
    _write_run(tmp_path / "run2", [record(f"s{i}", code=code) for i, code in enumerate(programs[12:], 12)] + extra)
    out = tmp_path / "built"
    report = build_dataset(BuildConfig(samples=[tmp_path / "run1", tmp_path / "run2"], out=out, batch_size=10, seed=1))
    assert (report.read, report.exact_duplicates, report.contaminated) == (22, 1, 1)
    assert (report.train, report.test) == (18, 2)
    assert report.benchmarks == {"humaneval": 164}
    assert report.contaminated_by == {"humaneval": 1}
    assert {"mbpp", "ds-1000", "multipl-e"} <= set(report.not_checked) and "humaneval" not in report.not_checked
    removed = json.loads((out / "decontamination.json").read_text())["removed"]
    assert [(r["sample_id"], r["item_id"]) for r in removed] == [("leak", "HumanEval/0")]
    dataset = load_from_disk(str(out / "dataset"))
    assert (len(dataset["train"]), len(dataset["test"])) == (18, 2)
    assert load_special_tokens().run_start in dataset["train"][0]["messages"][2]["content"]
    heldout = [json.loads(line) for line in (out / "heldout.jsonl").read_text().splitlines()]
    assert sorted(r["seed_id"] for r in heldout) == sorted(dataset["test"]["id"])
    sharegpt = json.loads((out / "sharegpt" / "train.jsonl").read_text().splitlines()[0])
    assert sharegpt["conversations"][1]["from"] == "human"
    assert (
        build_dataset(BuildConfig(samples=[tmp_path / "run1", tmp_path / "run2"], out=out, batch_size=10, seed=1))
        == report
    )


def test_a_build_drops_copies_of_an_earlier_builds_samples(tmp_path):
    rng = random.Random(1)
    names = ["".join(rng.choices(string.ascii_lowercase, k=10)) for _ in range(40)]
    programs = [f"def {names[i]}({names[i + 20]}):\n    return {names[i + 20]}.{names[i]}()" for i in range(20)]
    _write_run(tmp_path / "run1", [record(f"a{i}", code=code) for i, code in enumerate(programs[:10])])
    build_dataset(BuildConfig(samples=[tmp_path / "run1"], out=tmp_path / "b1", humaneval=False, seed=1))
    heldout = json.loads((tmp_path / "b1" / "heldout.jsonl").read_text())["seed_id"]
    copied = programs[int(heldout[1:])]  # a copy of the earlier held-out sample, renamed and commented
    copy = copied.replace("def ", "def renamed_", 1).replace("\n", "  # same\n", 1)
    near = programs[0 if heldout != "a0" else 1].replace("()", "(0)")  # a near copy of an earlier sample
    later = [record(f"b{i}", code=code) for i, code in enumerate(programs[10:])]
    _write_run(tmp_path / "run2", later + [record("copy", code=copy), record("near", code=near)])

    def second(earlier):
        config = BuildConfig(samples=[tmp_path / "run2"], out=tmp_path / "b2", earlier=earlier, humaneval=False)
        report = build_dataset(config)
        ids = {json.loads(line)["id"] for name in ("train", "test") for line in (config.out / f"{name}.jsonl").open()}
        return report, ids

    alone, kept_alone = second([])
    assert {"copy", "near"} <= kept_alone and alone.earlier_duplicates == 0
    report, kept = second([tmp_path / "b1"])
    assert (report.exact_duplicates, report.near_duplicates, report.earlier_duplicates) == (1, 1, 2)
    assert kept == kept_alone - {"copy", "near"} and (report.train, report.test) == (9, 1)
    saved = json.loads((tmp_path / "b2" / "build_report.json").read_text())
    assert sorted(saved["earlier_duplicate_ids"]) == ["copy", "near"]
    with pytest.raises(TrainingInputError, match="run1: not an `aiev train build` output"):
        build_dataset(BuildConfig(samples=[tmp_path / "run2"], out=tmp_path / "b3", earlier=[tmp_path / "run1"]))


def test_a_build_too_small_for_a_held_out_sample_still_loads(tmp_path):
    """Three samples split 1:9 leave the test split empty; the saved dataset must load (for `aiev train sft`)."""
    programs = [f"def f{i}(x):\n    return x * {i + 2} - {i}" for i in range(3)]
    _write_run(tmp_path / "run", [record(f"s{i}", code=code) for i, code in enumerate(programs)])
    report = build_dataset(BuildConfig(samples=[tmp_path / "run"], out=tmp_path / "built", batch_size=10, seed=1))
    assert (report.train, report.test) == (3, 0)
    dataset = load_from_disk(str(tmp_path / "built" / "dataset"))
    assert (len(dataset["train"]), len(dataset["test"])) == (3, 0)
