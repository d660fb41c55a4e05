"""Seed quality filters: every rejection reason, the harvest's report of what it dropped, and `aiev seeds harvest`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aiev.cli import app
from aiev.graphs.seed_quality import REASONS, rejection_reasons
from aiev.graphs.seeds import harvest, harvest_report

# A testable seed: inputs, a return value, nothing from outside. Every case below breaks exactly one of those.
GOOD = '''\
def clamp(value, low, high):
    """Value limited to [low, high]."""
    if value < low:
        return low
    if value > high:
        return high
    return value
'''

CASES: dict[str, str] = {
    "does_not_parse": "def clamp(value, low:\n    return value\n\n\n\n",
    "too_short": "def inc(x):\n    return x + 1\n",
    "too_long": "def long(x):\n" + "".join(f"    x += {i}\n" for i in range(45)) + "    return x\n",
    "stub": 'def later(x):\n    """Later.\n\n    Really.\n    """\n    raise NotImplementedError\n',
    "private": GOOD.replace("def clamp", "def _clamp"),
    "gui": GOOD.replace('    """Value', '    import tkinter\n    tkinter.Tk()\n    """Value'),
    "network": GOOD.replace("    return value", "    import urllib.request\n    return urllib.request.urlopen(value)"),
    "subprocess": GOOD.replace("    return value", "    import os\n    os.system(value)\n    return value"),
    "argparse": GOOD.replace("    return value", "    import sys\n    return sys.argv[value]"),
    "uses_io": GOOD.replace("    return value", "    print(value)\n    return value"),
    "depends_on_module_globals": GOOD.replace("return high", "return high * SCALE"),
    "no_parameters": "def answer():\n    x = 6\n    y = 7\n    z = x * y\n    return z\n",
    "no_return": "def fill(items, value):\n    for i in range(len(items)):\n"
    "        items[i] = value\n    items.sort()\n    items.reverse()\n",
    # abc.abstractmethod: marks its argument and hands it back
    "returns_its_input": "def abstract(funcobj):\n    funcobj.__isabstract__ = True\n    funcobj.marked = 1\n"
    "    funcobj.by = 'me'\n    return funcobj\n",
    # dis.findlinestarts: its input is a code object, which no test writes as a literal
    "takes_objects": "def findlinestarts(code):\n    lastline = None\n    for start, end, line in code.co_lines():\n"
    "        if line is not None and line != lastline:\n            lastline = line\n            yield start, line\n",
    # codecs.IncrementalEncoder: a base class whose encode only raises
    "abstract": "class Encoder:\n    def __init__(self, errors='strict'):\n        self.errors = errors\n\n"
    "    def encode(self, data, final=False):\n        raise NotImplementedError\n\n"
    "    def getstate(self):\n        return 0\n",
    # email's ContentTransferEncodingHeader: reads an attribute and calls a super() method another class provides
    "mixin": "class CteHeader:\n    max_count = 1\n\n    def init(self, value):\n        self.raw = value\n\n"
    "    def cte(self):\n        return self._parse_tree.cte\n",
}


def test_the_good_seed_is_kept() -> None:
    assert rejection_reasons(GOOD) == []


def test_every_reason_has_a_case() -> None:
    assert set(CASES) == set(REASONS)


@pytest.mark.parametrize("reason", REASONS)
def test_each_reason_rejects_its_case_and_only_for_that_reason(reason: str) -> None:
    assert rejection_reasons(CASES[reason]) == [reason]


@pytest.mark.parametrize(
    ("snippet", "reasons"),
    [
        # the same module reached other ways than the cases above
        ("import socket\n" + GOOD, ["network"]),
        (GOOD.replace("    return value", "    from http import client\n    return client.OK"), ["network"]),
        (GOOD.replace("    return value", "    import subprocess\n    return subprocess.run(value)"), ["subprocess"]),
        (GOOD.replace("    return value", "    import os\n    return os.execv(value, [])"), ["subprocess"]),
        (GOOD.replace("    return value", "    import argparse\n    return argparse.ArgumentParser()"), ["argparse"]),
        (GOOD.replace("    return value", "    import sys\n    sys.stdout.write(value)\n    return 1"), ["uses_io"]),
        (GOOD.replace("    return value", "    with open(value) as f:\n        return f.read()"), ["uses_io"]),
        # the file system, the environment, a shared library, a process's stream (all seen in yield draws)
        (GOOD.replace("    return value", "    import os\n    return os.path.exists(value)"), ["uses_io"]),
        (GOOD.replace("    return value", "    import os\n    return os.listdir(value)"), ["uses_io"]),
        (GOOD.replace("    return value", "    import os\n    return os.environ.get(value)"), ["uses_io"]),
        (GOOD.replace("    return value", "    import ctypes\n    return ctypes.CDLL(value)"), ["uses_io"]),
        (GOOD.replace("    return value", "    return [line for line in value.stdout]"), ["uses_io", "takes_objects"]),
        # a top-level function's ``self`` is an object it reads (enum's global_str), not a method's instance
        (
            "def global_str(self):\n    use = self.__class__.__name__\n    if use:\n"
            "        return '%s.%s' % (use, self._name_)\n    return self._name_\n",
            ["takes_objects"],
        ),
        # a local taken from a parameter holds what the caller passed (lib2to3's generate_matches: p = patterns[0])
        (
            "def match_all(patterns, nodes):\n    p, rest = patterns[0], patterns[1:]\n    found = []\n"
            "    for c, r in p.generate_matches(nodes):\n        found.append((c, r, rest))\n    return found\n",
            ["takes_objects"],
        ),
        (
            "def sizes(shelf):\n    out = []\n    for i, item in enumerate(sorted(shelf)):\n"
            "        out.append((i, item.size))\n    return out\n",
            ["takes_objects"],
        ),
        # locals of built-in values, or made by the function itself from its inputs, are no objects passed in
        (
            "def heads(lines):\n    out = []\n    for line in lines:\n        head = line.split()[0]\n"
            "        out.append(head.upper())\n    return out\n",
            [],
        ),
        (
            "import re\n\ndef numbers(text):\n    found = []\n    for m in re.finditer(r'\\d+', text):\n"
            "        found.append(int(m.group(0)))\n    return found\n",
            [],
        ),
        (
            GOOD.replace("    return value", "    global hits\n    hits = 1\n    return value"),
            ["depends_on_module_globals"],
        ),
        # a base class from the module is a module global too
        (
            "class Point(Base):\n    def __init__(self, x):\n        self.x = x\n\n"
            "    def norm(self):\n        return abs(self.x)\n",
            ["depends_on_module_globals"],
        ),
        # an @abstractmethod makes a class to subclass too; a private method that raises does not
        (
            "import abc\n\nclass Shape(abc.ABC):\n    def __init__(self, n):\n        self.n = n\n\n"
            "    @abc.abstractmethod\n    def area(self):\n        return 0\n",
            ["abstract"],
        ),
        # super() of a method object lacks makes a mixin too
        (
            "class Header:\n    def init(self, value):\n        self.value = value\n        super().init(value)\n\n"
            "    def text(self):\n        return self.value.title()\n",
            ["mixin"],
        ),
        # several reasons: all listed, in REASONS order
        (
            "def main():\n    import argparse\n    p = argparse.ArgumentParser()\n"
            "    print(p.parse_args())\n    p.exit()\n",
            ["argparse", "uses_io", "no_parameters", "no_return"],
        ),
    ],
)
def test_reasons_are_found_in_their_other_spellings(snippet: str, reasons: list[str]) -> None:
    assert rejection_reasons(snippet) == reasons


@pytest.mark.parametrize(
    "snippet",
    [
        # builtins, its own imports, nested helpers, recursion, generators and class internals are self-contained
        "import math\n\ndef hyp(a, b):\n    def sq(x):\n        return x * x\n    total = sq(a) + sq(b)\n"
        "    return math.sqrt(total) if total else 0.0\n",
        "def fib(n):\n    if n < 2:\n        return n\n    a = fib(n - 1)\n    b = fib(n - 2)\n    return a + b\n",
        "def evens(xs):\n    for x in xs:\n        if x % 2 == 0:\n            yield x\n    return\n\n",
        "class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n"
        "        self.items.append(item)\n\n    def pop(self):\n        return self.items.pop()\n",
        "class Pair:\n    def __init__(self, a, b):\n        self.a, self.b = a, b\n\n    def total(self):\n"
        "        return super().__init__ and self.a + self.b + len(__class__.__name__)\n",
        "class Box:\n    def __init__(self, v):\n        self.v = v\n\n    def get(self):\n"
        "        return self._hook()\n\n    def _hook(self):\n        raise NotImplementedError\n",
        # class attributes, methods, properties and attributes assigned anywhere in the class are its own
        "class Meter:\n    unit = 'm'\n\n    def __init__(self, v):\n        self.v = v\n\n    def grow(self, d):\n"
        "        self.total = self.v + d\n        return self.label() + self.unit + str(self.total)\n\n"
        "    def label(self):\n        return super().__repr__()\n",
        "class Bag:\n    def __init__(self, **kw):\n        for k, v in kw.items():\n"
        "            setattr(self, k, v)\n\n    def size(self):\n        return self.count\n",
        # methods of the values tests write as literals are no protocol (str.split, dict.items, int.bit_length)
        "def widths(text, table, n):\n    words = text.split()\n    pairs = sorted(table.items())\n"
        "    bits = n.bit_length()\n    return [len(w) for w in words], pairs, bits\n",
        # os.path's string functions compute from their inputs alone
        "import os\n\ndef stem(path):\n    base = os.path.basename(path)\n    root, ext = os.path.splitext(base)\n"
        "    if not ext:\n        return root\n    return os.path.join('out', root)\n",
    ],
)
def test_self_contained_functions_and_classes_are_kept(snippet: str) -> None:
    assert rejection_reasons(snippet) == []


def test_classes_need_a_public_method_with_inputs_and_one_returning_a_value() -> None:
    only_dunders = (
        "class Cell:\n    def __init__(self, v):\n        self.v = v\n\n    def __repr__(self):\n        return 'c'\n"
    )
    assert rejection_reasons(only_dunders) == ["private"]
    no_inputs = (
        "class Clock:\n    def __init__(self):\n        self.t = 0\n\n    def now(self):\n        return self.t\n"
    )
    assert rejection_reasons(no_inputs) == ["no_parameters"]
    no_output = (
        "class Box:\n    def __init__(self, v):\n        self.v = v\n\n    def put(self, v):\n        self.v = v\n"
    )
    assert rejection_reasons(no_output) == ["no_return"]


def test_a_pass_through_is_rejected_but_a_function_that_changes_or_chooses_its_input_is_kept() -> None:
    # configparser's dummy Interpolation: every method hands back ``value``
    dummy = "".join(
        f"    def before_{verb}(self, parser, section, value):\n        return value\n\n" for verb in ("get", "set")
    )
    assert rejection_reasons(f"class Interpolation:\n{dummy}") == ["returns_its_input"]
    kept = [
        GOOD,  # returns one of several parameters: which one is the result
        # a validator (optparse's check_choice, given the choices): returns its input or raises
        "def check_choice(choices, value):\n    if value in choices:\n        return value\n"
        "    listed = ', '.join(choices)\n    raise ValueError(f'{value} not in {listed}')\n",
        "def sort_in_place(items):\n    items.sort()\n    items.reverse()\n    items.pop()\n    return items\n",
        "def shuffled(items):\n    import random\n    random.shuffle(items)\n    items.append(0)\n    return items\n",
        "def bump(counts, key):\n    counts[key] = counts.get(key, 0) + 1\n    counts[key] += 0\n"
        "    counts.setdefault(key, 1)\n    return counts\n",
        "def trimmed(text):\n    text = text.strip()\n    text = text.lower()\n    text = text or '-'\n"
        "    return text\n",
        "class Interp:\n    def before_get(self, value):\n        return value\n\n    def expand(self, value):\n"
        "        return value.upper()\n",
    ]
    assert [rejection_reasons(snippet) for snippet in kept] == [[]] * len(kept)


def test_a_class_that_keeps_what_it_is_given_and_hands_it_back_returns_its_input() -> None:
    # multiprocessing's dummy Value (drawn in sessions 17 and 18: the 0.5B's invented get/set and __eq__)
    value = (
        "class Value(object):\n    def __init__(self, typecode, value, lock=True):\n        self._typecode = typecode\n"
        "        self._value = value\n\n    @property\n    def value(self):\n        return self._value\n\n"
        "    @value.setter\n    def value(self, value):\n        self._value = value\n\n    def __repr__(self):\n"
        "        return '<%s(%r, %r)>' % (type(self).__name__, self._typecode, self._value)\n"
    )
    assert rejection_reasons(value) == ["returns_its_input"]
    kept = [
        value.replace(
            "        self._value = value\n\n    @property", "        self._value = abs(value)\n\n    @property"
        ),
        value.replace("return self._value\n", "return self._value + 1\n"),  # a read that computes
        value.replace(
            "    def __repr__(self):", "    def double(self):\n        self._value *= 2\n\n    def __repr__(self):"
        ),
        value + "\n    def push(self, item):\n        self._value.append(item)\n",  # the kept value changes
    ]
    assert [rejection_reasons(snippet) for snippet in kept] == [[]] * len(kept)
    # an attribute it never stores is not one it keeps (a mixin's, set by the class it is mixed into)
    assert rejection_reasons(value + "\n    def typecode(self):\n        return self._missing\n") == ["mixin"]


def test_a_nested_function_returning_does_not_give_its_parent_a_return_value() -> None:
    snippet = (
        "def register(table, key):\n    def handler(x):\n        return x\n    table[key] = handler\n"
        "    table.clear()\n"
    )
    assert rejection_reasons(snippet) == ["no_return"]


def test_size_bounds_are_the_callers_and_no_quality_keeps_every_well_shaped_snippet() -> None:
    assert rejection_reasons(CASES["too_short"], min_lines=2) == []
    assert rejection_reasons(CASES["too_long"], max_lines=50) == []
    for reason in REASONS[4:]:  # the quality reasons, after does_not_parse, too_short, too_long, stub
        assert rejection_reasons(CASES[reason], quality=False) == [], reason
    for reason in REASONS[:4]:
        assert rejection_reasons(CASES[reason], quality=False) == [reason]


def _tree(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir(parents=True)
    (src / "good.py").write_text("SCALE = 2\n\n\n" + GOOD + "\n\n" + CASES["depends_on_module_globals"])
    (src / "copy.py").write_text("# the same function, another comment\n" + GOOD.replace('"""Value', '"""A value'))
    (src / "cli.py").write_text(CASES["uses_io"].replace("clamp", "show") + "\n\n" + CASES["too_short"])
    (src / "broken.py").write_text("def broken(:\n")
    return src


def test_harvest_report_lists_every_dropped_snippet_with_its_reasons(tmp_path: Path) -> None:
    result = harvest_report(_tree(tmp_path))
    assert [seed["source"] for seed in result.kept] == ["copy.py:2"]  # copy.py sorts before good.py
    dropped = {entry["source"]: entry["reasons"] for entry in result.dropped}
    assert dropped == {
        "broken.py": ["does_not_parse"],
        "cli.py:1": ["uses_io"],
        "cli.py:11": ["too_short"],
        "good.py:4": ["duplicate"],
        "good.py:13": ["depends_on_module_globals"],
    }
    assert result.counts() == {
        "does_not_parse": 1,
        "uses_io": 1,
        "too_short": 1,
        "duplicate": 1,
        "depends_on_module_globals": 1,
    }
    assert harvest(_tree(tmp_path / "again")) == result.kept


def test_harvest_without_quality_filters_keeps_the_snippets_as_is(tmp_path: Path) -> None:
    kept = harvest(_tree(tmp_path), quality=False)
    assert sorted(seed["source"] for seed in kept) == ["cli.py:1", "copy.py:2", "good.py:13"]
    assert kept[0]["snippet"] == CASES["uses_io"].replace("clamp", "show").rstrip("\n")


def test_cli_prints_kept_and_dropped_per_reason_and_writes_the_dropped(tmp_path: Path) -> None:
    src = _tree(tmp_path)
    out = tmp_path / "seeds.jsonl"
    result = CliRunner().invoke(app, ["seeds", "harvest", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip()
        for line in result.output.splitlines()
        if line.count("│") == 3
    }
    assert rows == {
        "kept": "1",
        "dropped: does_not_parse": "1",
        "dropped: too_short": "1",
        "dropped: uses_io": "1",
        "dropped: depends_on_module_globals": "1",
        "dropped: duplicate": "1",
        "total": "6",
    }
    sidecar = tmp_path / "seeds.dropped.jsonl"
    assert sorted(json.loads(line)["reasons"][0] for line in sidecar.read_text().splitlines()) == sorted(
        ["does_not_parse", "too_short", "uses_io", "depends_on_module_globals", "duplicate"]
    )
    assert [json.loads(line)["source"] for line in out.read_text().splitlines()] == ["copy.py:2"]

    chosen = tmp_path / "why.jsonl"
    result = CliRunner().invoke(
        app, ["seeds", "harvest", str(src), "--out", str(out), "--no-filter", "--dropped", str(chosen)]
    )
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 3
    assert sorted(json.loads(line)["reasons"][0] for line in chosen.read_text().splitlines()) == sorted(
        ["does_not_parse", "too_short", "duplicate"]
    )


def test_cli_names_the_dropped_file_when_nothing_is_kept(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "m.py").write_text(textwrap.dedent(CASES["uses_io"]))
    result = CliRunner().invoke(app, ["seeds", "harvest", str(src), "--out", str(tmp_path / "s.jsonl")])
    assert result.exit_code == 2
    assert "no functions or classes of 5-40 lines kept" in result.output
    assert json.loads((tmp_path / "s.dropped.jsonl").read_text())["reasons"] == ["uses_io"]
