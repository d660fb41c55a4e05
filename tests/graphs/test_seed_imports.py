"""A harvested definition carries the top-level imports of its module that it reads, and only where that is sound."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiev.graphs.seeds import Harvest, harvest, harvest_report

SLUG = '''\
def slug(text, sep="-"):
    """Lower-case words of text joined by sep."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    if not words:
        return ""
    return sep.join(words)
'''


def _harvest(tmp_path: Path, module: str, **options: object) -> Harvest:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "mod.py").write_text(module)
    return harvest_report(tmp_path, **options)  # type: ignore[arg-type]


def _dropped(result: Harvest) -> dict[str, list[str]]:
    return {entry["snippet"]: entry["reasons"] for entry in result.dropped}


def test_a_function_using_a_module_import_is_kept_with_that_import_in_front(tmp_path: Path) -> None:
    result = _harvest(tmp_path, "import os\nimport re\nimport sys\n\n\n" + SLUG)
    assert [seed["snippet"] for seed in result.kept] == ["import re\n\n\n" + SLUG.rstrip("\n")]
    assert result.dropped == []


def test_imports_keep_their_spelling_and_only_the_names_used(tmp_path: Path) -> None:
    module = (
        "import os.path\nfrom collections import Counter as C, OrderedDict, deque\n\n\n"
        "def tally(words, root):\n"
        "    counts = C(words)\n"
        "    keep = deque(maxlen=2)\n"
        "    keep.append(os.path.join(root, 'x'))\n"
        "    return counts, keep\n"
    )
    (snippet,) = [seed["snippet"] for seed in _harvest(tmp_path, module).kept]
    assert snippet.split("\n\n\n")[0] == "import os.path\nfrom collections import Counter as C, deque"


@pytest.mark.parametrize(
    "module",
    [
        "import re\n\nSEP = '-'\n\n\n" + SLUG.replace('sep="-"', "sep=SEP"),  # a module constant
        "import re\n\n\ndef helper(x):\n    return x\n\n\n"
        + SLUG.replace("sep.join(words)", "helper(sep.join(words))"),
        "from . import re\n\n\n" + SLUG,  # relative imports are not carried
        "from .text import re\n\n\n" + SLUG,
        # which binding the function sees is not static
        "import re\n\ntry:\n    import regex as re\nexcept ImportError:\n    pass\n\n\n" + SLUG,
        "import re\n\nre = None\n\n\n" + SLUG,
        "import re\n\n\ndef reset(p):\n    global re\n    re = p\n\n\n" + SLUG,
        "import not_a_module_anyone_installed as re\n\n\n" + SLUG,  # not importable
        "from re import *\n\n\n" + SLUG.replace("re.findall", "findall"),
    ],
    ids=[
        "constant",
        "helper",
        "relative",
        "relative-from",
        "conditional",
        "rebound",
        "global",
        "not-importable",
        "star",
    ],
)
def test_a_function_reading_any_other_module_global_stays_dropped_as_written(tmp_path: Path, module: str) -> None:
    result = _harvest(tmp_path, module)
    assert result.kept == []
    definitions = [entry for entry in result.dropped if entry["snippet"].lstrip().startswith("def slug")]
    assert [entry["reasons"] for entry in definitions] == [["depends_on_module_globals"]]


@pytest.mark.parametrize(
    ("module_import", "use", "reason"),
    [
        ("import socket", "socket.gethostbyname(text)", "network"),
        ("from urllib import parse", "parse.quote(text)", "network"),
        ("import subprocess", "subprocess.getoutput(text)", "subprocess"),
        ("import tkinter", "tkinter.TkVersion", "gui"),
    ],
)
def test_carried_imports_go_through_the_quality_checks(
    tmp_path: Path, module_import: str, use: str, reason: str
) -> None:
    result = _harvest(tmp_path, f"import re\n{module_import}\n\n\n" + SLUG.replace("text.lower()", f"{use}.lower()"))
    assert result.kept == []
    ((snippet, reasons),) = _dropped(result).items()
    assert snippet.startswith(f"import re\n{module_import}" + "\n\n\ndef slug")
    assert reasons == [reason]


def test_size_bounds_count_the_definition_not_its_carried_imports(tmp_path: Path) -> None:
    short = "import re\n\n\ndef split(text):\n    parts = re.split(',', text)\n    return parts\n"
    assert _dropped(_harvest(tmp_path / "short", short)) == {short.rstrip("\n"): ["too_short"]}  # 3 lines + 1 import
    body = "".join(f"    text = text.replace('{i}', '')\n" for i in range(38))
    exactly_max = "import re\n\n\ndef strip(text):\n" + body + "    return re.sub(' ', '', text)\n"
    assert len(_harvest(tmp_path / "max", exactly_max, max_lines=40).kept) == 1


def test_dedup_compares_snippets_with_their_imports(tmp_path: Path) -> None:
    root = (
        "def norm(x, y):\n    total = x * x\n    total += y * y\n    if total < 0:\n        return 0\n"
        "    return sqrt(total)\n"
    )
    (tmp_path / "a.py").write_text("from math import sqrt\n\n\n" + root)
    (tmp_path / "b.py").write_text("from cmath import sqrt\n\n\n" + root)
    (tmp_path / "c.py").write_text("# another comment\nfrom math import sqrt\n\n\n" + root)
    result = harvest_report(tmp_path)
    assert [seed["source"] for seed in result.kept] == ["a.py:4", "b.py:4"]  # math vs cmath: two seeds
    assert _dropped(result) == {"from math import sqrt\n\n\n" + root.rstrip("\n"): ["duplicate"]}


def test_without_the_filters_definitions_are_taken_as_written(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("import re\n\n\n" + SLUG)
    assert [seed["snippet"] for seed in harvest(tmp_path, quality=False)] == [SLUG.rstrip("\n")]
