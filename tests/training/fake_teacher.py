"""A teacher that knows twelve small, unrelated tasks: it plays every AIEV-Instruct role for them and answers
evaluation prompts with their solutions, so the loop's real steps get distinct verified samples to build, train
on and hold out (the same task twelve times would be deduplicated down to one).

Served on loopback by ``fake_openai`` (the loop runs in a subprocess); each seed is the task's own working code,
so the reference check passes, and the tests pin exact values, so every wrong stand-in fails them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from fake_openai import role_of


class Task(NamedTuple):
    name: str
    problem: str
    solution: str
    tests: str


TASKS = [
    Task(
        "interleave_words",
        "Return the words of two sentences interleaved, starting with the first; leftovers go at the end.",
        "def interleave_words(a, b):\n    x, y = a.split(), b.split()\n    out = []\n"
        "    for i in range(max(len(x), len(y))):\n        out += x[i:i + 1] + y[i:i + 1]\n    return ' '.join(out)\n",
        "assert interleave_words('a b c', 'x y') == 'a x b y c'\nassert interleave_words('', 'q') == 'q'\n",
    ),
    Task(
        "run_lengths",
        "Encode a string as a list of (character, run length) pairs.",
        "def run_lengths(s):\n    pairs = []\n    for ch in s:\n        if pairs and pairs[-1][0] == ch:\n"
        "            pairs[-1] = (ch, pairs[-1][1] + 1)\n        else:\n            pairs.append((ch, 1))\n"
        "    return pairs\n",
        "assert run_lengths('aabccc') == [('a', 2), ('b', 1), ('c', 3)]\nassert run_lengths('') == []\n",
    ),
    Task(
        "celsius_table",
        "Map each whole Celsius degree from start to stop (exclusive) by step to Fahrenheit, as a dict.",
        "def celsius_table(start, stop, step):\n    return {c: c * 9 / 5 + 32 for c in range(start, stop, step)}\n",
        "assert celsius_table(0, 101, 50) == {0: 32.0, 50: 122.0, 100: 212.0}\nassert celsius_table(5, 5, 1) == {}\n",
    ),
    Task(
        "digit_histogram",
        "Count how often each decimal digit occurs in the absolute value of an integer.",
        "from collections import Counter\n\n\ndef digit_histogram(n):\n    return dict(Counter(str(abs(n))))\n",
        "assert digit_histogram(-1223) == {'1': 1, '2': 2, '3': 1}\nassert digit_histogram(0) == {'0': 1}\n",
    ),
    Task(
        "rotate_clockwise",
        "Rotate a rectangular matrix (list of rows) a quarter turn clockwise.",
        "def rotate_clockwise(rows):\n    return [list(column) for column in zip(*rows[::-1])]\n",
        "assert rotate_clockwise([[1, 2], [3, 4]]) == [[3, 1], [4, 2]]\n"
        "assert rotate_clockwise([[1, 2, 3]]) == [[1], [2], [3]]\n",
    ),
    Task(
        "chunked",
        "Split a list into consecutive chunks of a given size; the last chunk may be shorter.",
        "def chunked(items, size):\n    if size < 1:\n        raise ValueError('size must be positive')\n"
        "    return [items[i:i + size] for i in range(0, len(items), size)]\n",
        "assert chunked([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]\nassert chunked([], 3) == []\n",
    ),
    Task(
        "mask_email",
        "Mask an e-mail address: keep the first character of the local part, replace the rest of it with three "
        "asterisks, keep the domain.",
        "def mask_email(address):\n    local, _, domain = address.partition('@')\n"
        "    return f'{local[:1]}***@{domain}'\n",
        "assert mask_email('alice@example.org') == 'a***@example.org'\nassert mask_email('b@x.io') == 'b***@x.io'\n",
    ),
    Task(
        "weekday_after",
        "Name the weekday that comes n days after the given English weekday name.",
        "DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']\n\n\n"
        "def weekday_after(day, n):\n    return DAYS[(DAYS.index(day) + n) % 7]\n",
        "assert weekday_after('Friday', 3) == 'Monday'\nassert weekday_after('Sunday', -1) == 'Saturday'\n",
    ),
    Task(
        "capital_runs",
        "Count the maximal runs of consecutive upper-case letters in a string.",
        "import re\n\n\ndef capital_runs(text):\n    return len(re.findall('[A-Z]+', text))\n",
        "assert capital_runs('ABcDEfG') == 3\nassert capital_runs('none here') == 0\n",
    ),
    Task(
        "covered_length",
        "Return the total length covered by a list of half-open intervals (start, end), overlaps counted once.",
        "def covered_length(intervals):\n    total, reach = 0, None\n    for start, end in sorted(intervals):\n"
        "        if reach is None or start > reach:\n            total += end - start\n            reach = end\n"
        "        elif end > reach:\n            total += end - reach\n            reach = end\n    return total\n",
        "assert covered_length([(1, 4), (2, 6), (8, 9)]) == 6\nassert covered_length([]) == 0\n",
    ),
    Task(
        "snake_to_title",
        "Turn a snake_case identifier into space-separated Title Case words.",
        "def snake_to_title(name):\n    return ' '.join(part.capitalize() for part in name.split('_') if part)\n",
        "assert snake_to_title('hello_big_world') == 'Hello Big World'\nassert snake_to_title('_x_') == 'X'\n",
    ),
    Task(
        "lowest_balance",
        "Apply deposits (positive) and withdrawals (negative) to a starting balance; return the lowest balance "
        "reached, the starting one included.",
        "def lowest_balance(start, operations):\n    low = balance = start\n    for amount in operations:\n"
        "        balance += amount\n        low = min(low, balance)\n    return low\n",
        "assert lowest_balance(10, [5, -20, 3, -4]) == -6\nassert lowest_balance(7, []) == 7\n",
    ),
]


def write_seeds(path: Path) -> Path:
    """One seed per task: the task's working code, as a user's harvested snippet would be."""
    path.write_text("".join(json.dumps({"id": task.name, "snippet": task.solution}) + "\n" for task in TASKS))
    return path


def _task_in(text: str) -> Task:
    for task in TASKS:
        if task.name in text:
            return task
    raise AssertionError(f"no known task named in {text[:120]!r}")


def teacher(messages: list[dict]) -> str:
    """Every role of a task's dialogue (it passes in one round); any other prompt (evaluation) gets its solution."""
    every = "\n".join(str(m.get("content") or "") for m in messages)
    task = _task_in(every)
    try:
        role = role_of(messages)
    except AssertionError:
        role = "solver"
    if role == "questioner":
        signature = task.solution[task.solution.index(f"def {task.name}") :].split("\n")[0]
        return f"{task.problem}\n```python\n{signature}\n```"
    if role == "test_writer":
        return f"```python\n{task.tests}```"
    if role == "error_analyst":
        return f"{task.name} does not do what the problem asks.\nFAULT: code"
    return f"```python\n{task.solution}```"
