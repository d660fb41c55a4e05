"""The stand-in builder: the solution's shape with wrong bodies, loadable wherever the solution loads, and the
static check of which of the solution's names the tests use. Stand-ins are executed here, so each test asserts
how the stand-in behaves, not how its text looks."""

from __future__ import annotations

import asyncio
import inspect
import io
import sys
import types

import pytest

from aiev.agents.stand_ins import UnparsableSource, names_used, solution_names, stand_ins


def load(source: str) -> dict:
    """Run a stand-in as a module (dataclasses look their module up in ``sys.modules`` while the class is made)."""
    module = types.ModuleType("stand_in")
    sys.modules["stand_in"] = module
    try:
        exec(compile(source, "stand_in.py", "exec"), module.__dict__)
    finally:
        del sys.modules["stand_in"]
    return module.__dict__


def both(solution: str) -> tuple[dict, dict]:
    fakes = stand_ins(solution)
    return load(fakes["returns_none"]), load(fakes["raises"])


def test_functions_keep_their_signature_and_return_none_or_raise() -> None:
    none, raises = both("def add(a: int, b: int = 2, *rest, scale=1, **kw) -> int:\n    '''Sum.'''\n    return a + b\n")
    assert none["add"](1, 2) is None
    with pytest.raises(NotImplementedError):
        raises["add"](1, 2)
    assert list(inspect.signature(none["add"]).parameters) == ["a", "b", "rest", "scale", "kw"]
    assert inspect.signature(none["add"]).parameters["b"].default == 2


def test_the_echoing_stand_in_returns_the_first_argument_after_self_or_cls() -> None:
    solution = """
class Sorter:
    def sort(self, items, reverse=False):
        return sorted(items, reverse=reverse)

    @classmethod
    def make(cls, size):
        return cls()

    @staticmethod
    def key(item, other):
        return item

def normalise(text, /, *, strip=True):
    return text.strip()

def constant():
    return 3
"""
    echo = load(stand_ins(solution)["returns_input"])
    assert echo["Sorter"]().sort([3, 1]) == [3, 1] and echo["Sorter"].make(4) == 4
    assert echo["Sorter"].key("a", "b") == "a" and echo["normalise"](" x ") == " x "
    assert echo["constant"]() is None


def test_the_permissive_stand_in_takes_whatever_is_done_with_its_result_and_equals_nothing() -> None:
    solution = (
        "import io\n\nclass Writer:\n    def __init__(self, f):\n        self.f = f\n\n    def row(self, r):\n"
        "        self.f.write(r)\n\ndef make_writer(f, fields):\n    return Writer(f)\n"
    )
    anything = load(stand_ins(solution)["returns_anything"])
    writer = anything["make_writer"](None, ["a"])
    with writer as same:  # attributes, calls, items and with blocks all give it back; iterating it gives nothing
        assert same.writeheader().writerow(["x"])["key"] is writer and list(writer) == []
    writer["k"] = 1
    assert writer != 0 and writer != "" and writer != [] and writer is not None
    with pytest.raises(TypeError):
        len(writer)  # a length, a number: asking for a value fails
    with pytest.raises(TypeError):
        writer + 1
    box = anything["Writer"](io.StringIO())  # an __init__ still returns None, so the class can be built
    assert type(box).__name__ == "Writer" and box.row("r") is not None


def test_the_constant_stand_in_returns_the_given_literal_and_only_exists_when_asked_for() -> None:
    solution = "def is_even(n):\n    return n % 2 == 0\n\nclass Box:\n    def get(self, key):\n        return key\n"
    assert "returns_constant" not in stand_ins(solution)
    constant = load(stand_ins(solution, "False")["returns_constant"])
    assert constant["is_even"](2) is False and constant["Box"]().get("k") is False
    # a generator yields the constant's items, as the tests read them back with list(...)
    generator = load(stand_ins("def pairs(n):\n    yield n, {}\n", "[(0, {})]")["returns_constant"])
    assert list(generator["pairs"](5)) == [(0, {})]


def test_a_solution_written_as_a_lambda_gets_stand_ins_too() -> None:
    # seen: the 0.5B programmer answered with `restart_line = lambda width, filename: f"..."`; without stand-ins
    # only the static check applied to its tests
    solution = "SCALE = 2\nscaled = lambda x, y=SCALE: x * y\n\nclass Box:\n    size = lambda self, n: n\n"
    fakes = stand_ins(solution)
    none, raises, echo = (load(fakes[kind]) for kind in ("returns_none", "raises", "returns_input"))
    assert none["scaled"](3) is None and echo["scaled"](3) == 3 and echo["Box"]().size(5) == 5
    with pytest.raises(NotImplementedError):
        raises["scaled"](3)
    assert none["SCALE"] == 2


def test_classes_keep_their_structure_and_lose_their_behaviour() -> None:
    solution = """
from dataclasses import dataclass, field

@dataclass
class Stack:
    '''A stack.'''
    items: list = field(default_factory=list)
    LIMIT = 10

    def push(self, item):
        self.items.append(item)

    @property
    def top(self):
        return self.items[-1]

    @staticmethod
    def of(*items):
        return Stack(list(items))

    class Empty(Exception):
        def __str__(self):
            return "empty"
"""
    none, raises = both(solution)
    stack = none["Stack"]()
    assert stack.items == [] and stack.LIMIT == 10  # fields and class constants are shape, kept
    assert stack.push(1) is None and stack.items == []  # the body that appended is gone
    assert stack.top is None and none["Stack"].of(1, 2) is None
    assert issubclass(none["Stack"].Empty, Exception)
    with pytest.raises(NotImplementedError):
        raises["Stack"]().push(1)
    with pytest.raises(NotImplementedError):
        _ = raises["Stack"]().top


def test_async_functions_and_generators_stay_what_they_were() -> None:
    solution = """
async def fetch(url):
    return url.upper()

def count(n):
    for i in range(n):
        yield i

async def ticks(n):
    for i in range(n):
        yield i
"""
    none, raises = both(solution)
    assert asyncio.run(none["fetch"]("x")) is None
    with pytest.raises(NotImplementedError):
        asyncio.run(raises["fetch"]("x"))
    assert inspect.isgeneratorfunction(none["count"]) and list(none["count"](3)) == []
    with pytest.raises(NotImplementedError):
        list(raises["count"](3))

    async def drain(agen) -> list:
        return [item async for item in agen]

    assert inspect.isasyncgenfunction(none["ticks"]) and asyncio.run(drain(none["ticks"](3))) == []


def test_nested_definitions_go_with_the_body() -> None:
    solution = """
def outer(x):
    def helper(y):
        yield y
    return list(helper(x))
"""
    none, _ = both(solution)
    assert not inspect.isgeneratorfunction(none["outer"])  # the nested generator does not make outer one
    assert none["outer"](1) is None and "helper" not in none


def test_top_level_code_that_needs_the_solution_or_dropped_names_is_dropped() -> None:
    solution = """
import math
from typing import TypeVar
T = TypeVar("T")
SQUARES = [i * i for i in range(4)]
TABLE = build()
registry = make_registry()

def build() -> list[T]:
    return [math.sqrt(i) for i in range(3)]

@registry.register
def lookup(i, table=TABLE, limit=len(SQUARES)):
    return TABLE[i]

@build
def decorated():
    return 1

print(lookup(1))
if __name__ == "__main__":
    raise SystemExit(lookup(0))
"""
    for namespace in both(solution):  # both load: nothing kept calls the solution or reads a dropped name
        assert namespace["SQUARES"] == [0, 1, 4, 9] and namespace["math"].pi == pytest.approx(3.14159, rel=1e-5)
        assert "TABLE" not in namespace and "registry" not in namespace
        defaults = inspect.signature(namespace["lookup"]).parameters
        assert defaults["table"].default is None and defaults["limit"].default == 4
        assert callable(namespace["decorated"])  # the solution's own decorator, now a stub, is not applied


def test_a_solution_with_nothing_to_replace_has_no_stand_in() -> None:
    assert stand_ins("from dataclasses import dataclass\n@dataclass\nclass Point:\n    x: int\n    y: int = 0\n") == {}
    assert stand_ins("ANSWER = 42\n") == {}


def test_unparsable_input_is_named() -> None:
    with pytest.raises(UnparsableSource, match=r"the solution cannot be parsed as Python \(line 1\)"):
        stand_ins("def add(a, b)\n    return a + b\n")
    with pytest.raises(UnparsableSource, match=r"the tests cannot be parsed as Python \(line 2\)"):
        names_used("assert add(1, 2) == 3\nassert add(\n", "def add(a, b):\n    return a + b\n")


SOLUTION = "import math\nLIMIT = 3\n\ndef add(a, b):\n    return a + b\n\nclass Box:\n    pass\n"


def test_the_solution_names_are_what_it_defines_not_what_it_imports() -> None:
    assert solution_names(SOLUTION) == {"LIMIT", "add", "Box"}
    assert solution_names(SOLUTION, callables=True) == {"add", "Box"}


@pytest.mark.parametrize(
    ("tests", "used"),
    [
        ("assert add(1, 2) == 3\n", {"add"}),
        ("def check(candidate):\n    assert candidate(1, 2) == 3\n\ncheck(add)\n", {"add"}),
        ("assert isinstance(Box(), Box) and LIMIT == 3\n", {"Box", "LIMIT"}),
        ("assert True\nassert 1 + 1 == 2\n", set()),
        ("assert math.sqrt(4) == 2\n", set()),  # the solution's import is not the solution
        ("def add(a, b):\n    return a + b\nassert add(1, 2) == 3\n", {"add"}),  # shadowed: the stand-in run catches it
    ],
)
def test_names_used_by_the_tests(tests: str, used: set[str]) -> None:
    assert names_used(tests, SOLUTION) == used
