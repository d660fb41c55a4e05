"""A real Ray cluster of two nodes on this machine, token authentication on, for the scale-out tests and bench.

``ray start --head`` and a second ``ray start --address ... --block`` (kept as a child so a test can remove that
node by killing its process group, as a machine lost from a cluster would vanish). Every process that joins —
nodes, drivers — gets the same ``RAY_AUTH_TOKEN``.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

RAY = str(Path(sys.executable).with_name("ray"))
NODE_PROBE = (
    "import ray; ray.init(address={address!r}, log_to_driver=False); print(sum(n['Alive'] for n in ray.nodes()))"
)


@dataclass
class LocalCluster:
    address: str
    env: dict[str, str]  # os.environ plus the cluster's token: what every driver needs
    second: subprocess.Popen | None  # None for a one-node cluster

    def alive_nodes(self) -> int:
        probe = NODE_PROBE.format(address=self.address)
        done = subprocess.run([sys.executable, "-c", probe], env=self.env, capture_output=True, text=True, timeout=120)
        return int(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else 0

    def remove_second_node(self) -> None:
        """Kill the second node's raylet and workers at once (SIGKILL to its process group): no graceful drain."""
        assert self.second is not None, "a one-node cluster has no second node"
        os.killpg(self.second.pid, signal.SIGKILL)
        self.second.wait(timeout=30)


SLOW_START = """import sys, time
if sys.argv and sys.argv[0].endswith("default_worker.py"):
    time.sleep({delay})
"""


def _slow_workers(folder: Path, delay_s: float) -> dict[str, str]:
    if delay_s <= 0:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SLOW_START.format(delay=delay_s))
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def local_cluster(
    logs: Path, *, nodes: int = 2, cpus_per_node: int = 1, worker_start_delay_s: float = 0.0
) -> Iterator[LocalCluster]:
    """Start the cluster (``nodes``: 1 or 2), wait until every node is alive, and afterwards stop every Ray process
    on this machine. ``worker_start_delay_s`` makes every Ray worker process of the second node start that much
    later (a ``sitecustomize`` on its PYTHONPATH), as a remote machine importing from a slower disk would."""
    # A token already in the environment is kept: Ray reads it once per process, so a process that joins several
    # clusters one after another (the scaling bench) must give them all the same one.
    token = os.environ.get("RAY_AUTH_TOKEN") or secrets.token_hex(16)
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}
    port = free_port()
    address = f"127.0.0.1:{port}"
    common = [f"--num-cpus={cpus_per_node}", "--disable-usage-stats"]
    head = [RAY, "start", "--head", f"--port={port}", "--include-dashboard=false", *common]
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / "second-node.log").open("w") as log:
        try:
            subprocess.run(head, env=env, check=True, capture_output=True, timeout=180)
            second = None
            if nodes == 2:
                second = subprocess.Popen(
                    [RAY, "start", f"--address={address}", "--block", *common],
                    env={**env, **_slow_workers(logs / "slow-start", worker_start_delay_s)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            cluster = LocalCluster(address, env, second)
            deadline = time.monotonic() + 180
            while second is not None and cluster.alive_nodes() < nodes:
                if time.monotonic() > deadline or second.poll() is not None:
                    raise RuntimeError(f"the second Ray node did not join; see {logs / 'second-node.log'}")
                time.sleep(1)
            yield cluster
        finally:
            subprocess.run([RAY, "stop", "--force"], env=env, capture_output=True, timeout=120)
