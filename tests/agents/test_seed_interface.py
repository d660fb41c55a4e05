"""The questioner is shown the seed's signatures as code: a problem that keeps them is one the seed can check."""

from __future__ import annotations

from langgraph.runtime import Runtime

from aiev.agents import questioner
from aiev.agents.context import Context
from aiev.agents.seed_interface import signatures

SEED = '''import bisect

_CACHE = {}


def bisect_left(a, x, lo=0, hi=None, *, key=None):
    """Return the index where to insert item x in list a, assuming a is sorted."""
    if lo < 0:
        raise ValueError("lo must be non-negative")
    return bisect.bisect_left(a, x, lo, len(a) if hi is None else hi, key=key)


def _helper(value):
    return value
'''

CLASS_SEED = '''class Counter(dict, metaclass=Meta):
    """Count things."""

    limit = 10

    def __init__(self, iterable=None, /, **kwds) -> None:
        super().__init__()

    @classmethod
    def fromkeys(cls, iterable, v=None):
        raise NotImplementedError

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        return sorted(self.items())[:n]

    def _keep_positive(self):
        return self

    def __missing__(self, key):
        return 0
'''


def test_a_function_seed_shows_its_public_signature_with_defaults_and_no_body() -> None:
    assert signatures(SEED) == "def bisect_left(a, x, lo=0, hi=None, *, key=None):\n    ..."


def test_a_class_seed_shows_its_bases_init_and_public_methods_with_their_decorators() -> None:
    assert signatures(CLASS_SEED) == (
        "class Counter(dict, metaclass=Meta):\n\n"
        "    def __init__(self, iterable=None, /, **kwds) -> None:\n        ...\n\n"
        "    @classmethod\n    def fromkeys(cls, iterable, v=None):\n        ...\n\n"
        "    def most_common(self, n: int | None=None) -> list[tuple[str, int]]:\n        ..."
    )


def test_private_definitions_count_only_when_the_seed_has_nothing_public() -> None:
    assert signatures("def _quote(s):\n    return repr(s)\n") == "def _quote(s):\n    ..."
    assert "_quote" not in signatures("def _quote(s):\n    return s\n\ndef quote(s):\n    return _quote(s)\n")


def test_a_seed_without_definitions_or_that_does_not_parse_shows_nothing() -> None:
    assert signatures("TABLE = {'a': 1}\n") == ""
    assert signatures("def broken(:\n") == ""


def test_the_questioner_request_ends_with_the_seed_signature(scripted) -> None:
    name, model = scripted(["Write `bisect_left(a, x, lo=0, hi=None, *, key=None)`."])
    state = {"seed": {"id": "s", "snippet": SEED, "source": "t"}}
    questioner.node(state, Runtime(context=Context(questioner_model=name)))
    request = model.calls[0][-1].content
    assert request.endswith(
        "```python\ndef bisect_left(a, x, lo=0, hi=None, *, key=None):\n    ...\n```\n\nWrite the new problem now."
    )
    assert "_helper" not in request.split(SEED)[1]  # the snippet is shown whole; the interface is its public part


def test_a_seed_without_definitions_gets_the_request_without_an_interface(scripted) -> None:
    name, model = scripted(["Write `table()`."])
    state = {"seed": {"id": "s", "snippet": "TABLE = {'a': 1}\n", "source": "t"}}
    questioner.node(state, Runtime(context=Context(questioner_model=name)))
    request = model.calls[0][-1].content
    assert "interface" not in request and request.endswith("```\n\nWrite the new problem now.")
