"""After a pass, the seed judges inputs the tests lack (``graphs/seed_gate.py``): a solution wrong on one of them
fails the round on that case, which the sample's tests then carry. Scripted role models where a dialogue runs, and the
real local sandbox: the seed and the solutions really run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from scripted_roles import run_seed, speakers

from aiev.agents.context import Context
from aiev.graphs.pipeline import to_record
from aiev.graphs.report import compute_stats, render_html
from aiev.graphs.seed_cases import near_calls
from aiev.graphs.seed_gate import Gate, check
from aiev.graphs.test_quality import check_tests

BENCH = Path(__file__).resolve().parents[2] / "bench" / "seed_gate_replay.py"
DOUBLE = "def double(n):\n    return 2 * n\n"
DOUBLE_TESTS = "assert double(3) == 6\nassert double(5) == 10\n"  # near calls: double(4), double(6), double(10)


@pytest.fixture
def context() -> Context:
    return Context.from_mapping({"sandbox": "local", "timeout_s": 10.0})


def test_a_solution_right_on_every_case_the_seed_answers_passes_the_gate(context) -> None:
    assert check("def double(n):\n    return n + n\n", DOUBLE_TESTS, [], DOUBLE, context) == Gate(3, None)


def test_the_first_case_a_solution_gets_wrong_is_appended_alone(context) -> None:
    wrong_at_ten = "def double(n):\n    return 0 if n == 10 else 2 * n\n"
    assert check(wrong_at_ten, DOUBLE_TESTS, [], DOUBLE, context) == Gate(3, DOUBLE_TESTS + "assert double(10) == 20\n")
    raises_at_six = "def double(n):\n    if n == 6:\n        raise ValueError(n)\n    return 2 * n\n"
    assert check(raises_at_six, DOUBLE_TESTS, [], DOUBLE, context) == Gate(3, DOUBLE_TESTS + "assert double(6) == 12\n")


def test_a_solution_that_ends_the_run_on_a_case_gets_every_case(context) -> None:
    exits_at_four = "def double(n):\n    if n == 4:\n        raise SystemExit(0)\n    return 2 * n\n"
    gate = check(exits_at_four, DOUBLE_TESTS, [], DOUBLE, context)
    assert gate.cases == 3 and gate.tests is not None  # which case ended it, the run cannot say: all of them
    added = ["assert double(4) == 8", "assert double(6) == 12", "assert double(10) == 20"]
    assert sorted(gate.tests.removeprefix(DOUBLE_TESTS).splitlines()) == sorted(added)


def test_floats_are_compared_within_the_tolerance_and_wrong_ones_still_caught(context) -> None:
    third, tests = "def third(x):\n    return x / 3\n", "assert third(1.5) == 0.5\n"
    assert check("def third(x):\n    return round(x / 3, 12)\n", tests, [], third, context) == Gate(2, None)
    gate = check("def third(x):\n    return x / 2\n", tests, [], third, context)
    assert gate.cases == 2 and gate.tests is not None and "math.isclose(third(" in gate.tests


def test_an_end_the_seed_compares_by_index_is_put_on_the_inputs(context) -> None:
    # multiprocessing's is_abstract_socket_namespace; the 0.5B's ``address[0] == '0x'`` (never true for a str) was
    # verified: no test input began with a NUL, and the seed spells it as ``address[0] == "\\0"``, not startswith
    seed = (
        "def is_abstract_socket_namespace(address):\n    if not address:\n        return False\n"
        "    if isinstance(address, bytes):\n        return address[0] == 0\n"
        "    elif isinstance(address, str):\n        return address[0] == '\\0'\n    raise TypeError(address)\n"
    )
    wrong = seed.replace("address[0] == '\\0'", "address[0] == '0x'")
    tests = "assert is_abstract_socket_namespace('0x0') == False\nassert is_abstract_socket_namespace(b'\\0') == True\n"
    gate = check(wrong, tests, [], seed, context)
    assert gate.tests is not None and "is_abstract_socket_namespace('\\x00" in gate.tests.removeprefix(tests)
    assert check(seed, tests, [], seed, context).tests is None


def test_inputs_in_the_other_case_catch_a_solution_that_does_not_fold_case(context) -> None:
    # make demo's verified strtobool (session 15): no ``val.lower()``, and every other variant of 'yes' the seed rejects
    seed = (
        "def strtobool(val):\n    val = val.lower()\n    if val in ('y', 'yes', 'on', '1'):\n        return 1\n"
        "    elif val in ('n', 'no', 'off', '0'):\n        return 0\n    raise ValueError(val)\n"
    )
    wrong = "def strtobool(val):\n    return val in ['y', 'yes', 'on', '1']\n"
    tests = "assert strtobool('yes') == True\nassert strtobool('no') == False\n"
    gate = check(wrong, tests, [], seed, context)
    assert gate.tests == tests + "assert strtobool('YES') == 1\n"
    assert check(seed, tests, [], seed, context).tests is None


def test_a_value_under_a_second_key_catches_a_mapping_inverted_without_the_seeds_duplicates_rule(context) -> None:
    # codecs.make_encoding_map; the 0.5B's, verified in sessions 15 and 16, inverts {k: v} without the seed's None for
    # a target that occurs twice: its tests' dicts (duplicate keys in the literal) each held one item
    seed = (
        "def make_encoding_map(decoding_map):\n    m = {}\n    for k, v in decoding_map.items():\n"
        "        if not v in m:\n            m[v] = k\n        else:\n            m[v] = None\n    return m\n"
    )
    wrong = "def make_encoding_map(decoding_map):\n    return {v: k for k, v in decoding_map.items()}\n"
    tests = "assert make_encoding_map({'cp875': '\\x1a'}) == {'\\x1a': 'cp875'}\n"
    gate = check(wrong, tests, [], seed, context)
    assert gate.tests is not None and gate.tests.startswith(tests)
    added = gate.tests.removeprefix(tests)
    assert added.count("\n") == 1 and added.rstrip().endswith("== {'\\x1a': None}"), added
    assert check(seed, tests, [], seed, context) == Gate(gate.cases, None)


GUESS_SCHEME = (
    "def guess_scheme(environ):\n    if environ.get('HTTPS') in ('yes', 'on', '1'):\n        return 'https'\n"
    "    else:\n        return 'http'\n"
)
INDENT = (
    "def indent(text, prefix, predicate=None):\n    if predicate is None:\n        def predicate(line):\n"
    "            return line.strip()\n\n    def prefixed_lines():\n        for line in text.splitlines(True):\n"
    "            yield (prefix + line if predicate(line) else line)\n    return ''.join(prefixed_lines())\n"
)
GETMODULENAME = (
    "import importlib.machinery\nimport os\n\ndef getmodulename(path):\n    fname = os.path.basename(path)\n"
    "    suffixes = [(-len(suffix), suffix) for suffix in importlib.machinery.all_suffixes()]\n    suffixes.sort()\n"
    "    for neglen, suffix in suffixes:\n        if fname.endswith(suffix):\n            return fname[:neglen]\n"
    "    return None\n"
)
PARSE_KEQV = (
    "def parse_keqv_list(l):\n    parsed = {}\n    for elt in l:\n        k, v = elt.split('=', 1)\n"
    "        if v[0] == '\"' and v[-1] == '\"':\n            v = v[1:-1]\n        parsed[k] = v\n    return parsed\n"
)
BISECT_LEFT = (
    "def bisect_left(a, x, lo=0, hi=None, *, key=None):\n    if lo < 0:\n"
    "        raise ValueError('lo must be non-negative')\n"
    "    if hi is None:\n        hi = len(a)\n    while lo < hi:\n        mid = (lo + hi) // 2\n"
    "        if (a[mid] if key is None else key(a[mid])) < x:\n            lo = mid + 1\n        else:\n"
    "            hi = mid\n    return lo\n"
)
TUPLE_NAME = (
    "def tuple_name(param_list):\n    l = []\n    for obj in param_list:\n        if isinstance(obj, list):\n"
    "            l.append(tuple_name(obj))\n        else:\n            l.append(obj)\n    return '_'.join(l)\n"
)
B64ENCODE = (
    "import binascii\n\ndef b64encode(s, altchars=None):\n    encoded = binascii.b2a_base64(s, newline=False)\n"
    "    if altchars is not None:\n        assert len(altchars) == 2, repr(altchars)\n"
    "        return encoded.translate(bytes.maketrans(b'+/', altchars))\n    return encoded\n"
)
ICONCAT = (
    "def iconcat(a, b):\n    if not hasattr(a, '__getitem__'):\n"
    "        raise TypeError(f\"'{type(a).__name__}' object can't be concatenated\")\n    a += b\n    return a\n"
)


@pytest.mark.parametrize(
    ("seed", "wrong", "tests"),
    [
        (  # lower-cases the value, and returns None for one it does not list
            GUESS_SCHEME,
            "def guess_scheme(environ):\n    if 'HTTPS' in environ:\n        v = environ['HTTPS'].lower()\n"
            "        if v in ('yes', 'on', '1'):\n            return 'https'\n        elif v in ('no', 'off'):\n"
            "            return 'http'\n    else:\n        return 'http'\n",
            "assert guess_scheme({'HTTPS': 'yes'}) == 'https'\nassert guess_scheme({'HTTPS': 'no'}) == 'http'\n",
        ),
        (  # prefixes whitespace-only lines
            INDENT,
            "def indent(text, prefix, predicate=None):\n    lines = text.split('\\n')\n"
            "    return '\\n'.join(prefix + l if predicate is None or predicate(l) else l for l in lines)\n",
            "assert indent('Hello world', '  ') == '  Hello world'\nassert indent('a', '> ') == '> a'\n",
        ),
        (  # splits at every '=' and keeps the quotes
            PARSE_KEQV,
            "def parse_keqv_list(l):\n    result = {}\n    for kv in l:\n        key, value = kv.split('=')\n"
            "        result[key] = value\n    return result\n",
            "assert parse_keqv_list(['name=John', 'age=30']) == {'name': 'John', 'age': '30'}\n"
            "assert parse_keqv_list(['a=b']) == {'a': 'b'}\n",
        ),
        (  # keeps the directories (session 18's draw, and session 11's: the same seed, the same mistake)
            GETMODULENAME,
            "def getmodulename(path):\n    if path.endswith('.py'):\n        return path[:-3]\n    return None\n",
            "assert getmodulename('example.py') == 'example'\nassert getmodulename('example.pyx') == None\n",
        ),
        (  # applies key to x too (key=None by default: no call of the tests passed one)
            BISECT_LEFT,
            "def bisect_left(a, x, lo=0, hi=None, *, key=None):\n    if hi is None: hi = len(a)\n"
            "    if key is None:\n        key = lambda x: x\n    while lo < hi:\n        mid = (lo + hi) // 2\n"
            "        if key(a[mid]) < key(x):\n            lo = mid + 1\n        else:\n"
            "            hi = mid\n    return lo\n",
            "assert bisect_left([1, 2, 3, 4, 5], 3) == 2\nassert bisect_left([1, 2, 3, 4, 5], 6) == 5\n",
        ),
        (  # returns a + b and never extends a in place
            ICONCAT,
            "def iconcat(a, b):\n    return a + b\n",
            "assert iconcat([1, 2, 3], [4, 5, 6]) == [1, 2, 3, 4, 5, 6]\nassert iconcat([], [1, 2, 3]) == [1, 2, 3]\n",
        ),
        (  # session 23's 1.5B: a nested list becomes a tuple, which join then refuses (every tested list flat)
            TUPLE_NAME,
            "from typing import List\n\ndef tuple_name(param_list: List) -> str:\n"
            "    return '_'.join(tuple(element) if isinstance(element, list) else element for element in param_list)\n",
            "assert tuple_name(['hello', 'world']) == 'hello_world'\n"
            "assert tuple_name(['hello', 'world', 'world']) == 'hello_world_world'\n",
        ),
        (  # session 24's 1.5B: ignores altchars, passed by keyword in a test whose input encodes without '+' or '/'
            B64ENCODE,
            "import binascii\n\ndef b64encode(s, altchars=None):\n    return binascii.b2a_base64(s).rstrip()\n",
            "assert b64encode(b'Hello, world!') == b'SGVsbG8sIHdvcmxkIQ=='\n"
            "assert b64encode(b'Hello, world!', altchars=b'!@') == b'SGVsbG8sIHdvcmxkIQ=='\n",
        ),
    ],
    ids=[
        "guess_scheme",
        "indent",
        "parse_keqv_list",
        "getmodulename",
        "bisect_left",
        "iconcat",
        "tuple_name",
        "b64encode",
    ],
)
def test_wrong_verified_samples_of_the_draws_are_overturned_and_their_seeds_pass(context, seed, wrong, tests) -> None:
    # the 0.5B's wrong samples whose tests the seed also passed (draws 1326210381 and 1708960021), cut to two asserts:
    # the gate had 5, 19, 7, 25, 30 and 24 cases for them and none held a value in the other case, a whitespace-only
    # line, a second '=', a directory, a key or a look at the arguments after the call
    gate = check(wrong, tests, [], seed, context)
    assert gate.tests is not None and gate.tests.startswith(tests)
    assert gate.tests.removeprefix(tests).count("\n") == 1  # the first case it got wrong, alone
    assert check(seed, tests, [], seed, context) == Gate(gate.cases, None)


def test_a_solution_that_ignores_a_parameter_no_test_passes_is_overturned(context) -> None:
    # make demo's b64encode ignored altchars (None by default: no value to try); a literal default gives one
    seed = "def pad(s, width=4, fill=' '):\n    return s.rjust(width, fill)\n"
    tests = "assert pad('ab') == '  ab'\nassert pad('abc') == ' abc'\n"
    gate = check("def pad(s, width=4, fill=' '):\n    return s.rjust(4, fill)\n", tests, [], seed, context)
    assert gate.tests is not None and gate.tests.removeprefix(tests) == "assert pad('ab', width=5) == '   ab'\n"
    assert check(seed, tests, [], seed, context) == Gate(gate.cases, None)


CAPWORDS = "def capwords(s, sep=None):\n    return (sep or ' ').join(map(str.capitalize, s.split(sep)))\n"


@pytest.mark.parametrize(
    ("seed", "wrong", "tests", "case"),
    [
        (
            CAPWORDS,
            "def capwords(s, sep=None):\n    return ' '.join(w.capitalize() for w in s.split())\n",
            "assert capwords('hello world') == 'Hello World'\nassert capwords('a b') == 'A B'\n",
            "assert capwords('hello world', sep='  ') == 'Hello world'\n",
        ),
        (
            BISECT_LEFT,
            "def bisect_left(a, x, lo=0, hi=None, *, key=None):\n    for i in range(lo, len(a)):\n"
            "        if (a[i] if key is None else key(a[i])) >= x:\n            return i\n    return len(a)\n",
            "assert bisect_left([1, 2, 3], 3) == 2\nassert bisect_left([1, 2], 0) == 0\n",
            "assert bisect_left([1, 2, 3], 3, hi=1) == 1\n",
        ),
    ],
    ids=["capwords-sep", "bisect_left-hi"],
)
def test_a_solution_that_ignores_a_none_default_the_seed_fills_in_is_overturned(context, seed, wrong, tests, case):
    # None by default: before, no case passed such a parameter; what the seed puts in its place gives it a kind
    gate = check(wrong, tests, [], seed, context)
    assert gate.tests is not None and gate.tests.removeprefix(tests) == case
    assert check(seed, tests, [], seed, context) == Gate(gate.cases, None)


def test_nothing_to_vary_or_nothing_the_seed_answers_gates_nothing(context) -> None:
    assert check("def double(n):\n    return 0\n", "x = 3\nassert double(x) == 6\n", [], DOUBLE, context) == Gate(
        0, None
    )
    broken = "def double(n):\n    return unknown * n\n"  # a NameError is the seed's own fault, not a case
    assert check("def double(n):\n    return 0\n", DOUBLE_TESTS, [], broken, context) == Gate(0, None)


STRTOBOOL = (
    "def strtobool(val):\n    val = val.lower()\n"
    "    if val in ('y', 'yes', 't', 'true', 'on', '1'):\n        return 1\n"
    "    elif val in ('n', 'no', 'f', 'false', 'off', '0'):\n        return 0\n    else:\n"
    "        raise ValueError('invalid truth value %r' % (val,))\n"
)


def _passes(code: str) -> bool:
    try:
        exec(compile(code, "<tests>", "exec"), {})
    except AssertionError:
        return False
    return True


def test_a_call_the_seed_turns_down_must_be_turned_down_too(context) -> None:
    # session 20's 0.5B strtobool (draw 838363750) returned False for every string it did not know and was verified:
    # its tests held true values only, and the calls the seed rejected ('ty', 'ye') were dropped as cases
    tests = "assert strtobool('y') == True\nassert strtobool('yes') == True\nassert strtobool('on') == True\n"
    wrong = "def strtobool(val):\n    return val.lower() in ['y', 'yes', 't', 'true', 'on', '1']\n"
    gate = check(wrong, tests, [], STRTOBOOL, context)
    assert gate.tests is not None and gate.tests.startswith(tests)
    added = gate.tests.removeprefix(tests)
    assert added.startswith("try:\n    strtobool(") and "\nexcept ValueError:\n" in added, added
    assert not _passes(wrong + added) and _passes(STRTOBOOL + added)  # it tells the two apart when it runs
    assert check(STRTOBOOL, tests, [], STRTOBOOL, context) == Gate(gate.cases, None)
    # any builtin argument error turns an input down: the problem may not say which one the seed raises
    other_error = STRTOBOOL.replace("raise ValueError", "raise TypeError")
    assert check(other_error, tests, [], STRTOBOOL, context) == Gate(gate.cases, None)


SHOUT = {"id": "shout", "snippet": "def shout(s):\n    return s.upper() + '!'\n", "source": "test"}
SHOUT_PROBLEM = "Write `shout(s)`: `s` in capitals, then `!`.\n```python\ndef shout(s: str) -> str:\n```"
SHOUT_TESTS = (
    "assert shout('ab') == 'AB!'\nassert shout('hello world') == 'HELLO WORLD!'\nassert shout('x-y') == 'X-Y!'\n"
)
SHOUT_RIGHT = "```python\ndef shout(s):\n    return s.upper() + '!'\n```"


def test_a_pass_the_gate_overturns_is_a_failed_round_and_the_revision_a_multi_round_sample(
    scripted_roles, context
) -> None:
    # the tests as they run in round 1: the test writer's, with the seed's own cases appended (``seed_cases``)
    verdict, _ = check_tests(
        SHOUT_RIGHT.split("\n", 1)[1].rsplit("```", 1)[0], SHOUT_TESTS, [], context, (), SHOUT["snippet"]
    )
    ran = verdict["repaired"]
    unseen = near_calls(ran, {"shout"}, SHOUT["snippet"], limit=30)[0]  # a call the gate asks the seed about
    argument = unseen.removeprefix("shout(").removesuffix(")")
    wrong = f"```python\ndef shout(s):\n    if s == {argument}:\n        return s\n    return s.upper() + '!'\n```"
    scripted = scripted_roles(
        questioner=[SHOUT_PROBLEM],
        programmer=[wrong, SHOUT_RIGHT],
        test_writer=[f"```python\n{SHOUT_TESTS}```"],
        error_analyst=["One input comes back unchanged.\nFAULT: code"],
    )
    state = run_seed(scripted, SHOUT)
    assert state["verdict"]["status"] == "passed" and state["round"] == 2
    first, second = state["executions"]
    assert first["outcome"] == "failed" and first["seed_gate_cases"] > 0 and second["seed_gate_cases"] > 0
    assert state["tests"].startswith(ran) and unseen in state["tests"].removeprefix(ran)  # the case that told it apart
    assert unseen in state["messages"][3].content  # the interpreter's turn shows the failing case
    assert state["messages"][2].content == f"```python\n{state['tests'].rstrip()}\n```"  # the transcript shows it too
    assert speakers(state) == [
        "questioner", "programmer", "test_writer", "interpreter", "error_analyst", "programmer", "interpreter",
        "programmer",
    ]  # fmt: skip
    stats = compute_stats([to_record(SHOUT, state, scripted.context, 1.0)], wall_s=1.0)
    assert stats["seed_gate_failed_rounds"] == 1 and stats["passed_against_seed"] == 1
    assert "<th>passes overturned by the seed&#39;s answers on further inputs</th><td>1</td>" in render_html(stats)


def _result(source: str, solution: str, *, seed_checked: bool = True, status: str = "passed") -> dict:
    execution = {"outcome": "passed", "test_quality": {"reference_passed": seed_checked}}
    return {
        "status": status, "seed": {"source": source, "snippet": DOUBLE}, "solution": solution,
        "tests": DOUBLE_TESTS, "setup": [], "executions": [execution],
    }  # fmt: skip


def test_the_replay_bench_counts_the_verified_samples_the_gate_would_overturn(tmp_path, capsys) -> None:
    spec = importlib.util.spec_from_file_location("seed_gate_replay", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    run = tmp_path / "run"
    run.mkdir()
    results = [
        _result("right.py:1", "def double(n):\n    return n * 2\n"),
        _result("wrong.py:1", "def double(n):\n    return 0 if n == 10 else 2 * n\n"),
        _result("unchecked.py:1", "def double(n):\n    return 0\n", seed_checked=False),
        _result("discarded.py:1", "def double(n):\n    return 0\n", status="discarded"),
    ]
    (run / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in results))
    bench.main([str(run), "--sandbox", "local"])
    printed = capsys.readouterr().out
    assert "verified 3, checked against their seed 2, overturned by the gate 1" in printed
    assert "run/wrong.py:1: overturned (3 cases), fails assert double(10) == 20" in printed
    assert "run/right.py:1: passes all 3 cases" in printed
    with pytest.raises(SystemExit):
        bench.main([str(tmp_path)])  # no results.jsonl: refused, naming the directory
