"""The Docker engine's containers: single use when asked, removed by close(), reaped after a crash, and no
trace of one program left for the next one in a reused container."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import docker
import pytest

from aiev.sandbox.docker_engine import LABEL, OWNER, DockerEngine, reap
from aiev.sandbox.types import ExecRequest, Outcome

pytestmark = pytest.mark.docker


def owned_by(pid: int) -> list:
    return docker.from_env().containers.list(
        all=True, filters={"label": [LABEL, f"{OWNER}={pid}"]}, ignore_removed=True
    )


def start_engine_process(after_start: str) -> subprocess.Popen:
    """A separate Python process that starts a Docker engine, runs ``after_start`` and says READY."""
    code = textwrap.dedent(f"""
        from aiev.sandbox.docker_engine import DockerEngine
        from aiev.sandbox.types import ExecRequest
        engine = DockerEngine(pool_size=1)
        {after_start}
        print("READY", flush=True)
        input()
    """)
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "READY"
    return process


@pytest.fixture
def container_from_dead_process(docker_engine):
    process = start_engine_process("")
    assert len(owned_by(process.pid)) == 1
    process.send_signal(signal.SIGKILL)  # no close(), no atexit: its warm container is orphaned
    process.wait()
    return process.pid


def test_close_removes_every_container_even_after_a_timeout(docker_engine) -> None:
    process = start_engine_process("engine.run(ExecRequest.python('while True: pass', timeout_s=1)); engine.close()")
    try:
        assert owned_by(process.pid) == []
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("unwind", [True, False], ids=["unwinding", "default"])
def test_sigterm_removes_the_warm_containers_of_a_process_that_unwinds(docker_engine, unwind) -> None:
    """An entry point that calls ``unwind_on_sigterm`` (the CLI, the benches) leaves no container behind when it is
    killed with SIGTERM; by default the process ends on the spot and its containers wait for the next ``reap``."""
    steps = ["engine.close()", "from aiev.sandbox import engine as engines", "engines.get_engine('docker')"]
    process = start_engine_process("; ".join(steps[:2] + ["engines.unwind_on_sigterm()"] * unwind + steps[2:]))
    try:
        assert owned_by(process.pid) != []
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        assert (owned_by(process.pid) == []) is unwind
    finally:
        process.kill()
        process.wait()
        reap()


def test_reap_removes_containers_of_dead_owners_only(container_from_dead_process, docker_engine) -> None:
    mine = {c.id for c in owned_by(os.getpid())}
    assert owned_by(container_from_dead_process) != []
    assert reap() >= 1
    assert owned_by(container_from_dead_process) == []
    assert mine <= {c.id for c in owned_by(os.getpid())}  # this live process's warm containers are kept


def test_single_use_engine_gives_every_program_its_own_container(docker_engine) -> None:
    engine = DockerEngine(pool_size=1, max_uses=1)
    try:
        hosts = [engine.run(ExecRequest.python("import socket\nprint(socket.gethostname())")).stdout for _ in range(3)]
    finally:
        engine.close()
    assert len(set(hosts)) == 3


def test_reused_container_keeps_nothing_of_the_previous_program(docker_engine) -> None:
    """A program plants files everywhere it can write, a background process and an IPC segment, and exits 0;
    the next program in the same container finds none of them."""
    planter = textwrap.dedent("""
        import ctypes, os, subprocess
        assert ctypes.CDLL(None, use_errno=True).shmget(0, 4096, 0o1600) >= 0  # IPC_PRIVATE | IPC_CREAT | 0600
        for path in ("/tmp/planted", "/dev/shm/planted", "/work/planted", "/work/0000/json.py"):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w").write("raise SystemExit('planted module imported')")
        subprocess.Popen(["sleep", "300"], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(os.uname().nodename)
    """)
    checker = textwrap.dedent("""
        import json, os
        others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (os.getpid(), os.getppid())
                  and os.stat(f"/proc/{p}").st_uid == os.getuid()]
        print(os.uname().nodename)
        segments = len(open("/proc/sysvipc/shm").read().splitlines()) - 1
        print(json.dumps({"work": len(os.listdir("/work")), "tmp": os.listdir("/tmp"), "shm": os.listdir("/dev/shm"),
                          "others": others, "sysv": segments}))
    """)
    engine = DockerEngine(pool_size=1)
    try:
        first = engine.run(ExecRequest.python(planter))
        time.sleep(0.2)
        second = engine.run(ExecRequest.python(checker))
    finally:
        engine.close()
    assert first.outcome is Outcome.PASSED and second.outcome is Outcome.PASSED, (first.stderr, second.stderr)
    assert first.stdout.split()[0] == second.stdout.split()[0]  # the same container served both
    assert second.stdout.splitlines()[1] == '{"work": 1, "tmp": [], "shm": [], "others": [], "sysv": 0}'


def test_programs_hold_no_capability_and_cannot_touch_the_supervisor(docker_engine) -> None:
    """The supervisor runs as root with three capabilities; the program it starts holds none of them, cannot
    regain them (no-new-privileges), and cannot signal the supervisor."""
    probe = textwrap.dedent("""
        import os, signal
        status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
        supervisor = [int(p) for p in os.listdir("/proc") if p.isdigit() and os.stat(f"/proc/{p}").st_uid == 0
                      and b"-c" in open(f"/proc/{p}/cmdline", "rb").read().split(b"\\0")]
        try:
            os.kill(supervisor[0], signal.SIGKILL)
            print("killed")
        except PermissionError:
            print("refused")
        print(os.getuid(), status["CapEff"].strip(), status["CapPrm"].strip(), status["NoNewPrivs"].strip())
    """)
    engine = DockerEngine(pool_size=1)
    try:
        first = engine.run(ExecRequest.python(probe))
        second = engine.run(ExecRequest.python("print('still served')"))
    finally:
        engine.close()
    assert first.outcome is Outcome.PASSED, first.stderr
    assert first.stdout.split() == ["refused", "1000", "0000000000000000", "0000000000000000", "1"]
    assert second.outcome is Outcome.PASSED and second.stdout == "still served\n"


def test_a_warm_container_that_died_while_idle_costs_a_retry_not_the_result(docker_engine) -> None:
    others = {container.id for container in owned_by(os.getpid())}  # the fixture's engine's
    engine = DockerEngine(pool_size=1)
    try:
        first = engine.run(ExecRequest.python("print('one')"))
        (idle,) = [container for container in owned_by(os.getpid()) if container.id not in others]
        idle.kill()  # e.g. removed by hand, or the daemon restarted it away
        second = engine.run(ExecRequest.python("print('two')"))
    finally:
        engine.close()
    assert (first.outcome, second.outcome) == (Outcome.PASSED, Outcome.PASSED), second.stderr
    assert second.stdout == "two\n"
