"""``aiev solve``: CoderGen on a user's task (execute / analyse / refine), or its ReAct variant with ``--react``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.panel import Panel
from rich.syntax import Syntax

from .output import console, fail, show


def _read(path: Path, option: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"{option} {path}: cannot read ({getattr(error, 'strerror', None) or error})")
    if not text.strip():
        fail(f"{option} {path}: the file is empty")
    return text


def solve(
    task: Annotated[str | None, typer.Argument(help="The task, in words (or use --file).")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the task from a file (e.g. task.md).")] = None,
    tests: Annotated[Path | None, typer.Option("--tests", help="Your own assert-based tests (Python file).")] = None,
    model: Annotated[str, typer.Option("--model", help="Model name for every role.")] = "local-qwen-0.5b",
    sandbox: Annotated[
        Literal["auto", "docker", "local"], typer.Option("--sandbox", help="Code interpreter.")
    ] = "auto",
    rounds: Annotated[int, typer.Option("--rounds", min=1, max=50, help="Execution rounds at most.")] = 7,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per execution.")] = 20.0,
    revision_temperature: Annotated[
        float,
        typer.Option(
            "--revision-temperature",
            min=0.0,
            max=2.0,
            help="Temperature of revisions after a failure (the first answer is greedy); 0: greedy revisions.",
        ),
    ] = 0.7,
    react: Annotated[
        bool, typer.Option("--react", help="Let the model drive the tools (ReAct) instead of the fixed loop.")
    ] = False,
    transcript: Annotated[bool, typer.Option("--transcript", help="Also print the whole dialogue.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result (code, report, transcript) as JSON.")
    ] = False,
) -> None:
    """Solve a coding task with execution feedback; exit code 1 when no solution passed the tests."""
    from aiev.agents.context import Context
    from aiev.agents.model_specs import ModelError
    from aiev.agents.models import get_chat_model
    from aiev.sandbox.engine import SandboxUnavailable

    from .sandbox_choice import open_sandbox

    if (task is None) == (file is None):
        fail("give the task either as an argument or with --file, not both or neither")
    text = _read(file, "--file") if file else str(task)
    user_tests = _read(tests, "--tests") if tests else None
    try:
        get_chat_model(model)
        open_sandbox(sandbox, announce=not as_json)
    except (ModelError, SandboxUnavailable) as error:
        fail(error)
    context = Context.for_every_role(
        model, sandbox=sandbox, max_rounds=rounds, timeout_s=timeout, revision_temperature=revision_temperature
    )
    if react:
        from aiev.graphs.codergen_react import solve_react

        result = solve_react(text, tests=user_tests, context=context)
    else:
        from aiev.graphs.codergen import solve as codergen_solve

        result = codergen_solve(text, tests=user_tests, context=context)
    if as_json:
        console.print_json(json.dumps(result.model_dump(mode="json")))
    else:
        _print(result, transcript)
    if not result.passed:
        raise typer.Exit(code=1)


def _print(result, transcript: bool) -> None:
    if transcript:
        for message in result.messages:
            data = message["data"]
            show(Panel(str(data.get("content", "")), title=data.get("name") or message["type"]), highlight=False)
    show(Panel(Syntax(result.code or "# no code", "python", word_wrap=True), title="final code"))
    status = "[green]PASSED[/green]" if result.passed else f"[red]NOT SOLVED[/red] ({result.reason})"
    console.print(f"{status} after {result.rounds} round(s) with {result.tests_source} tests")
    if not result.passed and 0 < result.chosen_round < result.rounds:
        console.print(
            f"the code shown is round {result.chosen_round}'s: no later attempt got further through the tests "
            "(or none ran against them)"
        )
    if result.tests:
        show(Panel(Syntax(result.tests, "python", word_wrap=True), title="tests"))
    show(Panel(result.report or "(nothing was executed)", title="test report"), highlight=False)


def register(root: typer.Typer) -> None:
    root.command("solve")(solve)
