"""The CLI's two consoles and its one way of refusing a user mistake: a red line on stderr and exit code 2."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def fail(message: object) -> NoReturn:
    """User mistakes end here, never in a traceback; the message is escaped so brackets in it print as-is."""
    errors.print(f"[red]error:[/red] {escape(str(message))}", highlight=False)
    raise typer.Exit(code=2)
