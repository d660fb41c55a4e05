from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from aiev.graphs.seeds import SeedsError, harvest, load_seeds, normalized_hash, write_seeds

DATA = Path(__file__).parent / "data"


def test_snippet_jsonl_keeps_given_ids_and_sources() -> None:
    seeds = load_seeds(DATA / "snippets.jsonl")
    assert [s["id"] for s in seeds][0] == "clamp"
    assert seeds[0]["source"] == "handwritten"
    assert seeds[1]["id"].startswith("seed-") and seeds[1]["source"] == "snippets.jsonl:2"
    assert seeds[1]["snippet"].startswith("class Stack")


def test_oss_instruct_layout_uses_the_seed_column_and_dedupes_reformatted_copies() -> None:
    seeds = load_seeds(DATA / "oss_instruct_sample.jsonl")
    assert len(seeds) == 2  # row 3 is row 1 with a comment and a blank line
    assert seeds[0]["snippet"].startswith("def flatten")
    assert seeds[0]["source"] == "oss-instruct:0:python"
    assert seeds[1]["source"] == "oss-instruct:1:rust"
    assert load_seeds(DATA / "oss_instruct_sample.jsonl", "oss-instruct") == seeds


def test_evol_instruct_layout_takes_the_code_of_the_output_else_the_instruction() -> None:
    seeds = load_seeds(DATA / "evol_instruct_sample.jsonl")
    assert seeds[0]["snippet"] == "def reverse_words(s):\n    return ' '.join(reversed(s.split()))"
    assert seeds[1]["snippet"] == "Explain what a Python generator is."


def test_parquet_goes_through_datasets(tmp_path: Path) -> None:
    import datasets

    rows = [json.loads(line) for line in (DATA / "oss_instruct_sample.jsonl").read_text().splitlines()]
    datasets.Dataset.from_list(rows).to_parquet(str(tmp_path / "oss.parquet"))
    assert load_seeds(tmp_path / "oss.parquet") == load_seeds(DATA / "oss_instruct_sample.jsonl")


def test_normalized_hash_ignores_comments_and_layout_only() -> None:
    assert normalized_hash("x = 1  # one\n\n\ny = 2") == normalized_hash("x = 1\ny = 2")
    assert normalized_hash("x = 1") != normalized_hash("x = 2")


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        ('{"snippet": "a = 1"}\n{"snippet": "b = 2"\n', "auto", "line 2: malformed JSON"),
        ("", "auto", "contains no records"),
        ('{"code": "a = 1"}\n', "auto", "unknown column layout ['code']"),
        ('{"snippet": ""}\n', "auto", "line 1: 'snippet' must be a non-empty string"),
        ('{"snippet": "a = 1"}\n', "evol-instruct", "missing column(s) ['instruction', 'output']"),
        ("[1, 2]\n", "auto", "line 1: expected a JSON object"),
    ],
)
def test_bad_seed_files_name_the_file_and_the_problem(tmp_path: Path, content: str, fmt: str, message: str) -> None:
    path = tmp_path / "seeds.jsonl"
    path.write_text(content)
    with pytest.raises(SeedsError) as caught:
        load_seeds(path, fmt)  # type: ignore[arg-type]
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_missing_and_unsupported_inputs(tmp_path: Path) -> None:
    with pytest.raises(SeedsError, match="no such file"):
        load_seeds(tmp_path / "nope.jsonl")
    (tmp_path / "seeds.csv").write_text("a,b\n")
    with pytest.raises(SeedsError, match="unsupported file type .csv"):
        load_seeds(tmp_path / "seeds.csv")


def test_harvest_extracts_sized_functions_and_classes_and_skips_the_rest(tmp_path: Path) -> None:
    body = "\n".join(f"    total += {i}" for i in range(6))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(
        textwrap.dedent(
            '''\
            import os

            def tiny():
                return 1

            @staticmethod
            def summed(start):
                total = start
            {body}
                return total

            class Box:
                """A box."""

                def __init__(self, item):
                    self.item = item

                def get(self, default):
                    return self.item or default

            def stub():
                """Docstring only, and long enough.

                More text.
                """
                raise NotImplementedError
            '''
        ).format(body=body)
    )
    (tmp_path / "pkg" / "copy.py").write_text((tmp_path / "pkg" / "mod.py").read_text())
    (tmp_path / "pkg" / "broken.py").write_text("def broken(:\n")
    installed = tmp_path / "lib" / "site-packages" / "other"  # a package installed inside the tree: not its code
    installed.mkdir(parents=True)
    (installed / "extra.py").write_text(f"def extra(start):\n    total = start\n{body}\n    return total\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_mod.py").write_text(
        "def test_long():\n" + "\n".join(f"    assert {i}" for i in range(6))
    )

    seeds = harvest(tmp_path)
    assert [s["source"] for s in seeds] == [
        "pkg/copy.py:6",
        "pkg/copy.py:17",
    ]  # copy.py sorts first; mod.py is a duplicate; lib/site-packages/ is left out
    assert [s["source"] for s in harvest(installed.parent)] == ["other/extra.py:1"]  # harvested as a root: kept
    assert seeds[0]["snippet"].startswith("@staticmethod\ndef summed(start):")
    assert seeds[1]["snippet"].startswith("class Box:")
    assert len(harvest(tmp_path, include_tests=True)) == 2  # the test asserts and returns nothing: not a seed
    assert len(harvest(tmp_path, include_tests=True, quality=False)) == 3

    out = tmp_path / "seeds.jsonl"
    write_seeds(seeds, out)
    assert load_seeds(out) == seeds
