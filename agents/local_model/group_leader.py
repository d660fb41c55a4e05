"""Runs a model server as the child of a small leader that takes the server's whole process group down with it.

Why: the kernel's parent-death signal (``PR_SET_PDEATHSIG``) reaches only the process aiev started. vLLM's API server
starts an engine core and workers; killed alone, it leaves them behind holding the model (8 GB for the 1.5B), and the
next run on a 24 GB machine starts short of memory. So aiev starts this leader instead, with the parent-death signal
set to SIGTERM: however aiev ends (SIGKILL included), the leader is told, and it ends every process of its group
(SIGTERM, then SIGKILL after a grace period). When the server ends on its own, the leader ends the server's helpers
and then exits the way the server did (its exit code, or death by the same signal), so aiev's crash report reads the
server's own status; when the leader itself is killed outright, the server gets SIGKILL (its own parent-death
signal), as it did when aiev started it directly.

Standard library only, run as a file (``python group_leader.py PARENT_PID -- COMMAND ...``): it starts in
milliseconds and imports nothing of aiev.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from functools import partial

GRACE_S = 10.0  # for the group to end on SIGTERM before SIGKILL


def end_group() -> None:
    """SIGTERM to every other process of the group, SIGKILL to whatever is left after the grace period, then to the
    leader itself: how it exits when it was told to stop."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the group signal reaches the leader too
    os.killpg(0, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while time.monotonic() < deadline and _members():
        time.sleep(0.1)
    os.killpg(0, signal.SIGKILL)


def _members() -> list[int]:
    """The live processes of the leader's group other than itself (its exited children reaped first)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass
    group, me, members = os.getpgrp(), os.getpid(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me:
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    state, _, pgrp = stat.read().rsplit(")", 1)[1].split()[:3]  # the fields after the name
            except (OSError, ValueError):
                continue
            if int(pgrp) == group and state != "Z":
                members.append(int(entry))
    return members


def die_with_parent(sig: signal.Signals) -> None:
    """Linux: ``sig`` is sent to the calling process when its parent dies, even by SIGKILL, where atexit never runs
    (``PR_SET_PDEATHSIG``; kept across exec). Called between fork and exec: by aiev for the leader (SIGTERM, so the
    leader can end the group), by the leader for the server (SIGKILL: nothing else would end it then)."""
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig)


def main(argv: list[str]) -> int:
    parent, separator, *command = argv
    if separator != "--" or not command:
        print("usage: group_leader.py PARENT_PID -- COMMAND ...", file=sys.stderr)
        return 2
    if os.getppid() != int(parent):  # aiev died before the parent-death signal was armed
        return 1
    signal.signal(signal.SIGTERM, lambda *_: end_group())
    status = subprocess.Popen(command, preexec_fn=partial(die_with_parent, signal.SIGKILL)).wait()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for pid in _members():  # the server's helpers, which outlived it
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if status < 0:  # die by the server's signal, so that aiev's report names it
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
        return 128 - status
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
