"""``aiev chat``: talk to a model that can run Python and shell blocks in the sandbox (asks before each run)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import typer
from rich.markdown import Markdown
from rich.panel import Panel
from rich.syntax import Syntax

from .output import console, errors, fail, show

EXIT_WORDS = frozenset({"/exit", "/quit", "exit", "quit"})


def _show(message) -> None:
    if message.name == "interpreter":
        for output in message.additional_kwargs.get("outputs", []):
            show(Panel(output, title="interpreter", border_style="cyan"), highlight=False)
    elif message.type == "ai":
        show(Panel(Markdown(message.text), title="assistant", border_style="green"))
    elif message.name == "user" and message.type == "human":
        console.print(f"[yellow]{message.text}[/yellow]", highlight=False)


def chat(
    model: Annotated[
        str, typer.Option("--model", help="Model name (configs/models.yaml or registered).")
    ] = "local-qwen-0.5b",
    sandbox: Annotated[
        Literal["auto", "docker", "local"], typer.Option("--sandbox", help="Code interpreter.")
    ] = "auto",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Run code blocks without asking.")] = False,
    max_runs: Annotated[int, typer.Option("--max-runs", min=1, help="Interpreter turns per message of yours.")] = 7,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds per code block.")] = 30.0,
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=1, help="Completion token cap per reply.")] = 1024,
) -> None:
    """Chat with a code interpreter. Type /exit (or end input) to leave."""
    from langgraph.types import Command

    from aiev.agents.context import Context
    from aiev.agents.model_specs import ModelError
    from aiev.agents.models import get_chat_model
    from aiev.graphs.interpreter_chat import new_session
    from aiev.sandbox.engine import SandboxUnavailable

    from .sandbox_choice import open_sandbox

    try:
        get_chat_model(model, max_tokens=max_tokens)
        open_sandbox(sandbox)
    except (ModelError, SandboxUnavailable) as error:
        fail(error)
    context = Context(
        programmer_model=model, sandbox=sandbox, max_rounds=max_runs, timeout_s=timeout, max_tokens=max_tokens
    )
    session = new_session()
    config = {"configurable": {"thread_id": uuid.uuid4().hex}}
    shown = 0
    while True:
        try:
            text = console.input("[bold]you>[/bold] ").strip()
        except EOFError:
            break
        if text.lower() in EXIT_WORDS:
            break
        if not text:
            continue
        payload: object = {"messages": [("user", text)], "runs": 0, "auto_approve": yes}
        while payload is not None:
            try:
                session.invoke(payload, config, context=context)
            except Exception as error:
                errors.print(f"[red]error:[/red] the model failed: {type(error).__name__}: {error}", highlight=False)
                break
            snapshot = session.get_state(config)
            messages = snapshot.values.get("messages", [])
            for message in messages[shown:]:
                if message.type != "human" or message.name:
                    _show(message)
            shown = len(messages)
            payload = None
            if snapshot.interrupts:
                for block in snapshot.interrupts[0].value["blocks"]:
                    console.print(Syntax(block["code"], "python" if block["kind"] == "python" else "bash"))
                payload = Command(resume=typer.confirm("Run these blocks in the sandbox?", default=False))


def register(root: typer.Typer) -> None:
    root.command("chat")(chat)
