"""The ``aiev`` command line: one Typer app composed of one sub-module per command group."""

from __future__ import annotations

import typer

from ..sandbox.engine import unwind_on_sigterm
from . import (
    chat_cmd,
    eval_cmd,
    generate_cmd,
    models_cmd,
    sandbox_cmd,
    seeds_cmd,
    solve_cmd,
    train_cmd,
)

app = typer.Typer(
    name="aiev",
    help="Execution-feedback coding agents: generate verified data (AIEV-Instruct), solve with CoderGen, "
    "evaluate, train.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(models_cmd.app, name="models")
app.add_typer(seeds_cmd.app, name="seeds")
app.add_typer(train_cmd.app, name="train")
generate_cmd.register(app)
solve_cmd.register(app)
chat_cmd.register(app)
eval_cmd.register(app)
train_cmd.register_loop(app)


def main() -> None:
    unwind_on_sigterm()  # `kill` ends any command as Ctrl-C does: containers, model servers, checkpoints closed
    app()
