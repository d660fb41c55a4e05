"""The sandbox a command runs programs in, said once at its start (stderr), so ``--sandbox auto`` never falls
back to a weaker engine unnoticed."""

from __future__ import annotations

from aiev.sandbox.engine import Engine, EngineName, describe_engine, get_engine

from .output import errors


def open_sandbox(name: EngineName, *, announce: bool = True) -> Engine:
    """``get_engine(name)`` (raising ``SandboxUnavailable`` as it does), then one line naming the engine and its
    isolation level, and a yellow warning when the local engine has rlimits only. ``announce=False`` (machine
    output, ``--json``) drops the line, never the warning."""
    engine = get_engine(name)
    choice = describe_engine(name, engine)
    if announce:
        errors.print(f"sandbox: {choice.summary()}", highlight=False)
    if choice.unfenced:
        errors.print(
            "[yellow]warning:[/yellow] the local engine runs without namespaces (rlimits only): programs can use "
            "the network and write wherever this user can; use Docker (--sandbox docker) for untrusted code",
            highlight=False,
        )
    return engine
