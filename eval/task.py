"""One evaluation task in the harness's own shape, whatever benchmark it came from.

Every loader converts its published layout into ``EvalTask``, so the runner, the modes and the reports know
one shape only. The split that matters is between what a model may see (``prompt``) and what only the
sandbox sees (``test``, ``files``, ``reference``): the modes read ``prompt``/``entry_point``/``style`` and
nothing else, which is what keeps hidden tests out of every model call.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..sandbox.requirements import with_setup
from ..sandbox.types import ExecRequest, Limits

Style = Literal["complete", "instruct"]
EXECUTABLE_LANGUAGES = frozenset({"python", "py"})


class EvalTask(BaseModel):
    """A benchmark problem: the visible prompt plus the hidden program that judges a candidate solution.

    ``style`` says how the prompt is meant: ``complete`` is HumanEval's code to continue (a signature and
    docstring), ``instruct`` a natural-language statement (MBPP, DS-1000, AICoderEval, held-out samples).
    By default the candidate becomes ``main.py`` and ``test`` is appended to it (HumanEval's check, MBPP's
    asserts). When ``solution_file`` is set the candidate is only written to that file and ``test`` is the
    program (DS-1000's harness reads the solution as text and executes it inside its own context).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    task_id: str
    benchmark: str
    prompt: str = Field(description="the only task text any model is shown")
    style: Style
    entry_point: str | None = None
    language: str = "python"
    test: str = Field(description="hidden: judges the candidate, exits non-zero on failure")
    files: dict[str, str] = Field(default_factory=dict, description="hidden data files the test reads")
    solution_file: str | None = None
    setup: list[str] = Field(default_factory=list, description="bash lines the test needs (pip install ...)")
    timeout_s: float = Field(20.0, gt=0)
    reference: str | None = Field(None, description="the benchmark's reference solution, as a complete program")

    @property
    def executable(self) -> bool:
        """Only Python is executed; other MultiPL-E languages load and are reported as unsupported."""
        return self.language.lower() in EXECUTABLE_LANGUAGES

    def timeout(self, override: float | None = None) -> float:
        """The one limit for every execution of this task in a run: the judge's, and the CoderGen loop's, whose
        passing code would otherwise be judged under a stricter limit than it was tested with."""
        return override or self.timeout_s

    def exec_request(self, code: str, timeout_s: float | None = None, installs: list[str] | None = None) -> ExecRequest:
        """The sandbox request that judges ``code`` (a complete candidate program); ``installs``: the answer's own
        ``pip install`` lines, run after the task's setup.

        The hidden program is always the request's tests, so a pass means it ran to its end (``sandbox.types.
        verdict``); with ``solution_file`` the entry point is empty and the tests are the whole program."""
        limits = Limits(timeout_s=self.timeout(timeout_s))
        setup = with_setup(self.setup, installs or [])
        if self.solution_file:
            files = {**self.files, self.solution_file: code, "main.py": ""}
            return ExecRequest(files=files, tests=self.test, setup=setup, limits=limits)
        return ExecRequest(files={**self.files, "main.py": code}, tests=self.test, setup=setup, limits=limits)
