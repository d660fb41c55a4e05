from __future__ import annotations

import pytest

from aiev.agents.parsing import (
    code_blocks,
    entry_point_of,
    extract_setup,
    extract_solution,
    extract_tests,
    is_bare_verdict,
    parse_fault,
    problem_statement,
    python_blocks,
    signatures_only,
    strip_demo,
    without_verdict,
)


def test_fenced_blocks_keep_language_and_order() -> None:
    reply = "Intro\n```py\nx = 1\n```\ntext\n```bash\npip install numpy\n```\n```\ny = 2\n```"
    assert code_blocks(reply) == [("py", "x = 1"), ("bash", "pip install numpy"), ("", "y = 2")]


def test_unterminated_fence_is_read_to_the_end() -> None:
    reply = "Here:\n```python\ndef f():\n    return 1\n"
    assert python_blocks(reply) == ["def f():\n    return 1"]


def test_unfenced_code_is_accepted_only_when_it_looks_like_code() -> None:
    assert python_blocks("def f(x):\n    return x + 1") == ["def f(x):\n    return x + 1"]
    assert python_blocks("hello") == []
    assert python_blocks("I cannot solve this problem, sorry.") == []


def test_solution_picks_the_block_defining_the_entry_point() -> None:
    reply = (
        "```python\ndef helper():\n    return 2\n\n\n\nprint(helper())\n```\n"
        "```python\ndef add(a, b):\n    return a + b\n```"
    )
    assert extract_solution(reply, "add") == "def add(a, b):\n    return a + b\n"


def test_solution_prefers_code_over_an_example_block_of_asserts() -> None:
    reply = (
        "```python\ndef sq(x):\n    return x * x\n```\nCheck:\n"
        "```python\nassert sq(2) == 4\nassert sq(3) == 9\nassert sq(4) == 16\n```"
    )
    assert extract_solution(reply).startswith("def sq")


def test_main_guard_demo_is_stripped_from_solutions() -> None:
    code = 'def f():\n    return 1\n\nif __name__ == "__main__":\n    print(input())\n'
    assert strip_demo(code) == "def f():\n    return 1\n"
    assert "input" not in extract_solution(f"```python\n{code}```")


def test_demo_calls_are_stripped_but_module_level_setup_stays() -> None:
    code = (
        "import random\nrandom.seed(0)\n\ndef build():\n    return [1]\n\nTABLE = build()\n\n"
        "def f(x):\n    return TABLE[0] + x\n\n# Example usage:\nprint(f(1))  # 2\nf(2)\nresult = f(3)\n"
    )
    assert strip_demo(code) == (
        "import random\nrandom.seed(0)\n\ndef build():\n    return [1]\n\nTABLE = build()\n\n"
        "def f(x):\n    return TABLE[0] + x\n"
    )  # the comment that headed the demo goes with it


def test_a_demo_assignment_goes_with_its_demo_and_a_line_shared_with_kept_code_stays() -> None:
    # the 0.5B's ctypes answer: the example call failed every round on a file that does not exist
    code = (
        "def load(name):\n    return open(name).read()\n\n"
        "text = load('example.dll')\nsize = len(text)\nprint(text, size)\n"
        "first = load('a'); print(first); LIMIT = 3\n"
        "def head(name):\n    return load(name)[:LIMIT]\n"
    )
    assert strip_demo(code) == (
        "def load(name):\n    return open(name).read()\n\n"
        "first = load('a'); print(first); LIMIT = 3\ndef head(name):\n    return load(name)[:LIMIT]\n"
    )


def test_blocks_of_checks_copied_into_the_code_are_stripped_and_other_blocks_stay() -> None:
    # the 1.5B copied the test writer's `try: ... else: raise AssertionError(...)` into its IncrementalEncoder
    code = (
        "class E:\n    def write(self, d):\n        return d\n\n\nencoder = E()\n"
        "try:\n    encoder.write(1)\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError('must raise')\n"
        "for i in range(2):\n    assert E().write(i) == i\n"
        "try:\n    import numpy\nexcept ImportError:\n    numpy = None\n"
        "for name in ('a', 'b'):\n    setattr(E, name, None)\n"
    )
    assert strip_demo(code) == (
        "class E:\n    def write(self, d):\n        return d\n\n\n"
        "try:\n    import numpy\nexcept ImportError:\n    numpy = None\n"
        "for name in ('a', 'b'):\n    setattr(E, name, None)\n"
    )  # `encoder = E()` went with the check that read it


def test_the_replys_own_top_level_asserts_are_stripped() -> None:
    # HumanEval/149: the docstring's examples call `list_sort`, the function is `sorted_list_sum`.
    reply = (
        "```python\ndef sorted_list_sum(lst):\n    assert isinstance(lst, list)\n    return sorted(lst)\n\n"
        "# Test cases\nassert list_sort(['aa', 'a']) == ['a', 'aa']\nassert sorted_list_sum([2, 1]) == [1, 2]\n```"
    )
    code = extract_solution(reply, "sorted_list_sum")
    assert code == "def sorted_list_sum(lst):\n    assert isinstance(lst, list)\n    return sorted(lst)\n"


def test_reply_without_code_gives_none() -> None:
    assert extract_solution("The function should add two numbers.") is None
    # tests alone are no solution (the 0.5B's "corrected code" after a failure: the tests it was shown)
    tests_alone = "Here's the corrected code:\n```python\nimport math\n# Test cases\nassert f(0.5) == 0.25\n```"
    assert extract_solution(tests_alone, "f") is None
    assert extract_solution(tests_alone + "\n```python\ndef test_f():\n    assert f(1) == 1\n```", "f") is None
    assert extract_solution("```python\nassert f(1) == 1\n```\n```python\nresult = 2\n```", "f") == "result = 2\n"
    # ... also when the copy does not parse (its last assert lost a parenthesis); broken code that defines is code
    broken = "```python\nimport math\nassert f(1) == 1\nassert all(math.isclose(a, b) for a, b in zip(f(2), (1.,))\n```"
    assert extract_solution(broken, "f") is None
    broken_code = "```python\ndef f(x):\n    return (x\n\nassert f(1) == 1\n```"
    assert extract_solution(broken_code, "f") == "def f(x):\n    return (x\n\nassert f(1) == 1\n"
    assert extract_tests("You should test the edge cases.") is None
    assert extract_tests("```python\ndef add(a, b):\n    return a + b\n```") is None  # no assert: not tests


def test_setup_keeps_only_pip_installs() -> None:
    reply = (
        "```bash\n# deps\n$ pip install requests\npython main.py\npip install requests\n```\n"
        "```sh\npython -m pip install numpy==2.0\n```"
    )
    assert extract_setup(reply) == ["pip install requests", "python -m pip install numpy==2.0"]


def test_setup_drops_the_standard_library_s_modules_from_installs() -> None:
    # the 1.5B installs what it imports: `pip install importlib` fails to build, `marshal` is not on PyPI
    reply = "```bash\npip install importlib\npip install marshal numpy==2.0\npip install -U typing requests\n```"
    assert extract_setup(reply) == ["pip install numpy==2.0", "pip install -U requests"]


def test_tests_drop_redefinitions_and_imports_of_the_function_under_test() -> None:
    reply = (
        "```python\nfrom solution import add\n\ndef add(a, b):\n    return 0\n\n"
        "def test_add():\n    assert add(1, 2) == 3\n```"
    )
    tests = extract_tests(reply, "add")
    assert "import" not in tests and "return 0" not in tests
    namespace: dict = {"add": lambda a, b: a + b}
    exec(tests, namespace)  # runs test_add(), which would raise if it were not called or used the shadow


def test_uncalled_test_functions_are_called() -> None:
    tests = extract_tests(
        "```python\ndef test_a():\n    assert f() == 1\n\ndef test_b():\n    assert f() == 2\n\ntest_a()\n```"
    )
    assert tests.rstrip().endswith("test_b()")
    assert tests.count("test_a()") == 2  # definition + existing call, no second call added
    with pytest.raises(AssertionError):
        exec(tests, {"f": lambda: 1})


@pytest.mark.parametrize(
    ("reply", "fault"),
    [
        ("The loop is off by one.\nFAULT: code", "code"),
        ("The expected value in the second assert is wrong.\nFAULT: test", "test"),
        ("**FAULT: tests**", "test"),
        ("fault = Test", "test"),
        ("Earlier I said FAULT: test but actually\nFAULT: code", "code"),
        ("No verdict line at all.", "code"),
        ("The second assert expects 5.\n\nTherefore, the FAULT is: test", "test"),  # the 1.5B's phrasing
        ("Therefore, the fault is with the tests.", "test"),
    ],
)
def test_fault_verdict(reply: str, fault: str) -> None:
    assert parse_fault(reply) == fault


@pytest.mark.parametrize(
    ("reply", "analysis"),
    [
        ("The loop is off by one.\nFAULT: code", "The loop is off by one."),
        ("It iterates the generator.\n\nTherefore, the FAULT is: code", "It iterates the generator."),
        (
            "It should be modified to include this behavior. FAULT: code",
            "It should be modified to include this behavior.",
        ),
        ("The expected value is wrong.\n**FAULT: test**\n", "The expected value is wrong."),
        ("FAULT: code", "FAULT: code"),  # nothing but the verdict: kept, an empty turn says less
        ("A fault in the code: it skips the first item.", "A fault in the code: it skips the first item."),
    ],
)
def test_the_analysis_shown_to_the_programmer_has_no_verdict(reply: str, analysis: str) -> None:
    assert without_verdict(reply) == analysis
    # a reply that is the verdict alone is what the analyst is asked to explain (``is_bare_verdict``)
    assert is_bare_verdict(reply) == (reply == "FAULT: code")
    assert is_bare_verdict("**FAULT: test**\n") and not is_bare_verdict("")


@pytest.mark.parametrize("heading", ["**Solution:**", "## Solution", "Solution:", "### Example solution"])
def test_problem_statement_drops_a_solution_the_questioner_wrote(heading: str) -> None:
    problem = "Write `f(x)` returning x.\n\nSolutions must not print anything.\nSolution quality matters."
    reply = f"{problem}\n\n{heading}\n\n```python\ndef f(x):\n    return x\n```\n"
    assert problem_statement(reply) == problem
    assert problem_statement(problem + "\n") == problem


def test_a_problem_cut_inside_its_examples_has_the_block_closed() -> None:
    # the 0.5B's v6_int_to_packed problem (session 17) as the token cap left it, its cut last line already dropped
    cut = "Convert an integer to 16 bytes.\n\nExamples:\n```python\n>>> v6_int_to_packed(0)"
    assert problem_statement(cut) == cut + "\n```"
    whole = "Convert it.\n```python\ndef f(x):\n    ...\n```\nExamples:\n```\nf(1)  # 2\n```"
    assert problem_statement(whole) == whole


def test_a_problem_shows_signatures_and_docstrings_never_a_body() -> None:
    # what the 0.5B questioner wrote for a ctypes/_aix.py seed: the seed's whole function as "the signature"
    reply = (
        "Task: return the header lines.\n\nSignature:\n```python\nimport re\n\ndef get_ld_header_info(p):\n"
        "    # these lines start with a digit\n    info = []\n    for line in p:\n        if re.match('[0-9]', line):\n"
        "            info.append(line)\n    return info\n```\n\nExamples:\n```python\n"
        "get_ld_header_info(['1 a', 'x'])  # ['1 a']\n```\n"
    )
    problem = problem_statement(reply)
    assert "```python\nimport re\n\ndef get_ld_header_info(p):\n    ...\n```" in problem
    assert (
        "info = []" not in problem
        and "digit" not in problem
        and "get_ld_header_info(['1 a', 'x'])  # ['1 a']" in problem
    )
    assert entry_point_of(problem) == "get_ld_header_info"


@pytest.mark.parametrize(
    ("code", "kept"),
    [
        # a multi-line signature keeps its annotations and docstring
        ('def f(a: int,\n      b: int) -> int:\n    """Add."""\n    return a + b\n',
         'def f(a: int,\n      b: int) -> int:\n    """Add."""\n    ...\n'),
        # methods of a class lose their bodies, class attributes stay
        ("class Box:\n    size = 2\n\n    def area(self):\n        return self.size ** 2\n",
         "class Box:\n    size = 2\n\n    def area(self):\n        ...\n"),
        # nothing to cut: a docstring alone, pass, ..., a body on the def line, code that does not parse
        ('def f(x):\n    """Doc."""\n', 'def f(x):\n    """Doc."""\n'),
        ("def f(x):\n    pass\n", "def f(x):\n    pass\n"),
        ("def f(x): return x\n", "def f(x): return x\n"),
        ("def f(x) -> int\n", "def f(x) -> int\n"),
        ("f(3)  # -> 4\n", "f(3)  # -> 4\n"),
    ],
)  # fmt: skip
def test_signatures_only(code: str, kept: str) -> None:
    assert signatures_only(code) == kept


def test_asserts_wrapped_in_a_redefinition_of_the_function_become_a_test_function() -> None:
    # the 0.5B test writer for dyld_executable_path_search: every assert inside a copy of the signature
    reply = (
        "```python\ndef find(name, path=None):\n    # case 1\n    assert find('a') is None, 'case 1'\n"
        "    assert find('@x/b') == '/p/b'\n```"
    )
    tests = extract_tests(reply, "find", "def find(name, path=None):\n    return None\n")
    assert tests == (
        "def test_find():\n    assert find('a') is None, 'case 1'\n    assert find('@x/b') == '/p/b'\n\ntest_find()\n"
    )
    # a re-definition that returns is a copy of the solution, and still goes
    copy = "```python\ndef find(name):\n    assert name\n    return find\n\nassert find('a') == '/p/a'\n```"
    assert extract_tests(copy, "find") == "assert find('a') == '/p/a'\n"


def test_tests_never_test_their_own_copy_of_what_the_solution_defines() -> None:
    solution = "def helper(x):\n    return x\n\n\nclass Box:\n    pass\n\n\ndef identity(x):\n    return helper(x)\n"
    reply = (
        "```python\ndef identity(x):\n    return x\n\nclass Box:\n    pass\n\n"
        "def check(v):\n    return v\n\nassert identity(check(1)) == 1\n```"
    )
    tests = extract_tests(reply, None, solution)
    assert "def identity" not in tests and "class Box" not in tests and "def check" in tests
    assert "def identity" in extract_tests(reply, None, None)  # nothing known to shadow: kept as written


def test_entry_point_from_signature_or_backticks() -> None:
    assert entry_point_of("Write:\n```python\ndef count_words(text: str) -> int:\n```") == "count_words"
    assert entry_point_of("Implement `merge_ranges(ranges)` that merges ranges.") == "merge_ranges"
    assert entry_point_of("Write a Python function named `awaitable` that takes an object.") == "awaitable"
    assert entry_point_of("Write something nice.") is None
    # a class the problem only shows (no call of it): the class, not its __init__ (idlelib's Delegator, session 21)
    shown = "```python\nclass Delegator:\n    def __init__(self, delegate=None):\n        ...\n```"
    assert entry_point_of(shown, ["Delegator"]) == "Delegator"
    assert entry_point_of(shown) == "Delegator"  # no seed to go by: the class it shows first, not a dunder method
    shown = "```python\nclass Box:\n    def area(self) -> int:\n        ...\n```"
    assert entry_point_of(shown) == "Box"  # a method is no entry point either
    # a function shown beside a class it takes is the task
    assert entry_point_of("```python\nclass Point:\n    x: int\n\ndef norm(p: Point) -> float:\n```") == "norm"
    # "class" in the problem's prose is no class statement (session 24: tracemalloc's Frame problem read as `should`)
    prose = "Write a function `frame_from_tuple`. The `Frame` class should have the same properties as the snippet's."
    assert entry_point_of(prose) == "frame_from_tuple"


def test_tests_cut_off_by_the_token_cap_keep_their_complete_asserts() -> None:
    reply = (
        "```python\ndef test_count():\n    assert count('a b') == 2\n    assert count('') == 0\n"
        "    assert count('one two three ninety ninety ninety ninety ninety"
    )
    tests = extract_tests(reply, "count")
    assert tests is not None
    assert "assert count('a b') == 2" in tests and "assert count('') == 0" in tests
    assert "ninety" not in tests
    assert "test_count()" in tests.splitlines()[-1]  # the salvaged test function is still called


def test_a_solution_cut_off_in_its_own_checks_runs_its_complete_part() -> None:
    # seen with the 0.5B programmer under a 768-token cap: its test function ran until the cap, mid-string
    reply = (
        "```python\nimport re\n\ndef safe_name(name):\n    return re.sub('[^A-Za-z0-9.]+', '-', name)\n\n"
        "def test_safe_name():\n    assert safe_name('a b') == 'a-b'\n    assert safe_name(\"No"
    )
    code = extract_solution(reply, "safe_name")
    assert code == (
        "import re\n\ndef safe_name(name):\n    return re.sub('[^A-Za-z0-9.]+', '-', name)\n\n"
        "def test_safe_name():\n    assert safe_name('a b') == 'a-b'\n"
    )


def test_a_cut_with_no_complete_definition_is_left_for_the_interpreter_to_report() -> None:
    code = "import re\nx = [1,\n"
    assert strip_demo(code) == code  # nothing worth running: the SyntaxError reaches the analyst


RUN = ("<API_RUN_START>", "<API_RUN_STOP>")  # configs/special_tokens.yaml
ADD = "def add(a, b):\n    return a + b"


def wrapped(code: str, lang: str = "python") -> str:
    return f"{RUN[0]}```{lang}\n{code}\n```{RUN[1]}"


def test_the_trained_special_token_form_is_read_by_every_extractor() -> None:
    reply = (
        f"Install first.\n{wrapped('pip install rich', 'sh')}\nThen the code:"
        f"{wrapped(ADD)}{wrapped('assert add(1, 2) == 3')}"
    )
    assert extract_setup(reply) == ["pip install rich"]
    assert extract_solution(reply, "add") == "def add(a, b):\n    return a + b\n"
    assert extract_tests(reply, "add") == "assert add(1, 2) == 3\n"


def test_with_run_tokens_only_wrapped_blocks_count_and_imagined_results_are_not_code() -> None:
    reply = (
        "An example, not to run:\n```python\ndef add(a, b):\n    return a - b\n```\n"
        f"{wrapped(ADD)}"
        "<EXEC_RESULT_START>```python\ndef add(a, b):\n    return 0\n```<EXEC_RESULT_STOP>"
    )
    assert code_blocks(reply) == [("python", ADD)]


def test_a_fence_glued_to_the_text_before_it_is_a_fence() -> None:
    # What a server that strips the special tokens leaves of the trained form.
    reply = "I will run it.```python\ndef add(a, b):\n    return a + b```\nDone."
    assert extract_solution(reply, "add") == "def add(a, b):\n    return a + b\n"
    assert code_blocks("Use ```x``` inline, then:\n```python\nx = 1\n```") == [("python", "x = 1")]


def test_the_entry_point_is_the_seeds_function_when_the_problem_calls_it_and_never_a_builtin() -> None:
    # the 0.5B's length_hint problem: "does not support the `len()` method" came before the examples
    problem = "Count the items, also for objects that do not support the `len()` method.\n- `length_hint([1]) -> 1`"
    assert entry_point_of(problem) == "length_hint"
    assert entry_point_of(problem, ["length_hint"]) == "length_hint"
    both = "Use `helper(x)` inside.\n```python\ndef main_task(x):\n    ...\n```\nmain_task(1) -> 2"
    assert entry_point_of(both) == "main_task" and entry_point_of(both, ["helper", "main_task"]) == "helper"
    assert entry_point_of("Call `print(x)`.", ["absent"]) is None
