"""The optional parameters a verified function's tests never pass are listed on its record and counted
(``graphs/parameter_coverage.py``).

Seen in ``make demo`` (session 17): the 0.5B's ``b64encode(s, altchars=None)`` replaced NUL bytes by ``altchars``
where its seed translates ``+`` and ``/``; no test passed ``altchars``, so nothing could tell.
"""

from __future__ import annotations

import pytest
from scripted_roles import run_seed

from aiev.graphs.parameter_coverage import unexercised_parameters
from aiev.graphs.pipeline import to_record
from aiev.graphs.report import compute_stats, render_html

B64 = "def b64encode(s, altchars=None, *, pad=True, strict):\n    return s\n"


@pytest.mark.parametrize(
    ("tests", "unexercised"),
    [
        ("assert b64encode(b'x', strict=1) == b'eA=='\n", ["altchars", "pad"]),
        ("assert b64encode(b'x', b'-_', strict=1) == b'eA=='\n", ["pad"]),  # by position
        ("assert b64encode(b'x', altchars=b'-_', strict=1)\ndef test():\n    b64encode(b'', pad=False)\n", []),
        ("args = (b'x',)\nassert b64encode(*args)\n", []),  # unpacked: anything may be passed
        ("assert b64encode(**{'s': b'x'})\n", []),
        ("assert other(b'x', altchars=1)\n", ["altchars", "pad"]),  # another function's call passes nothing
        ("assert b64encode(b'x'\n", []),  # tests that do not parse: nothing can be said
    ],
)
def test_the_optional_parameters_no_call_passes_are_listed(tests: str, unexercised: list[str]) -> None:
    assert unexercised_parameters(B64, tests, "b64encode") == unexercised


def test_only_a_top_level_function_is_read() -> None:
    tests = "assert Codec().encode(b'x')\n"
    assert (
        unexercised_parameters(
            "class Codec:\n    def encode(self, s, errors='strict'):\n        return s\n", tests, "Codec"
        )
        == []
    )
    assert unexercised_parameters(B64, "assert b64encode(b'x')\n", None) == []
    assert unexercised_parameters("def b64encode(s, altchars=None):\n", "assert b64encode(b'x')\n", "b64encode") == []


def test_a_verified_record_lists_them_and_the_run_counts_such_samples(scripted_roles) -> None:
    problem = "Write `scale(x, k=2)`: x times k.\n```python\ndef scale(x: int, k: int = 2) -> int:\n```"
    code = "```python\ndef scale(x, k=2):\n    return x * 2\n```"  # ignores k: only a call passing k could tell
    tests = "```python\nassert scale(1) == 2\nassert scale(3) == 6\n```"
    scripted = scripted_roles(questioner=[problem], programmer=[code], test_writer=[tests])
    state = run_seed(scripted)
    assert state["verdict"]["status"] == "passed"
    record = to_record(state["seed"], state, scripted.context, 1.0)
    assert record["unexercised_parameters"] == ["k"] and record["entry_point"] == "scale"
    stats = compute_stats([record], 1.0)
    assert stats["passed_with_unexercised_parameters"] == 1
    assert "samples whose tests never pass an optional parameter" in render_html(stats, [record])
