"""How the local engine fences a program in, decided once per process from what this machine allows.

As root (CI, containers) each run gets its own unprivileged uid (so ``RLIMIT_NPROC`` bounds a fork bomb and
files outside the work dir are not writable), fresh PID / network / mount namespaces (so ``kill -9 -1`` reaches
only the program's own processes, the network is loopback-only and ``/tmp`` is a private tmpfs), and the system
interpreter, since root's own Python usually lives under an unreadable home. As an ordinary user, an
unprivileged user namespace gives the same PID / network / mount fences where the kernel permits it; otherwise
only rlimits and a process group remain, which ``Isolation.level`` reports honestly.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# Unprivileged uids for sandboxed runs (root mode): far above any real account, one per concurrent run.
UID_BASE = 2_000_000
INSTALLER_UID = UID_BASE - 1  # owns the cached virtualenvs; runs `pip install` setup lines
ROOT_BASE = Path("/var/lib/aiev-sandbox")  # work dirs and venvs in root mode: outside every tmpfs we mount over


@dataclass(frozen=True)
class Isolation:
    level: str  # "namespaces+uid" | "user-namespace" | "rlimits-only"
    python: str  # interpreter that runs programs
    base: Path  # where work dirs and cached venvs live

    @property
    def switches_uid(self) -> bool:
        return self.level == "namespaces+uid"

    @property
    def network_isolated(self) -> bool:
        return self.level != "rlimits-only"

    def wrap(self, argv: list[str], uid: int | None, *, network: bool) -> list[str]:
        """``argv`` inside the fences; ``network=True`` (setup lines) keeps the host network."""
        if self.level == "rlimits-only":
            return argv
        flags = ["--pid", "--fork", "--kill-child", "--mount-proc"] + ([] if network else ["--net"])
        if self.level == "user-namespace":
            return ["unshare", "--user", "--map-root-user", *flags, "--", *argv]
        private = "mount -t tmpfs -o size=256m tmpfs /tmp && mount -t tmpfs -o size=64m tmpfs /var/tmp && " \
                  "mount -t tmpfs -o size=64m tmpfs /dev/shm && "  # fmt: skip
        drop = f'exec setpriv --reuid={uid} --regid={uid} --clear-groups --inh-caps=-all --bounding-set=-all -- "$@"'
        return ["unshare", *flags, "--", "/bin/sh", "-c", private + drop, "sandbox", *argv]


def _works(argv: list[str]) -> bool:
    try:
        return subprocess.run(argv, capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.cache
def detect() -> Isolation:
    """The strongest isolation this machine supports (probed by actually running it once)."""
    tools = shutil.which("unshare") and shutil.which("setpriv")
    system_python = "/usr/bin/python3"
    if os.geteuid() == 0 and tools and os.access(system_python, os.X_OK):
        ROOT_BASE.mkdir(parents=True, exist_ok=True)
        ROOT_BASE.chmod(0o711)
        probe = Isolation("namespaces+uid", system_python, ROOT_BASE)
        if _works(probe.wrap([system_python, "-c", "pass"], UID_BASE, network=False)):
            return probe
    base = Path(os.environ.get("TMPDIR", "/tmp")) / f"aiev-sandbox-{os.getuid()}"
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    python = getattr(sys, "_base_executable", sys.executable)  # a plain interpreter, not aiev's venv
    probe = Isolation("user-namespace", python, base)
    if shutil.which("unshare") and _works(probe.wrap([python, "-c", "pass"], None, network=False)):
        return probe
    return Isolation("rlimits-only", python, base)
