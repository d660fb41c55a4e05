"""The two ways a model answers a benchmark task: ``plain`` (one completion, no interpreter) and ``codergen``
(the execute / analyse / refine loop, tested against the examples the prompt shows or, without any, tests
the model writes itself).

Both receive the task's visible part only (``task_statement`` and ``entry_point``): the hidden tests are
applied afterwards by the runner, so no mode can leak them into a model call. Plain mode's system prompt is
the programmer's, so the two modes differ by the loop alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from ..agents.context import Context
from ..agents.dialogue import Speaker
from ..agents.model_call import ModelCallError, call_model, token_usage
from ..agents.parsing import extract_solution
from ..agents.prompts import load_prompt, render_prompt
from ..graphs.codergen import solve
from .completion import candidate_program
from .task import EvalTask
from .visible_tests import visible_tests

Mode = Literal["plain", "codergen"]


class Attempt(BaseModel):
    """One sample's answer: the candidate program (None when the model gave no code) and what it cost."""

    code: str | None
    installs: list[str] = Field(default_factory=list)  # pip install lines the code was tested with (codergen)
    rounds: int = 0  # executions the mode itself ran (0 for plain)
    tokens: dict[str, int] = Field(default_factory=dict)
    error: str | None = None  # the model failed (endpoint down...): the sample is retried by the next run


def task_statement(task: EvalTask) -> str:
    """What the model is asked: HumanEval-style prompts are wrapped in a completion request, others shown as is."""
    if task.style == "complete":
        return render_prompt("eval_complete_task", prompt=task.prompt.rstrip())
    return task.prompt.strip()


def plain_messages(task: EvalTask) -> list[BaseMessage]:
    """The exact messages plain mode sends (recorded in the report)."""
    return [SystemMessage(content=load_prompt("programmer")), HumanMessage(content=task_statement(task))]


def run_plain(task: EvalTask, context: Context) -> Attempt:
    try:
        reply = call_model(Speaker.PROGRAMMER, plain_messages(task), context)
    except ModelCallError as error:  # retried by the next run, not a crash of this one
        return Attempt(code=None, error=str(error))
    code = candidate_program(task, extract_solution(reply.text, task.entry_point))
    return Attempt(code=code, tokens=token_usage(reply))


def run_codergen(task: EvalTask, context: Context) -> Attempt:
    """The prompt's own examples are the tests when it shows any; otherwise the test writer writes them. The
    opening turn is plain mode's (the examples are in it already), so the loop starts from plain's answer.

    The loop runs in the task's environment (its setup: the packages an AICoderEval or DS-1000 task needs), as the
    judge does. The answer is the code with the installs it ran with in the loop: the interpreter is part of the
    mode, so the hidden tests run after them (plain mode's interpreter is off, as in the papers: its answer's bash is
    ignored)."""
    tests = visible_tests(task.prompt, task.entry_point)
    result = solve(
        task_statement(task), tests=tests or None, entry_point=task.entry_point, context=context, tests_in_task=True,
        environment=task.setup,
    )  # fmt: skip
    if result.reason in ("model_error", "sandbox_error"):
        return Attempt(code=None, rounds=result.rounds, tokens=result.tokens, error=result.last_error)
    code = candidate_program(task, result.code)
    return Attempt(code=code, installs=result.setup, rounds=result.rounds, tokens=result.tokens)


MODES: dict[str, Callable[[EvalTask, Context], Attempt]] = {"plain": run_plain, "codergen": run_codergen}
