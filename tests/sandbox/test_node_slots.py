"""The per-machine cap on sandboxed programs: it holds across processes and threads, a killed holder frees its
slot, and ``get_engine`` applies it from ``AIEV_SANDBOX_SLOTS`` (unset: no cap; a bad value: a clear error)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from aiev.sandbox import engine as engine_module
from aiev.sandbox.engine import CappedEngine, SandboxUnavailable, describe_engine, get_engine
from aiev.sandbox.node_slots import SLOTS_DIR_ENV, SLOTS_ENV, NodeSlots
from aiev.sandbox.types import ExecRequest, Outcome

# One worker process: waits until every peer has started (so that they contend), then holds a slot `rounds` times
# for 0.2 s each, writing "enter exit" wall-clock times taken while the slot was held.
_WORKER = """
import pathlib, sys, time
from aiev.sandbox.node_slots import NodeSlots
base, limit, me, peers, rounds = pathlib.Path(sys.argv[1]), *map(int, sys.argv[2:])
(base / f"ready-{me}").touch()
deadline = time.time() + 60
while len(list(base.glob("ready-*"))) < peers and time.time() < deadline:
    time.sleep(0.005)
slots = NodeSlots(limit, base / "slots")
with open(base / f"times-{me}", "w") as out:
    for _ in range(rounds):
        with slots.acquire():
            enter = time.time()
            time.sleep(0.2)
            out.write(f"{enter} {time.time()}\\n")
"""

# Holds the only slot, says so, and sleeps until it is killed.
_HOLDER = """
import pathlib, sys, time
from aiev.sandbox.node_slots import NodeSlots
base = pathlib.Path(sys.argv[1])
slot = NodeSlots(1, base / "slots").acquire()
(base / "held").touch()
time.sleep(120)
"""


def most_at_once(intervals: list[tuple[float, float]]) -> int:
    """The largest number of intervals open at one instant (an end before a start at the same instant)."""
    events = sorted([(enter, 1) for enter, _ in intervals] + [(leave, -1) for _, leave in intervals])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


@pytest.fixture
def fresh_engines(monkeypatch, tmp_path):
    """An empty engine cache (restored afterwards) and slot files of this test's own."""
    monkeypatch.setattr(engine_module, "_engines", {})
    monkeypatch.delenv(SLOTS_ENV, raising=False)
    monkeypatch.setenv(SLOTS_DIR_ENV, str(tmp_path / "slots"))


@pytest.mark.parametrize("limit", [1, 2])
def test_processes_never_exceed_the_limit_and_reach_it(tmp_path, limit) -> None:
    peers, rounds = 3, 2
    workers = [
        subprocess.Popen([sys.executable, "-c", _WORKER, str(tmp_path), str(limit), str(me), str(peers), str(rounds)])
        for me in range(peers)
    ]
    assert [worker.wait(timeout=60) for worker in workers] == [0] * peers
    intervals = [
        tuple(map(float, line.split()))
        for me in range(peers)
        for line in (tmp_path / f"times-{me}").read_text().splitlines()
    ]
    assert len(intervals) == peers * rounds
    assert most_at_once(intervals) == limit


def test_a_killed_holder_frees_its_slot(tmp_path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(tmp_path)])
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "held").exists():
            assert holder.poll() is None and time.monotonic() < deadline, "the holder never took its slot"
            time.sleep(0.01)
        slots = NodeSlots(1, tmp_path / "slots")
        with pytest.raises(TimeoutError, match="no free sandbox slot"):
            slots.acquire(timeout=0.3)
        os.kill(holder.pid, signal.SIGKILL)
        assert holder.wait(timeout=10) == -signal.SIGKILL
        with slots.acquire(timeout=1.0) as held:
            assert held.index == 0
    finally:
        holder.kill()
        holder.wait()


def test_threads_of_one_process_share_the_cap(tmp_path) -> None:
    slots = NodeSlots(2, tmp_path)
    lock = threading.Lock()
    running, peak = 0, 0

    def hold() -> None:
        nonlocal running, peak
        with slots.acquire():
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.1)
            with lock:
                running -= 1

    threads = [threading.Thread(target=hold) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert peak == 2 and running == 0


@pytest.mark.parametrize(("setting", "expected"), [("1", 1), (None, 2)])
def test_get_engine_caps_real_programs(fresh_engines, monkeypatch, setting, expected) -> None:
    if setting is not None:
        monkeypatch.setenv(SLOTS_ENV, setting)
    engine = get_engine("local")
    assert isinstance(engine, CappedEngine) is (setting is not None)
    assert describe_engine("local", engine).isolation == engine.isolation.level  # the wrapped engine's own
    request = ExecRequest.python("import time\nenter = time.time()\ntime.sleep(0.5)\nprint(enter, time.time())\n")
    start = threading.Barrier(2)
    results = []

    def run() -> None:
        start.wait()
        results.append(engine.run(request))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [result.outcome for result in results] == [Outcome.PASSED] * 2, [result.stderr for result in results]
    assert most_at_once([tuple(map(float, result.stdout.split())) for result in results]) == expected


def test_an_empty_setting_is_no_cap(fresh_engines, monkeypatch) -> None:
    monkeypatch.setenv(SLOTS_ENV, " ")
    assert not isinstance(get_engine("local"), CappedEngine)


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_bad_setting_is_refused_by_name(fresh_engines, monkeypatch, value) -> None:
    monkeypatch.setenv(SLOTS_ENV, value)
    with pytest.raises(SandboxUnavailable, match=f"{SLOTS_ENV} must be a positive integer.*'{value}'"):
        get_engine("local")
    assert engine_module._engines == {}


def test_a_slots_directory_that_cannot_be_made_is_refused_by_name(fresh_engines, monkeypatch, tmp_path) -> None:
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv(SLOTS_ENV, "2")
    monkeypatch.setenv(SLOTS_DIR_ENV, str(tmp_path / "a-file" / "slots"))
    with pytest.raises(SandboxUnavailable, match=SLOTS_DIR_ENV):
        get_engine("local")


def test_node_slots_needs_a_positive_limit(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one sandbox slot"):
        NodeSlots(0, tmp_path)
