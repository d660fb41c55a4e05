"""Staging directories a killed build leaves behind are swept by the next build of the same target."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from aiev.sandbox.staging import staging_dir


def test_a_killed_builds_staging_is_removed_and_a_live_ones_is_kept(tmp_path) -> None:
    target = tmp_path / "model.f16.gguf"
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from aiev.sandbox.staging import staging_dir
            staging = staging_dir(Path({str(target)!r}))
            (staging / "half.gguf").write_bytes(b"x" * 1024)
            print(staging, flush=True)
            time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    killed = child.stdout.readline().strip()
    mine = staging_dir(target)  # this process's, alive
    elsewhere = tmp_path / f".{target.name}.staging-otherhost-1-abc"  # another host's: its pids are not ours
    elsewhere.mkdir()
    assert os.path.isdir(killed) and killed.startswith(str(tmp_path / f".{target.name}.staging-"))
    os.kill(child.pid, signal.SIGKILL)  # no finally runs
    child.wait()
    assert os.path.isdir(killed)

    fresh = staging_dir(target)
    assert not os.path.exists(killed)  # swept
    assert mine.is_dir() and fresh.is_dir() and mine != fresh and elsewhere.is_dir()
    assert not any(fresh.iterdir())
