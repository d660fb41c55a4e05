"""From a model's code to the complete candidate program that the hidden tests judge.

Chat models asked to complete a HumanEval-style prompt answer in two ways: the whole function (signature,
often imports and helpers) or only its body. A whole function is appended after the prompt: the prompt's
stub (a docstring-only body) is valid Python and is simply redefined, and any helpers or imports the
prompt declares stay available. A body is appended to the prompt, indented when the model left it flush.
"""

from __future__ import annotations

import re
import textwrap

from ..agents.parsing import is_valid_python
from .task import EvalTask


def _defines_function(code: str, name: str) -> bool:
    return re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(", code, re.MULTILINE) is not None


def candidate_program(task: EvalTask, code: str | None) -> str | None:
    """The program to judge, or None when the model gave no code."""
    if not code or not code.strip():
        return None
    if task.style != "complete":
        return code
    if task.entry_point and _defines_function(code, task.entry_point):
        prefix = task.prompt.rstrip() if is_valid_python(task.prompt) else ""
        return f"{prefix}\n\n\n{code.strip()}\n".lstrip()
    body = code.rstrip()
    if not any(line.startswith((" ", "\t")) for line in body.splitlines() if line.strip()):
        body = textwrap.indent(body, "    ")
    return f"{task.prompt.rstrip()}\n{body}\n"
