"""Builds and runs the ``deepspeed`` launcher command for an SFT run (one process per GPU, or per CPU slot).

The command is the interface: ``aiev train sft --dry-run`` prints it, and the same line with ``--hostfile``
is how a multi-node run starts (see ``training/README.md``). Without CUDA the launcher is pointed at
DeepSpeed's CPU accelerator (``DS_ACCELERATOR=cpu``, gloo collectives), so the identical code path trains a
tiny model on a laptop or in CI.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import TrainingInputError
from .sft_settings import SFTSettings, trains_on_cpu

ENTRY_MODULE = "aiev.training.sft_entry"


def launcher_executable() -> str:
    """The ``deepspeed`` script next to this interpreter (so a virtualenv's launcher is used), else on PATH."""
    beside = Path(sys.executable).parent / "deepspeed"
    if beside.exists():
        return str(beside)
    found = shutil.which("deepspeed")
    if found is None:
        raise TrainingInputError("the `deepspeed` launcher is not installed (pip install 'aiev[train]')")
    return found


def deepspeed_command(
    settings: SFTSettings, num_gpus: int, hostfile: Path | None = None, master_port: int | None = None
) -> list[str]:
    if hostfile is not None and not hostfile.is_file():
        raise TrainingInputError(f"--hostfile {hostfile}: no such file")
    command = [launcher_executable()]
    if hostfile is not None:
        command += ["--hostfile", str(hostfile)]
    command += ["--num_gpus", str(num_gpus)]
    if master_port is not None:
        command += ["--master_port", str(master_port)]
    return command + ["--module", ENTRY_MODULE, *settings.to_flags()]


def launch_environment(hostfile: Path | None = None) -> dict[str, str]:
    """The launcher's environment: the CPU accelerator when the run trains on this machine's CPU
    (``trains_on_cpu``). Not with a hostfile: a CPU-only head node launching onto GPU workers would otherwise tell
    the launcher, and every rank it starts here, to use the CPU."""
    env = dict(os.environ)
    if trains_on_cpu(hostfile):
        env.setdefault("DS_ACCELERATOR", "cpu")
    return env


def render(command: list[str], env: dict[str, str]) -> str:
    """The command as a user would type it, with the environment it depends on."""
    prefix = f"DS_ACCELERATOR={env['DS_ACCELERATOR']} " if "DS_ACCELERATOR" in env else ""
    return prefix + shlex.join(command)


def run_launcher(command: list[str], env: dict[str, str]) -> int:
    """Run it in the foreground, output streaming through; the launcher's exit code is returned."""
    return subprocess.run(command, env=env, check=False).returncode
