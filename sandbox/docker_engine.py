"""The Docker engine: every program in a network-less container, as a fresh process in a fresh directory.

Cold ``docker run`` costs far more than a HumanEval program, and even a ``docker exec`` per program (an API
round trip plus ``runc exec``) costs more than the program, so containers are started ahead (network-less,
limits applied) around a small supervisor (``container_supervisor.py``) that the engine talks to over the
container's attached stdin/stdout. Per request the supervisor forks a child that drops to the ``sandbox``
user, wipes earlier files and IPC objects, unpacks the request's files into a directory with an unguessable
name on a ``/work`` tmpfs charged to the container's memory limit, and execs the program; at the timeout and
after every program it kills every process in the container but itself. A container that saw a timeout, an
OOM kill or a SIGKILL, or served ``max_uses`` programs, is removed and replaced in the background;
``max_uses=1`` gives every program a container of its own (see README). A request with setup lines
(``pip install ...``) gets a container of its own on the bridge network with the host's CA bundle mounted
read-only, where setup and program run as ``docker exec``; it is disconnected from every network before the
program runs.

Containers are labelled with the owning process, so leftovers of a crashed parent are reaped at start-up.
"""

from __future__ import annotations

import base64
import io
import os
import queue
import secrets
import shlex
import socket
import tarfile
import threading
import time
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException, NotFound
from docker.types import LogConfig, Ulimit
from docker.utils.socket import STDERR, STDOUT, frames_iter

from . import supervisor_client
from .capture import decode_capped
from .container_supervisor import NONCE_FD, VERDICT_FD
from .image import IMAGE, SANDBOX_UID, image_exists
from .processes import alive
from .requirements import parse_install
from .supervisor_client import Channel, SupervisorGone
from .types import ExecRequest, ExecResult, Limits, Outcome, verdict
from .verdict_channel import new_nonce, runner_args, tests_ended

LABEL = "aiev.sandbox"
OWNER = "aiev.owner_pid"
POOL_SIZE = 2
MAX_USES = 100  # programs served by one container before it is replaced
_SUPERVISOR_GRACE_S = 3.0  # past the program's timeout (which the supervisor enforces) before the engine gives up on it
_SLEEPER = "65534:65534"  # nobody: out of reach of the sandbox user's kill -9 -1
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
_USER = f"{SANDBOX_UID}:{SANDBOX_UID}"
_ENV = {"PIP_USER": "1", "PIP_BREAK_SYSTEM_PACKAGES": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_WARN_SCRIPT_LOCATION": "1", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}  # fmt: skip
_PASSED_THROUGH = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_TRUSTED_HOST")
# Every place the sandbox user can write; wiped before each program (the task's own dir excepted).
_SCRATCH = "/work /tmp /dev/shm /dev/mqueue"


def _pool_key(limits: Limits) -> tuple:
    """Containers are interchangeable only when their cgroup and ulimit settings match the request's."""
    return (limits.memory_mb, limits.max_pids, limits.file_size_mb, limits.cpus)


class DockerEngine:
    name = "docker"

    @staticmethod
    def problem(image: str = IMAGE) -> str | None:
        """Why this engine cannot run here (no daemon, no image), or None."""
        try:
            client = docker.from_env(timeout=5)
            client.ping()
        except DockerException as error:
            return f"no Docker engine answers ({type(error).__name__}); start dockerd or use --sandbox local"
        if not image_exists(client, image):
            return f"the sandbox image {image} is missing; build it with: aiev sandbox build-image"
        return None

    def __init__(self, image: str = IMAGE, pool_size: int = POOL_SIZE, max_uses: int = MAX_USES) -> None:
        self.image = image
        self.client = docker.from_env(timeout=120)
        self.pool_size = pool_size
        self.max_uses = max_uses
        self._pools: dict[tuple, queue.Queue] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._pending: list[threading.Thread] = []
        self._uses: dict[str, int] = {}
        self._channels: dict[str, Channel] = {}  # pool container id -> its supervisor connection
        reap(self.client)
        self._refill(_pool_key(Limits()), Limits())

    # -- public -----------------------------------------------------------------------------------------------
    def run(self, request: ExecRequest) -> ExecResult:
        """A warm container that broke while idle (its supervisor gone) costs one retry in a fresh container,
        not the program's result."""
        result = self._run_once(request)
        if result.outcome is Outcome.SANDBOX_ERROR and not request.setup:
            result = self._run_once(request)
        return result

    def _run_once(self, request: ExecRequest) -> ExecResult:
        started = time.monotonic()
        try:
            container = self._container_for(request)
        except (DockerException, SupervisorGone) as error:
            return ExecResult(outcome=Outcome.SANDBOX_ERROR, stderr=f"docker: {error}", engine=self.name)
        task = secrets.token_hex(8)  # unguessable: an earlier program cannot plant files in this dir
        env = _task_env(task)
        archive = _tar(request, task)
        result = ExecResult(outcome=Outcome.SANDBOX_ERROR, engine=self.name)
        try:
            if not request.setup:
                result = self._supervised(container, request, task, env, archive)
                return result
            setup = self._setup(container, request, env, archive)
            if setup.outcome is not Outcome.PASSED:
                result = setup.model_copy(update={"duration_s": time.monotonic() - started})
                return result
            result = self._program_after_setup(container, request, task, env)
            result = result.model_copy(update={"setup_log": setup.setup_log})
            return result
        except DockerException as error:
            result = ExecResult(outcome=Outcome.SANDBOX_ERROR, stderr=f"docker: {error}", engine=self.name)
            return result
        finally:
            self._release(container, request, result)

    def close(self) -> None:
        """Removes the warm containers and waits for pending removals and refills, so nothing outlives the engine."""
        with self._lock:
            self._closed = True
            pools, self._pools = self._pools, {}
            pending, self._pending = self._pending, []
            channels, self._channels = self._channels, {}
        for channel in channels.values():
            channel.close()
        for pool in pools.values():
            while not pool.empty():
                _remove(pool.get_nowait())
        for thread in pending:
            thread.join()

    # -- containers -------------------------------------------------------------------------------------------
    def _container_for(self, request: ExecRequest):
        if request.setup:  # needs the network for its installs: never one of the network-less pool
            return self._start(request.limits, network=True)
        with self._lock:
            pool = self._pools.setdefault(_pool_key(request.limits), queue.Queue())
        try:
            return pool.get_nowait()
        except queue.Empty:
            return self._start(request.limits, network=False)

    def _release(self, container, request: ExecRequest, result: ExecResult) -> None:
        """Back to the pool, or removed (and replaced) when it may no longer be trusted or is used up."""
        with self._lock:
            uses = self._uses[container.id] = self._uses.get(container.id, 0) + 1
            tainted = result.outcome in (Outcome.TIMEOUT, Outcome.MEMORY_EXCEEDED, Outcome.SANDBOX_ERROR) or \
                result.exit_code == 137 or uses >= self.max_uses  # fmt: skip
            pool = (
                None
                if self._closed or request.setup
                else self._pools.setdefault(_pool_key(request.limits), queue.Queue())
            )
            if pool is not None and not tainted:
                pool.put(container)
                return
            self._uses.pop(container.id, None)
            channel = self._channels.pop(container.id, None)
        if channel is not None:
            channel.close()
        self._in_background(_remove, container)
        if pool is not None:
            self._in_background(self._refill, _pool_key(request.limits), request.limits)

    def _in_background(self, target, *args) -> None:
        """Removals and refills run off the request's path; close() waits for them."""
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        with self._lock:
            self._pending = [t for t in self._pending if t.is_alive()] + [thread]

    def _refill(self, key: tuple, limits: Limits) -> None:
        with self._lock:
            if self._closed:
                return
            pool = self._pools.setdefault(key, queue.Queue())
            missing = self.pool_size - pool.qsize()
        for _ in range(max(0, missing)):
            try:
                container = self._start(limits, network=False)
            except (DockerException, SupervisorGone):
                return  # the next request starts its own container and reports the error itself
            with self._lock:
                closed = self._closed
                if not closed:
                    pool.put(container)
            if closed:  # close() ran while this one was starting
                _remove(container)
                return

    def _start(self, limits: Limits, *, network: bool):
        """A warm container: network-less ones run the supervisor and are attached to at once; the one a setup
        request gets sleeps (as ``nobody``) while its installs and its program run as ``docker exec``."""
        volumes = {CA_BUNDLE: {"bind": CA_BUNDLE, "mode": "ro"}} if network and os.path.exists(CA_BUNDLE) else {}
        memory = f"{limits.memory_mb}m"
        fsize = limits.file_size_mb * 1024 * 1024
        # tmpfs pages are charged to the container's memory cgroup, so files cannot outgrow the memory limit
        # (and never touch the host's disk). exec: installed packages may carry C extensions.
        work = f"rw,exec,nosuid,nodev,size={limits.memory_mb}m,uid={SANDBOX_UID},gid={SANDBOX_UID},mode=0700"
        supervised = {"command": supervisor_client.COMMAND, "user": "0:0", "cap_add": supervisor_client.CAPABILITIES,
                      "stdin_open": True, "log_config": LogConfig(type=LogConfig.types.NONE)}  # fmt: skip
        sleeping = {"command": ["sleep", "infinity"], "user": _SLEEPER}
        container = self.client.containers.run(
            self.image, detach=True, init=True, working_dir="/work",
            network_mode="bridge" if network else "none", read_only=True,
            tmpfs={"/work": work, "/tmp": "rw,exec,nosuid,nodev,size=64m,mode=1777"},
            mem_limit=memory, memswap_limit=memory, pids_limit=limits.max_pids, nano_cpus=int(limits.cpus * 1e9),
            # No nproc ulimit: it counts the uid's processes host-wide, so one container's fork bomb would starve
            # every other container's programs; pids_limit bounds each container on its own.
            ulimits=[Ulimit(name="fsize", soft=fsize, hard=fsize), Ulimit(name="core", soft=0, hard=0)],
            security_opt=["no-new-privileges"], cap_drop=["ALL"], volumes=volumes,
            labels={LABEL: "1", OWNER: str(os.getpid())}, **(sleeping if network else supervised),
        )  # fmt: skip
        if not network:
            try:
                channel = Channel(self.client.api, container.id)
            except SupervisorGone:
                _remove(container)
                raise
            with self._lock:
                self._channels[container.id] = channel
        return container

    # -- execution --------------------------------------------------------------------------------------------
    def _setup(self, container, request: ExecRequest, env: dict[str, str], archive: bytes) -> ExecResult:
        env = dict(env)
        if os.path.exists(CA_BUNDLE):
            env |= {"PIP_CERT": CA_BUNDLE, "SSL_CERT_FILE": CA_BUNDLE, "REQUESTS_CA_BUNDLE": CA_BUNDLE}
        env |= {k: os.environ[k] for k in _PASSED_THROUGH if k in os.environ}
        # Each line's parsed requirements are installed, never the line itself (``requirements.py``).
        installs = (f"echo '$ '{shlex.quote(line)}\npython3 -m pip install -q {shlex.join(parse_install(line).args)}"
                    for line in request.setup)  # fmt: skip
        script = f"set -e\ntar -x -C /work\ncd {env['HOME']}\n" + "\n".join(installs)
        limits = request.limits.model_copy(update={"timeout_s": request.limits.setup_timeout_s, "output_bytes": 32_000})
        result = self._exec(container, ["bash", "-c", script], limits, env, archive)
        for network in self.client.api.inspect_container(container.id)["NetworkSettings"]["Networks"]:
            self.client.api.disconnect_container_from_network(container.id, network, force=True)
        log = f"{result.stdout}{result.stderr}".strip()
        if result.outcome is Outcome.PASSED:
            return ExecResult(outcome=Outcome.PASSED, setup_log=log, engine=self.name)
        outcome = Outcome.SETUP_FAILED if result.outcome is Outcome.FAILED else result.outcome
        return ExecResult(outcome=outcome, exit_code=result.exit_code, setup_log=log, engine=self.name)

    def _supervised(
        self, container, request: ExecRequest, task: str, env: dict[str, str], archive: bytes
    ) -> ExecResult:
        """One request through the container's supervisor: no Docker API call unless something went wrong."""
        limits = request.limits
        nonce = new_nonce() if request.tests else None
        args = runner_args(request, NONCE_FD, VERDICT_FD) if nonce else [request.entrypoint]
        header = {"task": task, "argv": ["python3", *args], "nonce": nonce, "stdin": request.stdin is not None,
                  "env": env, "uid": SANDBOX_UID, "timeout_s": limits.timeout_s,
                  "output_bytes": limits.output_bytes}  # fmt: skip
        started = time.monotonic()
        try:
            reply = self._channels[container.id].call(header, archive, limits.timeout_s + _SUPERVISOR_GRACE_S)
        except SupervisorGone as error:  # the container is tainted by this outcome: _release replaces it
            duration = time.monotonic() - started
            if error.timed_out:
                return ExecResult(outcome=Outcome.TIMEOUT, stderr=str(error), duration_s=duration, engine=self.name)
            outcome = Outcome.MEMORY_EXCEEDED if _oom_killed(self.client.api, container) else Outcome.SANDBOX_ERROR
            return ExecResult(outcome=outcome, stderr=f"sandbox: {error}", duration_s=duration, engine=self.name)
        stdout, stderr = base64.b64decode(reply["stdout"]), base64.b64decode(reply["stderr"])
        stderr_text = decode_capped(stderr, reply["stderr_truncated"])
        code = None if reply["timed_out"] else reply["exit_code"]
        ended = tests_ended(nonce, base64.b64decode(reply["verdict"])) if nonce else None
        outcome, note = self._outcome(container, reply["timed_out"], code, stderr_text, ended)
        return ExecResult(
            outcome=outcome, exit_code=code,
            stdout=decode_capped(stdout, reply["stdout_truncated"]), stderr=stderr_text + note,
            stdout_truncated=reply["stdout_truncated"], stderr_truncated=reply["stderr_truncated"],
            duration_s=reply["duration_s"], engine=self.name,
        )  # fmt: skip

    def _outcome(self, container, timed_out: bool, code: int | None, stderr: str,
                 ended: bool | None) -> tuple[Outcome, str]:  # fmt: skip
        """``types.verdict`` with this engine's evidence of a memory kill (read only when it can matter)."""
        killed = code == 137 and _oom_killed(self.client.api, container)
        out_of_memory = code != 0 and ("MemoryError" in stderr or killed)
        return verdict(code, timed_out=timed_out, out_of_memory=out_of_memory, tests_ended=ended)

    def _program_after_setup(self, container, request: ExecRequest, task: str, env: dict[str, str]) -> ExecResult:
        """The program in a setup container, as a ``docker exec``; with tests, the runner's nonce travels as the
        exec's stdin (fd 3 for the runner) and its verdict goes to a file read back once the program is gone."""
        if not request.tests:
            command = _program_command(request, task, [request.entrypoint])
            return self._exec(container, command, request.limits, env, None)
        nonce, verdict_file = new_nonce(), f"/tmp/{task}.verdict"
        redirections = f"{NONCE_FD}<&0 {VERDICT_FD}>{verdict_file}"
        command = _program_command(request, task, runner_args(request, NONCE_FD, VERDICT_FD), redirections)
        result = self._exec(container, command, request.limits, env, nonce.encode())
        if result.outcome in (Outcome.TIMEOUT, Outcome.MEMORY_EXCEEDED):  # killed: no verdict to read, none needed
            return result
        ended = tests_ended(nonce, self._read_verdict_file(container, verdict_file))
        outcome, note = self._outcome(container, False, result.exit_code, result.stderr, ended)
        return result.model_copy(update={"outcome": outcome, "stderr": result.stderr + note})

    def _read_verdict_file(self, container, path: str) -> bytes:
        """A regular file only (the program may have swapped in a FIFO or a link); no process of the program is left
        by now."""
        command = ["sh", "-c", 'test -f "$1" && test ! -L "$1" && head -c 65536 "$1"', "sh", path]
        exec_id = self.client.api.exec_create(container.id, command, user=_USER)["Id"]
        return self.client.api.exec_start(exec_id) or b""

    def _exec(
        self, container, command: list[str], limits: Limits, env: dict[str, str], stdin: bytes | None
    ) -> ExecResult:
        """One ``docker exec``: ``stdin`` is streamed in, stdout/stderr are read until the process (or the
        container, killed by the watchdog on timeout) ends, keeping at most ``output_bytes`` of each."""
        api = self.client.api
        exec_id = api.exec_create(container.id, command, user=_USER, workdir="/work", environment=env,
                                  stdin=stdin is not None)["Id"]  # fmt: skip
        started = time.monotonic()
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            try:
                container.kill()
            except DockerException:
                pass

        watchdog = threading.Timer(limits.timeout_s, expire)
        watchdog.start()
        captured = {STDOUT: _Capped(limits.output_bytes), STDERR: _Capped(limits.output_bytes)}
        connection = api.exec_start(exec_id, socket=True)
        try:
            if stdin is not None:
                raw = connection._sock  # the hijacked socket (docker-py exposes no writer): half-closing it sends EOF
                raw.sendall(stdin)
                raw.shutdown(socket.SHUT_WR)
            for stream, chunk in frames_iter(connection, tty=False):
                if stream in captured:
                    captured[stream].add(chunk)
        except OSError:
            pass  # the connection breaks when the watchdog kills the container
        finally:
            watchdog.cancel()
            connection.close()
        duration = time.monotonic() - started
        code = None if timed_out.is_set() else api.exec_inspect(exec_id).get("ExitCode")
        out, err = captured[STDOUT], captured[STDERR]
        stdout_text, stderr_text = out.text(), err.text()
        outcome, _ = self._outcome(container, timed_out.is_set(), code, stderr_text, None)  # exit status decides
        return ExecResult(outcome=outcome, exit_code=code, stdout=stdout_text, stderr=stderr_text,
                          stdout_truncated=out.truncated, stderr_truncated=err.truncated, duration_s=duration,
                          engine=self.name)  # fmt: skip


class _Capped:
    def __init__(self, cap: int) -> None:
        self.cap, self.data, self.truncated = cap, bytearray(), False

    def add(self, chunk: bytes) -> None:
        room = self.cap - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        if len(chunk) > room:
            self.truncated = True

    def text(self) -> str:
        return decode_capped(bytes(self.data), self.truncated)


def _oom_killed(api: Any, container) -> bool:
    """The kernel's OOM killer acted in this container's cgroup (as opposed to a plain ``kill -9``).

    Docker's ``OOMKilled`` flag only covers the container's init, not an exec'd program, so the memory
    cgroup's own ``oom_kill`` counter (cgroup v1 or v2 layout) is read first.
    """
    cid = container.id
    for path in (f"/sys/fs/cgroup/memory/docker/{cid}/memory.oom_control", f"/sys/fs/cgroup/docker/{cid}/memory.events",
                 f"/sys/fs/cgroup/system.slice/docker-{cid}.scope/memory.events"):  # fmt: skip
        try:
            text = Path(path).read_text()
        except OSError:
            continue
        counters = dict(line.split() for line in text.splitlines() if len(line.split()) == 2)
        return int(counters.get("oom_kill", 0)) > 0
    try:
        return bool(api.inspect_container(cid)["State"].get("OOMKilled"))
    except DockerException:
        return False


def _task_env(task: str) -> dict[str, str]:
    home = f"/work/{task}"
    return _ENV | {
        "HOME": home,
        "PYTHONUSERBASE": f"{home}/.local",
        "PATH": f"{home}/.local/bin:/usr/local/bin:/usr/bin:/bin",
    }


def _program_command(request: ExecRequest, task: str, args: list[str], redirections: str = "") -> list[str]:
    """In a setup container (where setup already unpacked the files): clear what the installs left running and
    in scratch places (processes, then files and IPC objects), run the program in its own dir, then kill
    whatever it left running.

    ``kill -9 -1`` signals every process of the sandbox user except the caller itself, so the shell survives
    it; the sleeper keeping the container alive runs as another uid. ``args`` are the interpreter's arguments;
    ``redirections`` (the test runner's fds) are applied before the program's stdin is.
    """
    stdin = " < .stdin" if request.stdin is not None else " < /dev/null"
    words = " ".join([*map(shlex.quote, args), redirections]).rstrip()
    script = (
        "kill -9 -1 2>/dev/null; ipcrm --all 2>/dev/null; "
        f"find {_SCRATCH} -mindepth 1 -maxdepth 1 ! -name {task} -exec rm -rf {{}} + 2>/dev/null; "
        f"cd /work/{task} && python3 {words}{stdin}; "
        "code=$?; kill -9 -1 2>/dev/null; exit $code"
    )
    return ["sh", "-c", script]


def _tar(request: ExecRequest, task: str) -> bytes:
    """The request's files under ``task/``, owned by the sandbox user."""
    files = dict(request.files)
    files[request.entrypoint] = request.program_source()
    if request.stdin is not None:
        files[".stdin"] = request.stdin
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folder = tarfile.TarInfo(task)
        folder.type, folder.uid, folder.gid, folder.mode = tarfile.DIRTYPE, SANDBOX_UID, SANDBOX_UID, 0o700
        tar.addfile(folder)
        for path, content in files.items():
            data = content.encode()
            info = tarfile.TarInfo(f"{task}/{path}")
            info.size, info.uid, info.gid, info.mode = len(data), SANDBOX_UID, SANDBOX_UID, 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _remove(container) -> None:
    try:
        container.remove(force=True)
    except NotFound:
        pass
    except DockerException:
        pass  # reaped at the next start-up: it carries our label


def reap(client: docker.DockerClient | None = None) -> int:
    """Removes labelled containers whose owning process is gone; returns how many."""
    client = client or docker.from_env(timeout=60)
    removed = 0
    for container in client.containers.list(all=True, filters={"label": LABEL}, ignore_removed=True):
        owner = int(container.labels.get(OWNER, "0") or 0)
        if owner == os.getpid() or (owner and alive(owner)):
            continue
        _remove(container)
        removed += 1
    return removed
