"""Every loader on rows shipped in the benchmark's published layout: fields land in the right place, the
reference passes the hidden program and a wrong answer fails it, in the real sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eval_data import DATA
from langchain_core.messages import messages_to_dict

from aiev.agents.dialogue import Speaker, say
from aiev.eval import EvalInputError, load_benchmark
from aiev.eval.ds1000 import SOLUTION_FILE
from aiev.eval.ds1000 import task_from_row as ds1000_task
from aiev.eval.heldout import tasks_from_records


def judge(engine, task, code: str) -> bool:
    return engine.run(task.exec_request(code)).passed


def test_bundled_humaneval_and_a_file_in_its_layout(local_engine) -> None:
    bundled = load_benchmark("humaneval", limit=3)
    assert [t.task_id for t in bundled] == ["HumanEval/0", "HumanEval/1", "HumanEval/2"]
    tasks = load_benchmark("humaneval", DATA / "humaneval.jsonl")
    assert [t.entry_point for t in tasks] == ["has_close_elements", "truncate_number"]
    task = tasks[0]
    assert task.style == "complete" and "check(has_close_elements)" in task.test
    assert judge(local_engine, task, task.reference)
    assert not judge(local_engine, task, task.prompt + "    return False\n")


def test_humaneval_plus_diff_tests_against_the_reference_on_plus_inputs(local_engine) -> None:
    close, truncate = load_benchmark("humaneval+", DATA / "humanevalplus.jsonl")
    assert close.files["reference.py"].startswith(close.prompt)
    assert len(json.loads(close.files["inputs.json"])) == 3 + 4
    assert judge(local_engine, close, close.reference)
    # Right on every base input, wrong on the plus input ([], 1.0) where it raises: only EvalPlus inputs catch it.
    fragile = (
        close.prompt + "    s = sorted(numbers)\n    if len(s) < 2:\n        raise ValueError\n"
        "    return min(b - a for a, b in zip(s, s[1:])) < threshold\n"
    )
    assert not judge(local_engine, close, fragile)
    # Floats compare within atol: a mathematically equal answer computed differently passes.
    assert judge(local_engine, truncate, truncate.prompt + "    return number % 1.0\n")
    assert not judge(local_engine, truncate, truncate.prompt + "    return round(number % 1.0, 1)\n")


def test_mbpp_plus_and_original_mbpp(local_engine) -> None:
    (plus,) = load_benchmark("mbpp+", DATA / "mbppplus.jsonl")
    assert plus.style == "instruct" and plus.entry_point == "similar_elements"
    assert judge(local_engine, plus, plus.reference)
    assert not judge(local_engine, plus, "def similar_elements(a, b):\n    return tuple(set(a) | set(b))\n")
    original = load_benchmark("mbpp", DATA / "mbpp.jsonl")
    assert [t.task_id for t in original] == ["mbpp/2", "mbpp/3"]
    assert original[1].entry_point == "is_not_prime"
    assert "assert is_not_prime(2) == False" in original[1].prompt  # the first test is shown as the example
    assert original[1].test.count("assert") == 3
    for task in original:
        assert judge(local_engine, task, task.reference)
    assert not judge(local_engine, original[1], "def is_not_prime(n):\n    return n % 2 == 0\n")


def test_multipl_e_runs_python_and_reports_other_languages_unsupported(local_engine) -> None:
    python, javascript = load_benchmark("multipl-e", DATA / "multipl_e.jsonl")
    assert python.executable and python.entry_point == "has_close_elements"
    assert not javascript.executable and javascript.language == "js"
    body = "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for b in numbers[i + 1:])\n"
    assert judge(local_engine, python, python.prompt + body)
    assert not judge(local_engine, python, python.prompt + "    return True\n")


def test_ds1000_passes_the_solution_as_text_to_the_context() -> None:
    (task,) = load_benchmark("ds-1000", DATA / "ds1000.jsonl")
    assert task.task_id == "ds1000/291" and task.solution_file == SOLUTION_FILE
    assert task.setup == ["pip install numpy pandas"]
    request = task.exec_request("result = a.sum(axis=0)\n")
    assert request.files[SOLUTION_FILE] == "result = a.sum(axis=0)\n"
    assert request.files["main.py"] == "" and request.tests.startswith("import numpy as np")  # the harness is the tests


def test_ds1000_harness_executes_in_the_sandbox(local_engine) -> None:
    """Same layout, a standard-library context, so the harness itself is exercised without installing numpy."""
    context = (
        "def test_execution(solution: str):\n"
        "    env = {'data': [3, 1, 2]}\n"
        "    exec(solution, env)\n"
        "    assert env['result'] == [1, 2, 3]\n"
    )
    row = {"prompt": "Sort data into result.", "reference_code": "result = sorted(data)",
           "metadata": {"problem_id": 7, "library": ""}, "code_context": context}  # fmt: skip
    task = ds1000_task(row)
    assert task.setup == []
    assert judge(local_engine, task, "result = sorted(data)")
    assert not judge(local_engine, task, "result = data")


def test_aicodereval_schema(local_engine, tmp_path: Path) -> None:
    words, pairs = load_benchmark("aicodereval", DATA / "aicodereval.jsonl")
    assert words.entry_point == "word_counts" and "def word_counts(text: str)" in words.prompt
    assert pairs.entry_point == "parse_pairs"
    for task in (words, pairs):
        assert judge(local_engine, task, task.reference)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"task_id": "x", "description": "d", "reference": "r", "tests": "t", "test_cases": []}) + "\n"
    )
    with pytest.raises(EvalInputError, match=r"task x: test_cases: Extra inputs are not permitted"):
        load_benchmark("aicodereval", bad)


def test_heldout_records_become_tasks_whose_tests_stay_hidden(local_engine) -> None:
    problem = "Write `add(a, b)` returning the sum.\n```python\ndef add(a: int, b: int) -> int:\n```"
    messages = [
        say(Speaker.QUESTIONER, problem),
        say(
            Speaker.PROGRAMMER,
            "```bash\npip install nothing-needed\n```\n```python\ndef add(a, b):\n    return a + b\n```",
        ),
        say(Speaker.TEST_WRITER, "```python\nassert add(1, 2) == 3\n```"),
        say(Speaker.INTERPRETER, "Execution succeeded."),
        say(Speaker.PROGRAMMER, "The code passed all the tests.\n```python\ndef add(a, b):\n    return a + b\n```"),
    ]
    (task,) = tasks_from_records([{"seed_id": "s1", "messages": messages_to_dict(messages)}])
    assert (task.task_id, task.entry_point, task.prompt) == ("s1", "add", problem)
    assert task.test.strip() == "assert add(1, 2) == 3" and task.setup == ["pip install nothing-needed"]
    assert "assert" not in task.prompt
    assert judge(local_engine, task.model_copy(update={"setup": []}), "def add(a, b):\n    return a + b\n")
    with pytest.raises(EvalInputError, match="held-out record s2: no problem or no tests"):
        tasks_from_records([{"seed_id": "s2", "messages": messages_to_dict(messages[:2])}])


def test_user_mistakes_name_the_input(tmp_path: Path) -> None:
    with pytest.raises(EvalInputError, match="unknown benchmark 'humanevil'"):
        load_benchmark("humanevil")
    with pytest.raises(
        EvalInputError, match=r"not bundled: name its data with --data \(e\.g\. --data evalplus/mbppplus"
    ):
        load_benchmark("mbpp+")
    broken = tmp_path / "rows.jsonl"
    broken.write_text('{"task_id": "a"}\n{oops\n')
    with pytest.raises(EvalInputError, match=f"{broken}: line 2: malformed JSON"):
        load_benchmark("humaneval", broken)
    broken.write_text('{"task_id": "a", "prompt": "p"}\n')
    with pytest.raises(EvalInputError, match=r"humaneval row a: missing field\(s\) \['test', 'entry_point'\]"):
        load_benchmark("humaneval", broken)
    with pytest.raises(EvalInputError, match="no such file"):
        load_benchmark("mbpp", tmp_path / "missing.jsonl")
