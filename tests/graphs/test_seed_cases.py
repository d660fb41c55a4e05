"""More cases from the seed (``graphs/seed_cases.py``): calls near the tests' own, judged by the seed, so that a
solution that hard-codes the tested inputs is not verified."""

from __future__ import annotations

import pytest
from scripted_roles import run_seed, speakers

from aiev.graphs.assert_values import RECORD
from aiev.graphs.seed_cases import near_calls, probe, with_seed_cases
from aiev.sandbox.types import ExecResult, Outcome

SEED = {"id": "double", "snippet": "def double(n):\n    return 2 * n\n", "source": "test"}
PROBLEM = "Write `double(n)`, twice `n`.\n```python\ndef double(n: int) -> int:\n```"
TESTS = "```python\nassert double(3) == 6\nassert double(5) == 10\n```"
# Passes the test writer's two asserts and nothing else (what the 1.5B did with ``waitstatus_to_exitcode``).
HARD_CODED = (
    "```python\ndef double(n):\n    if n == 3:\n        return 6\n    if n == 5:\n        return 10\n    return 0\n```"
)
RIGHT = "```python\ndef double(n):\n    return n + n\n```"


def test_a_solution_that_hard_codes_the_tested_inputs_fails_the_seeds_cases_and_is_revised(scripted_roles) -> None:
    scripted = scripted_roles(
        questioner=[PROBLEM], programmer=[HARD_CODED, RIGHT], test_writer=[TESTS], error_analyst=["It is a table."]
    )
    state = run_seed(scripted, SEED)
    assert state["verdict"]["status"] == "passed" and state["round"] == 2  # a multi-round sample, not a fake pass
    first, second = state["executions"]
    assert first["outcome"] == "failed" and second["outcome"] == "passed"
    added = state["tests"].removeprefix("assert double(3) == 6\nassert double(5) == 10\n").splitlines()
    assert added and all(line.startswith("assert double(") for line in added)
    assert sorted(added) == sorted(f"assert double({n}) == {2 * n}" for n in (4, 6, 10))
    assert any(line in state["messages"][3].content for line in added)  # the interpreter shows the case it failed
    assert state["messages"][2].additional_kwargs["repaired_from_reference"] is True  # the transcript shows them
    assert speakers(state)[:5] == ["questioner", "programmer", "test_writer", "interpreter", "error_analyst"]


def test_near_calls_change_one_constant_argument_at_a_time_within_its_kind() -> None:
    tests = (
        "assert f(0, 2.5) == 1\nassert f(128 + 1, 1.0) == 2\nassert g('abc', [1, 2]) == 3\n"
        "assert g('a', [True]) == 0\nassert h(x) == 1\nassert f(n=1) == 1\nassert other(3) == 3\n"
        "assert f(1, 2.5) == 1\nassert f(None, b'xy') == 0\n"
    )
    calls = near_calls(tests, {"f", "g", "h"}, limit=100)
    assert sorted(calls) == sorted([
        "f(0, 5.0)", "f(0, 3.0)", "f(130, 1.0)", "f(258, 1.0)", "f(129, 2.0)", "f(129, 1.5)",  # 0 -> 1 is tested
        "f(2, 2.5)", "f(1, 5.0)", "f(1, 3.0)",
        "g('ab', [1, 2])", "g('abcc', [1, 2])", "g('abbc', [1, 2])", "g('abc', [1])", "g('abc', [1, 2, 2])",
        "g('ABC', [1, 2])", "g('A', [True])",  # letters in the other case, a one-letter string too
        "f(None, b'x')", "f(None, b'xyy')", "f(None, b'xy\\xfb\\xef\\xff')",  # bytes above 127 appended
    ])  # fmt: skip
    # a name (h(x)), keywords alone (f(n=1): nothing positional), functions the solution lacks, one-element lists or
    # boolean values: no variant
    assert near_calls(tests, {"f", "g", "h"}, limit=3) == near_calls(tests, {"f", "g", "h"}, limit=100)[:3]
    assert near_calls(tests, {"f", "g", "h"}) == near_calls(tests, {"f", "g", "h"})  # fixed by the tests' text
    assert near_calls("assert f(True) == 1\nassert f([]) == 0\n", {"f"}) == []
    # the first separator inside a string is doubled (a run of them), not one at its ends
    assert "f('utf--8')" in near_calls("assert f('utf-8') == 'utf_8'\n", {"f"})
    assert "f(b'a  b-')" in near_calls("assert f(b'a b-') == 1\n", {"f"})


def test_a_dict_loses_its_last_item_or_has_its_last_value_again_under_a_new_key() -> None:
    tests = "assert d({'a': 1, 'bc': 2}) == 0\nassert d({3: 'x'}) == 0\nassert d({(1,): [2]}) == 0\n"
    calls = near_calls(tests, {"d"}, limit=100)
    assert sorted(calls) == sorted(
        ["d({'a': 1})", "d({'a': 1, 'bc': 2, 'b': 2})", "d({3: 'x', 4: 'x'})", "d({3: 'X'})"]
    )  # a string value is varied as a string argument is (here, its case)
    # a key whose near values are not keys of its kind ((1,) has none) gets no new item; an empty dict no variant
    assert near_calls("assert d({}) == 0\n", {"d"}) == []


def test_the_last_string_inside_a_list_or_dict_is_varied_and_marked_like_a_string_argument() -> None:
    # wsgiref's guess_scheme: the 0.5B's lower-cased environ['HTTPS'] and returned None for a value it did not list
    calls = set(near_calls("assert g({'HTTPS': 'yes'}) == 'https'\n", {"g"}, limit=100))
    assert {"g({'HTTPS': 'YES'})", "g({'HTTPS': 'ye'})", "g({'HTTPS': 'yees'})"} <= calls
    # urllib's parse_keqv_list splits each element at its first '=' and strips quotes: the 0.5B's did neither
    seed = "def parse(l):\n    k, v = l[0].split('=', 1)\n"
    seed += "    if v[0] == '\"':\n        v = v[1:-1]\n    return {k: v}\n"
    calls = set(near_calls("assert parse(['a=1', 'bc=2']) == {}\n", {"parse"}, seed, limit=100))
    assert {"parse(['a=1', 'bc==2'])", "parse(['a=1', 'BC=2'])", "parse(['a=1', 'bc=2='])"} <= calls
    assert "parse(['a=1', '\"bc=2'])" in calls  # what the seed tests the value's first character for, prepended
    # containers of numbers, and containers ending in a non-string, have no string to vary
    tests = "assert f([1, 2]) == 0\nassert f({'a': 1}) == 0\n"
    assert set(near_calls(tests, {"f"}, limit=100)) == {"f([1])", "f([1, 2, 2])", "f({'a': 1, 'A': 1})"}


def test_an_optional_parameter_no_test_passes_is_passed_the_other_boolean_or_a_near_value() -> None:
    seed = "def f(s, strict=False, *, width=70, sep=None, flags=re.I):\n    return s\n"
    tests = "assert f('ab') == 'ab'\nassert f('cd', True) == 'cd'\nassert f('ef') == 'ef'\n"
    calls = near_calls(tests, {"f"}, seed, limit=100)
    # each value once, on the first call that can take it; ``strict`` passed by position is not passed again; a None
    # default or one that is no literal has no value to try
    assert calls[:3] == ["f('ab', strict=True)", "f('ab', width=71)", "f('ab', width=140)"]
    assert not any("sep=" in call or "flags=" in call for call in calls)
    assert "f('cd', True, width=71)" not in calls and "f('cd', True, strict=True)" not in calls
    assert near_calls(tests, {"f"}, seed)[:2] == ["f('ab', strict=True)", "f('ab', width=71)"]  # a third of 6
    # a call the tests already make is no new case
    assert "f('ab', strict=True)" not in near_calls(tests + "assert f('ab', strict=True) == 'ab'\n", {"f"}, seed, 100)


def test_a_none_default_the_seed_calls_with_one_argument_is_passed_callables() -> None:
    # bisect's key (session 18: the 0.5B's applied it to x too, and no test passed one); hi is None and never called
    seed = (
        "def bisect_left(a, x, lo=0, hi=None, *, key=None):\n    if hi is None:\n        hi = len(a)\n"
        "    while lo < hi:\n        mid = (lo + hi) // 2\n        if (a[mid] if key is None else key(a[mid])) < x:\n"
        "            lo = mid + 1\n        else:\n            hi = mid\n    return lo\n"
    )
    calls = near_calls("assert bisect_left([1, 2, 3], 2) == 1\n", {"bisect_left"}, seed, limit=30)
    keyed = [call for call in calls if "key=" in call]
    assert keyed == [
        f"bisect_left([1, 2, 3], 2, key={text})" for text in ("lambda v: v * 2", "len", "abs", "str.lower")
    ]
    assert "bisect_left([1, 2, 3], 2, lo=1)" in calls
    # called with two arguments, or not called at all: no kind to go by
    two = "def f(a, cmp=None):\n    return cmp(a, a) if cmp else a\n"
    assert near_calls("assert f(1) == 1\n", {"f"}, two, limit=30) == ["f(2)"]


@pytest.mark.parametrize(
    ("seed", "passed"),
    [
        ("def f(a, x, hi=None):\n    if hi is None:\n        hi = len(a)\n    return a[:hi]\n", ["hi=1"]),
        ("def f(a, x, hi=None):\n    hi = len(a) - 1 if hi is None else hi\n    return a[:hi]\n", ["hi=1"]),
        ("def f(a, x, sep=None):\n    return (sep or ' ').join(a)\n", ["sep='  '"]),
        ("def f(a, x, sep=None):\n    return (sep if sep is not None else ', ').join(a)\n", ["sep=','", "sep=',  '"]),
        ("def f(a, x, n=None):\n    if n is None:\n        n = 3\n    return a[:n]\n", ["n=4", "n=6"]),
        # what the seed puts in the parameter's place tells no kind: a name, an empty literal, None
        ("def f(a, x, n=None):\n    if n is None:\n        n = x\n    return a[:n]\n", []),
        ("def f(a, x, n=None):\n    n = n or []\n    return a + n\n", []),
        ("def f(a, x, n=None):\n    if n is not None:\n        a = a[:n]\n    return a\n", []),
    ],
    ids=[
        "if-is-none-len",
        "ifexp-len-arithmetic",
        "or-one-character",
        "ifexp-is-not-none",
        "if-literal",
        "a-name",
        "empty",
        "no-fallback",
    ],
)
def test_a_none_default_the_seed_fills_in_is_passed_values_of_the_fill_s_kind(seed: str, passed: list[str]) -> None:
    # bisect's ``hi = len(a)`` and capwords' ``sep or ' '``: before, no case passed either, so ignoring them stood
    calls = near_calls("assert f(['a', 'b', 'c'], 2) == 0\n", {"f"}, seed, limit=30)
    assert [call.removeprefix("f(['a', 'b', 'c'], 2, ").removesuffix(")") for call in calls if "=" in call] == passed


def test_a_call_the_tests_collect_is_varied_inside_and_collected_the_same_way() -> None:
    seed = "def unique(items, key=None):\n    seen = set()\n    for item in items:\n"
    seed += "        k = item if key is None else key(item)\n        if k not in seen:\n            seen.add(k)\n"
    seed += "            yield item\n"
    calls = near_calls("assert list(unique('aAb')) == ['a', 'A', 'b']\n", {"unique"}, seed, limit=30)
    assert "list(unique('aAb', key=str.lower))" in calls and "list(unique('aA'))" in calls
    assert all(call.startswith("list(unique(") for call in calls)
    # only a builtin that collects, around a call of one of the functions
    assert near_calls("assert len(unique('ab')) == 2\nassert list(other('ab')) == []\n", {"unique"}, seed) == []


def test_an_argument_the_seed_changes_in_place_is_compared_after_the_call() -> None:
    # operator's iconcat is ``a += b``: the 0.5B's returned ``a + b`` and was verified on return values alone
    seed = "def iconcat(a, b):\n    a += b\n    return a\n"
    calls = near_calls("assert iconcat([1, 2], [3]) == [1, 2, 3]\n", {"iconcat"}, seed, limit=30)
    assert sorted(calls) == sorted(
        ["(iconcat((a := [1, 2]), [3]), a)", "(iconcat((a := [1]), [3]), a)", "(iconcat((a := [1, 2, 2]), [3]), a)"]
    )  # the tested input too; b is never changed, so it is not looked at
    namespace: dict = {}
    exec(seed, namespace)  # the case says what the call returned and what ``a`` became
    assert eval("(iconcat((a := [1, 2]), [3]), a)", namespace) == ([1, 2, 3], [1, 2, 3])
    # methods, items and deletions change a parameter too; a string argument cannot change, a parameter whose name a
    # case would rebind the tests' function (or a builtin) with is not bound
    pop = "def take(d, key, list=None):\n    value = d.pop(key)\n    del list[0]\n    return value\n"
    calls = near_calls("assert take({'a': 1, 'b': 2}, 'a', [1]) == 1\n", {"take"}, pop, limit=30)
    assert calls and all(call.startswith("(take((d := {") and call.endswith("), d)") for call in calls), calls
    strings = near_calls("assert take('ab', 'a') == 1\n", {"take"}, pop, limit=30)
    assert "take('abb', 'a')" in strings and not any(":=" in call for call in strings)
    assert all(
        ":=" not in call for call in near_calls("assert d([1], 2) == 1\n", {"d"}, "def d(d, k):\n    d[0] = k\n")
    )


def test_a_seed_that_splits_lines_or_strips_whitespace_gets_such_lines_and_whitespace_around_inputs() -> None:
    # textwrap's indent leaves whitespace-only lines alone (``line.strip()`` is false for them): the 0.5B's prefixed
    # every line and was verified on one-line inputs
    seed = (
        "def indent(text, prefix):\n    def prefixed_lines():\n        for line in text.splitlines(True):\n"
        "            yield (prefix + line if line.strip() else line)\n    return ''.join(prefixed_lines())\n"
    )
    calls = set(near_calls("assert indent('Hello world', '  ') == '  Hello world'\n", {"indent"}, seed, limit=100))
    assert {
        "indent('Hello world\\n\\n', '  ')", "indent('Hello world\\n \\t\\n', '  ')",
        "indent(' \\tHello world', '  ')", "indent('Hello world\\t \\n', '  ')",
    } <= calls  # fmt: skip
    # strip with an argument strips that, not whitespace; no splitlines, no line marks
    quoted = "def unquote(s):\n    return s.strip('\"')\n"
    assert not any("\\t" in call for call in near_calls("assert unquote('a b') == 'a b'\n", {"unquote"}, quoted, 100))


def test_only_values_the_seed_gives_as_literals_become_cases() -> None:
    calls = ["f(1)", "f(2)", "f(3)", "f(4)"]
    assert probe(calls).splitlines() == [f"assert {call} == None" for call in calls]
    printed = f"{RECORD}0 value 2\n{RECORD}1 raises ValueError\n{RECORD}2 value <object at 0x1>\n{RECORD}3 value None\n"
    ran = ExecResult(outcome=Outcome.PASSED, stdout=printed)
    assert (
        with_seed_cases("assert f(0) == 0\n", calls, ran) == "assert f(0) == 0\nassert f(1) == 2\nassert f(4) == None\n"
    )
    assert with_seed_cases("assert f(0) == 0\n", calls, ExecResult(outcome=Outcome.FAILED, stdout=printed)) is None
    raised = ExecResult(outcome=Outcome.PASSED, stdout=f"{RECORD}0 raises ValueError\n")
    assert with_seed_cases("assert f(0) == 0\n", ["f(2)"], raised) is None


def test_the_sample_shows_the_tests_a_later_candidate_ran_after_its_own_check_rewrote_them(scripted_roles) -> None:
    # The first candidate adds a parameter, so the seed cannot judge its tests (no rewrite); the second keeps the
    # seed's signature, so its check adds the seed's cases. The 1.5B's ``text_encoding`` passed that way while the
    # sample kept the tests before the rewrite, which its own solution fails.
    renamed = "```python\ndef double(n, factor=3):\n    return n * factor\n```"
    scripted = scripted_roles(
        questioner=[PROBLEM], programmer=[renamed, RIGHT], test_writer=[TESTS], context={"candidates": 2}
    )
    state = run_seed(scripted, SEED)
    assert state["verdict"]["status"] == "passed" and state["round"] == 1
    [record] = state["executions"]
    assert record["candidate"] == 1 and record["test_quality"]["repaired"] == state["tests"]
    assert state["tests"] != "assert double(3) == 6\nassert double(5) == 10\n"  # the seed's cases are there
    assert state["messages"][2].content == f"```python\n{state['tests'].rstrip()}\n```"


def test_half_the_cases_append_a_character_the_seed_spells_out() -> None:
    # html.escape: the 1.5B's escape replaced quotes before '&' (escaping them twice) and was verified, since neither
    # the test writer's inputs nor their near variants held a quote
    seed = (
        'def escape(s, quote=True):\n    """Escape "&", "<" and ">"."""\n    s = s.replace("&", "&amp;")\n'
        '    if quote:\n        s = s.replace(\'"\', "&quot;")\n    return s\n'
    )
    tests = "assert escape('Hello, world!') == 'Hello, world!'\nassert escape('a<b') == 'a&lt;b'\n"
    calls = near_calls(tests, {"escape"}, seed)
    appended = [call for call in calls if call.endswith(("&')", "\"')", "'\"')", ";')"))]
    # first the parameter no test passes, then half of the five left with a mark (``quote=False`` is also what the
    # 1.5B's double escaping got wrong)
    assert len(calls) == 6 and calls[0] == "escape('Hello, world!', quote=False)" and len(appended) == 2
    assert set(near_calls(tests, {"escape"}, seed, limit=100)) >= {
        "escape('Hello, world!&')", "escape('Hello, world!\"')", "escape('a<b&')", "escape('a<b\"')",
    }  # fmt: skip
    # the docstring's characters are not the seed's: ``"&"`` is spelled in code too, ``<`` only in the docstring
    assert "escape('Hello, world!<')" not in near_calls(tests, {"escape"}, seed, limit=100)
    assert near_calls(tests, {"escape"}, seed) == calls  # fixed by the tests' text


def test_the_punctuation_of_the_seeds_longer_strings_is_appended_too() -> None:
    # cgitb's grey wraps its input in a tag: the 0.5B's grey HTML-escaped the input and was verified, since no input
    # held a '<'; letters, digits and spaces of the tag are no dictionary entries
    seed = "def grey(text):\n    if text:\n        return '<font color=\"#909090\">' + text + '</font>'\n"
    tests = "assert grey('Hello') == '<font color=\"#909090\">Hello</font>'\n"
    appended = {call.removeprefix("grey('Hello").removesuffix("')") for call in near_calls(tests, {"grey"}, seed, 100)}
    assert appended >= {"<", "=", '"', "#", ">", "/"} and not appended & {"f", "9", " "}


def test_what_the_seed_tests_an_inputs_ends_for_goes_around_a_string_argument() -> None:
    # email.utils.unquote strips "..." and <...>: the 0.5B's tests, repaired from the seed, were all identities
    seed = (
        "def unquote(str):\n    if len(str) > 1:\n        if str.startswith('\"') and str.endswith('\"'):\n"
        "            return str[1:-1]\n        if str.startswith('<') and str.endswith(('>', ']')):\n"
        "            return str[1:-1]\n    return str\n"
    )
    calls = near_calls("assert unquote('ab') == 'ab'\n", {"unquote"}, seed, limit=100)
    assert {"unquote('\"ab\"')", "unquote('<ab>')", "unquote('<ab]')", "unquote('<ab')", "unquote('ab>')"} <= set(calls)


def test_line_ends_get_the_other_convention_and_bytes_get_the_seeds_marks_too() -> None:
    # the 0.5B's decode_source dropped the seed's universal-newline decoding: every input ended lines with \n alone
    calls = near_calls("assert decode(b'a\\nb') == 'a\\nb'\nassert lines('x\\ny') == ['x', 'y']\n", {"decode", "lines"})
    assert "decode(b'a\\r\\nb')" in calls and "lines('x\\r\\ny')" in calls
    # line ends already \r\n are left as they are (only the other variants)
    assert sorted(near_calls("assert lines('x\\r\\ny') == 2\n", {"lines"}, limit=100)) == sorted(
        ["lines('x\\r\\n')", "lines('x\\r\\nyy')", "lines('x\\r\\r\\ny')", "lines('X\\r\\nY')"]
    )
    # a bytes argument gets a str mark of the seed in Latin-1
    assert "unquote(b'ab>')" in near_calls(
        "assert unquote(b'ab') == b'ab'\n", {"unquote"}, "def f(s):\n    return s.endswith('>')\n", 100
    )


RFC822 = {
    "id": "rfc822",
    "snippet": "def rfc822_escape(header):\n    lines = header.split('\\n')\n    sep = '\\n' + 8 * ' '\n"
    "    return sep.join(lines)\n",
    "source": "test",
}
RFC822_PROBLEM = (
    "Write `rfc822_escape(header)`: 8 spaces after each newline.\n```python\ndef rfc822_escape(header):\n```"
)
# What the 0.5B wrote three rounds running: no input holds a newline, so the identity passes every assert
IDENTITY_TESTS = (
    "```python\nassert rfc822_escape('Hello world') == 'Hello world'\nassert rfc822_escape('a b') == 'a b'\n```"
)
RFC822_RIGHT = "```python\ndef rfc822_escape(header):\n    return header.replace('\\n', '\\n' + ' ' * 8)\n```"
RFC822_WRONG = "```python\ndef rfc822_escape(header):\n    return header\n```"


def test_vacuous_tests_are_rescued_by_the_seeds_cases_and_then_tell_a_wrong_solution_apart(scripted_roles) -> None:
    scripted = scripted_roles(
        questioner=[RFC822_PROBLEM],
        programmer=[RFC822_WRONG, RFC822_RIGHT],
        test_writer=[IDENTITY_TESTS],
        error_analyst=["Newlines are not escaped."],
    )
    state = run_seed(scripted, RFC822)
    assert state["verdict"]["status"] == "passed" and state["round"] == 2  # the identity failed the seed's cases
    first, second = state["executions"]
    assert first["outcome"] == "failed" and first["test_quality"]["verdict"] == "verifies"
    added = [line for line in state["tests"].splitlines() if "\\n" in line]
    assert added and all(line.endswith("'") and "\\n        " in line for line in added)  # the seed's values


def test_vacuous_tests_the_seed_cannot_rescue_are_still_refused(scripted_roles) -> None:
    # tests whose only input is a name, not a constant: no call to vary, so no seed case can be added
    tests = "```python\nx = 'a b'\nassert rfc822_escape(x) == x\n```"
    scripted = scripted_roles(
        questioner=[RFC822_PROBLEM], programmer=[RFC822_RIGHT], test_writer=[tests] * 5, context={"max_rounds": 3}
    )
    state = run_seed(scripted, RFC822)
    assert state["verdict"]["reason"] == "vacuous_tests"
    assert all(record["test_quality"]["verdict"] == "vacuous" for record in state["executions"])


def _differ(calls: list[str], seed: str, solution: str) -> list[str]:
    """The ``calls`` on which ``seed`` and ``solution`` give different values (or one of them raises)."""

    def outcome(code: str, call: str) -> object:
        namespace: dict = {}
        exec(code, namespace)
        try:
            return eval(call, namespace)
        except Exception as error:  # what it raised is the outcome compared
            return type(error)

    return [call for call in calls if outcome(seed, call) != outcome(solution, call)]


HEADER_ENCODE = (
    "from base64 import b64encode\n\ndef header_encode(header_bytes, charset='iso-8859-1'):\n"
    "    if not header_bytes:\n        return ''\n    if isinstance(header_bytes, str):\n"
    "        header_bytes = header_bytes.encode(charset)\n    encoded = b64encode(header_bytes).decode('ascii')\n"
    "    return '=?%s?b?%s?=' % (charset, encoded)\n"
)
# session 22's 1.5B: the bytes decoded with the charset, then encoded as UTF-8; the same as the seed on ASCII
HEADER_ENCODE_UTF8 = (
    "import base64\n\ndef header_encode(header_bytes, charset='iso-8859-1'):\n    if not header_bytes:\n"
    "        return ''\n    if isinstance(header_bytes, bytes):\n        header_bytes = header_bytes.decode(charset)\n"
    "    encoded = base64.b64encode(header_bytes.encode('utf-8')).decode('ascii')\n"
    "    return f'=?{charset}?b?{encoded}?='\n"
)


def test_a_seed_that_encodes_or_decodes_gets_characters_beyond_ascii_in_its_inputs() -> None:
    tests = (
        "assert header_encode(b'Hello') == '=?iso-8859-1?b?SGVsbG8=?='\n"
        "assert header_encode('Hi') == '=?iso-8859-1?b?SGk=?='\n"
    )
    calls = near_calls(tests, {"header_encode"}, HEADER_ENCODE, limit=100)
    # bytes take the Latin-1 character only (the euro sign has no Latin-1 byte), a str takes both
    assert {"header_encode(b'Hello\\xe9')", "header_encode('Hié')", "header_encode('Hi€é')"} <= set(calls)
    assert not any("\\xe2" in call for call in calls)
    assert {"header_encode(b'Hello\\xe9')", "header_encode('Hié')"} <= set(
        _differ(calls, HEADER_ENCODE, HEADER_ENCODE_UTF8)
    )
    # without the marks of a seed that encodes, no str case tells the two apart; the bytes above 127 every bytes
    # input gets do, whatever the seed
    plain = _differ(
        near_calls(tests, {"header_encode"}, "def f(s):\n    return s\n", 100), HEADER_ENCODE, HEADER_ENCODE_UTF8
    )
    assert plain == ["header_encode(b'Hello\\xfb\\xef\\xff')"]


PARSE_KEQV_LIST = (
    "def parse_keqv_list(l):\n    parsed = {}\n    for elt in l:\n        k, v = elt.split('=', 1)\n"
    "        if v[0] == '\"' and v[-1] == '\"':\n            v = v[1:-1]\n        parsed[k] = v\n    return parsed\n"
)
# session 22's 1.5B: quotes taken off a value that starts with one and holds another anywhere, spaces stripped
PARSE_KEQV_LIST_LOOSE = (
    "def parse_keqv_list(l):\n    result = {}\n    for item in l:\n        key, value = item.split('=', 1)\n"
    "        value = value.strip()\n        if value.startswith('\"') and '\"' in value:\n"
    "            value = value[1:-1]\n        result[key] = value\n    return result\n"
)


def test_what_the_seed_tests_a_parts_start_for_goes_right_after_the_separator_it_splits_at() -> None:
    # bare values, as the 1.5B's tests had: a half-quoted value and a space after ``=`` tell the loose one apart
    bare = near_calls("assert parse_keqv_list(['a=1']) == {'a': '1'}\n", {"parse_keqv_list"}, PARSE_KEQV_LIST, 100)
    told = {"parse_keqv_list(['a=\"1'])", "parse_keqv_list(['a= 1'])"}
    assert told <= set(_differ(bare, PARSE_KEQV_LIST, PARSE_KEQV_LIST_LOOSE))
    # the last element of a list, a quoted value: a quote and a space right after its ``=``
    tests = "assert parse_keqv_list(['a=b', 'c=\"d\"']) == {'a': 'b', 'c': 'd'}\n"
    calls = near_calls(tests, {"parse_keqv_list"}, PARSE_KEQV_LIST, limit=100)
    assert {"parse_keqv_list(['a=b', 'c=\"\"d\"'])", "parse_keqv_list(['a=b', 'c= \"d\"'])"} <= set(calls)
    # a string with no separator takes no such mark; a seed that splits at whitespace makes none
    assert not any(
        "= " in call
        for call in near_calls("assert parse_keqv_list(['a']) == {}\n", {"parse_keqv_list"}, PARSE_KEQV_LIST, 100)
    )
    assert "f('a= b')" not in near_calls("assert f('a=b') == 1\n", {"f"}, "def f(s):\n    return s.split()\n", 100)


SEGREGATE = (
    "def segregate(str):\n    base = bytearray()\n    extended = set()\n    for c in str:\n        if ord(c) < 128:\n"
    "            base.append(ord(c))\n        else:\n            extended.add(c)\n    extended = sorted(extended)\n"
    "    return bytes(base), extended\n"
)
# session 23's 1.5B: the characters above 127 neither sorted nor rid of repeats (and a bytearray, equal to the bytes)
SEGREGATE_AS_FOUND = (
    "def segregate(str):\n    byte_array = bytearray()\n    sorted_list = []\n    for char in str:\n"
    "        if ord(char) < 128:\n            byte_array.append(ord(char))\n        else:\n"
    "            sorted_list.append(char)\n    return byte_array, sorted_list\n"
)


def test_a_seed_that_reads_code_points_gets_characters_beyond_ascii_out_of_their_order() -> None:
    tests = "assert segregate('hello') == (b'hello', [])\nassert segregate('abcABC') == (b'abcABC', [])\n"
    calls = near_calls(tests, {"segregate"}, SEGREGATE, limit=100)
    assert sorted(_differ(calls, SEGREGATE, SEGREGATE_AS_FOUND)) == ["segregate('abcABC€é')", "segregate('hello€é')"]
    # within the cases a run takes (6), half are marked: one of them tells the two apart
    assert _differ(near_calls(tests, {"segregate"}, SEGREGATE), SEGREGATE, SEGREGATE_AS_FOUND)


def test_a_seed_that_tells_nested_containers_apart_gets_inputs_nested_one_level() -> None:
    seed = (
        "def flat(items):\n    out = []\n    for item in items:\n        if isinstance(item, (tuple, list)):\n"
        "            out.extend(flat(item))\n        else:\n            out.append(item)\n    return out\n"
    )
    calls = near_calls("assert flat([1, 2, 3]) == [1, 2, 3]\n", {"flat"}, seed, limit=100)
    assert {"flat([1, 2, (3,)])", "flat([1, (2, 3)])"} <= set(calls)  # the first container the seed names
    assert "flat([1, 2, [3]])" not in calls
    # a seed that never tells a container from other values gets no nested input
    plain = "def flat(items):\n    return list(items)\n"
    assert not any(
        "(3,)" in call or "[3]" in call
        for call in near_calls("assert flat([1, 2, 3]) == [1, 2, 3]\n", {"flat"}, plain, 100)
    )


def test_a_call_passing_keywords_is_varied_in_its_positional_arguments_and_keeps_them() -> None:
    tests = "assert f(b'ab', sep=b'!') == 1\n"
    calls = near_calls(tests, {"f"}, "def f(data, sep=None, pad=False):\n    return data\n", limit=100)
    assert "f(b'a', sep=b'!')" in calls and "f(b'ab\\xfb\\xef\\xff', sep=b'!')" in calls  # high bytes for bytes
    assert "f(b'ab', pad=True, sep=b'!')" in calls  # the optional parameter the call leaves out, by keyword
    assert all(call.count("sep=") == 1 for call in calls)  # never passed twice
    assert not near_calls("assert f(b'ab', **opts) == 1\n", {"f"}, "def f(data, **kw):\n    return data\n", 100)
