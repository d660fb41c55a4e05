"""Hostile programs, for both engines: each ends with the right outcome within timeout + 1 s, the host stays
responsive, and nothing (process or container) is left behind."""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time

import docker
import pytest

from aiev.sandbox.types import ExecRequest, Outcome

TIMEOUT = 3.0


def run(engine, code: str, **limits):
    started = time.monotonic()
    result = engine.run(ExecRequest.python(code, timeout_s=TIMEOUT, **limits))
    assert time.monotonic() - started < TIMEOUT + 1.0, f"{result.outcome}: took too long"
    return result


def sandbox_processes(uids: range) -> list[int]:
    """Host processes owned by the local engine's per-run uids (this process's block only)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid in uids:
                    pids.append(int(entry))
            except FileNotFoundError:
                pass
    return pids


@pytest.fixture(autouse=True)
def nothing_left_behind(engine):
    yield
    time.sleep(0.3)
    if engine.name == "local":
        assert sandbox_processes(engine.uids) == []
    # the host still answers at once
    started = time.monotonic()
    assert sum(range(10**5)) > 0 and time.monotonic() - started < 0.5


def test_infinite_loop_times_out(engine) -> None:
    assert run(engine, "while True:\n    pass\n").outcome is Outcome.TIMEOUT


def test_sleep_past_the_timeout(engine) -> None:
    assert run(engine, "import time\ntime.sleep(60)\n").outcome is Outcome.TIMEOUT


def test_memory_bomb(engine) -> None:
    result = run(engine, "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))\n", memory_mb=256)
    assert result.outcome is Outcome.MEMORY_EXCEEDED


def test_fork_bomb(engine) -> None:
    result = run(engine, "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n")
    assert result.outcome in (Outcome.TIMEOUT, Outcome.FAILED)


def test_flood_of_stdout_is_capped(engine) -> None:
    result = run(engine, "import sys\nsys.stdout.write('x' * 100_000_000)\n", output_bytes=10_000)
    assert result.stdout_truncated and len(result.stdout) < 11_000 and "truncated" in result.stdout


def test_kill_every_process_reaches_only_the_sandbox(engine) -> None:
    sentinel = threading.Event()
    result = run(engine, "import os, signal\nos.kill(-1, signal.SIGKILL)\n")
    assert result.outcome in (Outcome.FAILED, Outcome.PASSED)
    sentinel.set()
    assert sentinel.is_set() and os.getpid() > 0  # this test process survived


@pytest.mark.parametrize("target", ["/etc/aiev-sandbox-escape", "../../aiev-sandbox-escape"])
def test_writing_outside_the_work_dir_is_refused(engine, target: str) -> None:
    result = run(engine, f"open({target!r}, 'w').write('x')\n")
    assert result.outcome is Outcome.FAILED
    assert "Permission denied" in result.stderr or "Read-only file system" in result.stderr, result.stderr
    assert not os.path.exists("/etc/aiev-sandbox-escape")


def test_no_network_but_loopback(engine) -> None:
    """The program sees only `lo`, and cannot reach a listener this test opened on the host."""
    listener = socket.socket()
    listener.bind(("0.0.0.0", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    host = docker_bridge_gateway() if engine.name == "docker" else "127.0.0.1"
    code = (
        "import socket\n"
        "names = [line.split(':')[0].strip() for line in open('/proc/net/dev').read().splitlines()[2:]]\n"
        "print('interfaces', names)\n"
        f"s = socket.socket(); s.settimeout(1)\n"
        f"try:\n    s.connect(({host!r}, {port}))\n    print('CONNECTED')\n"
        "except OSError as e:\n    print('refused', e)\n"
    )
    try:
        result = run(engine, code)
    finally:
        listener.close()
    assert result.outcome is Outcome.PASSED, result.stderr
    assert "interfaces ['lo']" in result.stdout and "CONNECTED" not in result.stdout


def docker_bridge_gateway() -> str:
    """The host's address on the Docker bridge (the subnet's first host when Docker omits the gateway)."""
    config = docker.from_env().networks.get("bridge").attrs["IPAM"]["Config"][0]
    return config.get("Gateway") or str(ipaddress.ip_network(config["Subnet"])[1])


def test_a_daemon_holding_stdout_neither_delays_the_result_nor_survives(engine) -> None:
    """The program exits at once but leaves a child that keeps its stdout open: the result comes when the
    program ends (not at the timeout), and the child is killed."""
    code = (
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True)\n"
        "print('parent done', flush=True)\n"
    )
    started = time.monotonic()
    result = run(engine, code)
    assert result.outcome is Outcome.PASSED, result.stderr
    assert result.stdout == "parent done\n"
    assert time.monotonic() - started < TIMEOUT - 1.0


def test_closing_its_output_does_not_escape_the_timeout(engine) -> None:
    result = run(engine, "import os, time\nos.close(1)\nos.close(2)\ntime.sleep(60)\n")
    assert result.outcome is Outcome.TIMEOUT
