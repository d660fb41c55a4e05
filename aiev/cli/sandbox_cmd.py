"""``aiev sandbox``: run a program in the code interpreter, build its image, see which engines work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.panel import Panel
from rich.table import Table

from .output import console, fail, show

app = typer.Typer(
    help="The code interpreter: run programs, build the Docker image, check the engines.", no_args_is_help=True
)
EngineOption = Literal["auto", "docker", "local"]


def _read(path: Path, option: str) -> str:
    try:
        return path.read_text()
    except OSError as error:
        fail(f"{option} {path}: cannot read ({error.strerror or error})")


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="Python program to run.")],
    tests: Annotated[Path | None, typer.Option("--tests", help="Test code appended to the program.")] = None,
    setup: Annotated[
        list[str] | None, typer.Option("--setup", help="`pip install ...` line run first, with network (repeatable).")
    ] = None,
    sandbox: Annotated[EngineOption, typer.Option("--sandbox", help="docker, local, or auto.")] = "auto",
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds before the program is killed.")] = 10.0,
    memory: Annotated[int, typer.Option("--memory", min=32, help="Memory limit in MB.")] = 512,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Run FILE in the sandbox and print the outcome, exit code, output and setup log."""
    from pydantic import ValidationError

    from aiev.sandbox.engine import SandboxUnavailable
    from aiev.sandbox.types import ExecRequest, Limits

    from .sandbox_choice import open_sandbox

    try:
        request = ExecRequest(files={"main.py": _read(file, "FILE")}, tests=_read(tests, "--tests") if tests else None,
                              setup=setup or [], limits=Limits(timeout_s=timeout, memory_mb=memory))  # fmt: skip
    except ValidationError as error:  # e.g. a --setup line that is not a plain pip install: named in the message
        fail("; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors()))
    try:
        engine = open_sandbox(sandbox, announce=not json_output)
    except SandboxUnavailable as error:
        fail(error)
    result = engine.run(request)
    if json_output:
        console.print_json(result.model_dump_json())
    else:
        colour = "green" if result.passed else "red"
        console.print(f"[{colour}]{result.outcome.value}[/{colour}]  exit {result.exit_code}  "
                      f"{result.duration_s:.2f}s  engine {result.engine}")  # fmt: skip
        for title, text in (("setup", result.setup_log), ("stdout", result.stdout), ("stderr", result.stderr)):
            if text.strip():
                show(Panel(text.rstrip(), title=title, title_align="left"), markup=False)
    raise typer.Exit(code=0 if result.passed else 1)


@app.command("build-image")
def build_image(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even when the image exists.")] = False,
    image: Annotated[str | None, typer.Option("--image", help="Image tag.")] = None,
    offline: Annotated[
        bool | None,
        typer.Option(
            "--offline/--from-registry", help="Force a base (default: try a registry, fall back on Debian packages)."
        ),
    ] = None,
) -> None:
    """Build the sandbox image (python:3.11-slim where a registry answers, else debootstrap + import)."""
    from aiev.sandbox.image import IMAGE, ImageBuildError
    from aiev.sandbox.image import build_image as build

    try:
        with console.status("building the sandbox image ..."):
            build(image or IMAGE, force=force, offline=offline, log=lambda line: console.print(line, highlight=False))
    except ImageBuildError as error:
        fail(error)


@app.command()
def status() -> None:
    """Which engines can run here, and how the local engine is isolated."""
    from aiev.sandbox.engine import docker_problem
    from aiev.sandbox.image import IMAGE
    from aiev.sandbox.isolation import detect

    table = Table("engine", "usable", "notes")
    problem = docker_problem()
    table.add_row(
        "docker",
        "yes" if problem is None else "no",
        problem or f"image {IMAGE} present; warm containers, one exec per program, no network",
    )
    isolation = detect()
    table.add_row("local", "yes", f"isolation: {isolation.level}; interpreter {isolation.python}")
    console.print(table)
    console.print(f"--sandbox auto uses: {'docker' if problem is None else 'local'}")


@app.command()
def reap() -> None:
    """Remove sandbox containers left behind by processes that no longer exist."""
    from docker.errors import DockerException

    from aiev.sandbox.docker_engine import reap as reap_containers

    try:
        console.print(f"removed {reap_containers()} leftover container(s)")
    except DockerException as error:
        fail(f"no Docker engine answers: {error}")
