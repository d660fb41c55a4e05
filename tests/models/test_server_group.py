"""A server's helpers never outlive aiev: however aiev ends (SIGKILL, SIGTERM) or when it stops the server, the
server and the helper it started are gone. A vLLM engine core left behind by a killed run held 8 GB of a 24 GB
machine; the stand-in server here leaves its helper behind on SIGTERM the same way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import pytest

from aiev.agents.local_model.process import ServerProcess

FORKING = Path(__file__).with_name("forking_server.py")

AIEV_STAND_IN = """
import sys, time
from pathlib import Path
from aiev.agents.local_model.process import ServerProcess

class Forking(ServerProcess):
    def command(self):
        return [sys.executable, {forking!r}, str(self.port), {pid_file!r}]

server = Forking(Path("/nonexistent"), alias="fake", n_ctx=1, log_path=Path({log!r}))
server.start(timeout_s=60)
print("ready", flush=True)
time.sleep(600)
"""


class Forking(ServerProcess):
    def __init__(self, tmp: Path) -> None:
        super().__init__(Path("/nonexistent"), alias="fake", n_ctx=1, log_path=tmp / "server.log")
        self.pid_file = tmp / "helper.pid"

    def command(self) -> list[str]:
        return [sys.executable, str(FORKING), str(self.port), str(self.pid_file)]


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for a reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def gone_within(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not running(pid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=lambda sig: sig.name)
def test_the_server_and_its_helper_end_when_aiev_is_killed(tmp_path: Path, sig: signal.Signals) -> None:
    pid_file = tmp_path / "helper.pid"
    script = AIEV_STAND_IN.format(forking=str(FORKING), pid_file=str(pid_file), log=str(tmp_path / "server.log"))
    aiev = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert aiev.stdout is not None and aiev.stdout.readline().strip() == "ready"
        helper = int(pid_file.read_text())
        assert running(helper)
        aiev.send_signal(sig)
        aiev.wait(timeout=30)
        assert gone_within(helper, 20), "the server's helper outlived aiev"
    finally:
        aiev.kill()
        aiev.wait()
        if pid_file.exists():  # a helper the test found alive must not outlive it either
            with suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


def test_stop_ends_the_server_and_its_helper(tmp_path: Path) -> None:
    server = Forking(tmp_path)
    with server:
        helper = int(server.pid_file.read_text())
        assert server.healthy() and running(helper)
    assert gone_within(helper, 5), "stop() returned while the server's helper still ran"
