"""Standard-library imports a reply forgot: which names get one, from where, and where the line goes."""

from __future__ import annotations

import pytest

from aiev.agents import programmer
from aiev.agents.missing_imports import missing_imports, with_imports


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("def f(x):\n    return types.SimpleNamespace(x=x)\n", ["import types"]),
        ("def f(x) -> Tuple[int, int]:\n    return x, x\n", ["from typing import Tuple"]),
        # typing's Counter cannot be instantiated: collections' is the one code means
        ("def f(s):\n    return Counter(s)\n", ["from collections import Counter"]),
        (
            "class T(TestCase):\n    def test(self) -> Optional[int]:\n        self.assertEqual(reduce(max, [1]), 1)\n",
            ["from functools import reduce", "from typing import Optional", "from unittest import TestCase"],
        ),
        ("def f(a, b):\n    return codecs.encode(a) + math.floor(b)\n", ["import codecs", "import math"]),
        ("def f(d: Dict[str, List[int]]):\n    return d\n", ["from typing import Dict, List"]),
    ],
)
def test_undefined_names_get_their_standard_library_import(code, expected) -> None:
    assert missing_imports(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        "import types\ndef f():\n    return types.SimpleNamespace()\n",  # imported already
        "def f():\n    return helper(1)\n",  # the model's own missing function: for the feedback loop
        "def f(x):\n    return x + math\n",  # a module name not used as one: importing it would not help
        "def f():\n    return numpy.zeros(3)\n",  # not the standard library
        "def f(:\n    return types.X\n",  # does not parse: nothing to analyse
        "def f(types):\n    return types.X\n",  # a parameter, not a module
    ],
)
def test_names_that_are_defined_or_not_a_known_import_get_none(code) -> None:
    assert missing_imports(code) == []


def test_a_name_bound_elsewhere_in_the_program_is_never_imported_over() -> None:
    # the tests run after the solution in one file: an import there would replace the solution's own Counter
    assert missing_imports("assert Counter('aab').most('a') == 2\n", bound={"Counter"}) == []


def test_the_imports_go_to_the_top_of_the_first_block_after_future_imports() -> None:
    first = "from __future__ import annotations\ndef f() -> Tuple[int]:\n    return (1,)"
    reply = f"Code:\n```python\n{first}\n```\nAnd:\n```python\nassert types.SimpleNamespace()\n```"
    fixed = with_imports(reply, [first, "assert types.SimpleNamespace()"])
    assert fixed == reply.replace("annotations\n", "annotations\nimport types\nfrom typing import Tuple\n")


def test_a_block_not_found_in_the_reply_leaves_it_as_it_is() -> None:
    reply = "```python\ndef f():\n    return types.X\n```"
    assert with_imports(reply, ["def g():\n    return types.X"]) == reply
    assert with_imports(reply, []) == reply


def test_a_candidate_carries_the_import_in_its_code_and_in_its_turn() -> None:
    reply = "Here:\n```python\ndef pair(x) -> Tuple[int, int]:\n    return (x, x)\n\nprint(pair(1))\n```"
    answer = programmer.candidate(reply, "pair")
    assert answer["solution"] == "from typing import Tuple\ndef pair(x) -> Tuple[int, int]:\n    return (x, x)\n"
    assert "```python\nfrom typing import Tuple\ndef pair" in answer["text"]
    namespace: dict = {}
    exec(answer["solution"], namespace)  # the code as the sample shows it runs
    assert namespace["pair"](2) == (2, 2)
