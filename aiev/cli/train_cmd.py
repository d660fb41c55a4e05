"""Placeholder."""
import typer

app = typer.Typer(no_args_is_help=True)


def register_loop(root: typer.Typer) -> None:
    pass
