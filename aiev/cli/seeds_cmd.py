"""Placeholder: replaced by the seeds command group."""
import typer

app = typer.Typer(no_args_is_help=True)
