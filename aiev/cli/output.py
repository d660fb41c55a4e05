"""The CLI's two consoles and its one way of refusing a user mistake: a red line on stderr and exit code 2."""

from __future__ import annotations

from typing import Any, NoReturn

import typer
from rich.console import Console, RenderableType
from rich.markup import escape

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def show(renderable: RenderableType, **options: Any) -> None:
    """Print a panel with its lines wrapped. The consoles soft-wrap, so that long paths and commands in plain lines
    stay whole and copyable, but soft wrapping crops a panel's lines at the terminal width: a transcript or a
    program's output would lose the end of every long line."""
    console.print(renderable, soft_wrap=False, **options)


def fail(message: object) -> NoReturn:
    """User mistakes end here, never in a traceback; the message is escaped so brackets in it print as-is."""
    errors.print(f"[red]error:[/red] {escape(str(message))}", highlight=False)
    raise typer.Exit(code=2)
