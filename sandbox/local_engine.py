"""The local engine: each program in a fresh work dir, as a fenced subprocess (see ``isolation``).

It is the embedded default when no Docker engine answers. Limits: rlimits on address space, CPU seconds,
file size and processes; the whole process group (and, with namespaces, the whole PID namespace) is killed on
timeout. The environment is scrubbed so API keys of the parent never reach the program. ``pip install`` setup
lines go into a virtualenv cached per requirement set, so a package is installed once per machine. A request
with tests runs under the test runner, its nonce and verdict pipes passed through the fences (``verdict_channel``).
"""

from __future__ import annotations

import itertools
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .capture import CappedReader
from .isolation import INSTALLER_UID, UID_BASE, Isolation, detect
from .requirements import parse_install, requirement_key
from .types import ExecRequest, ExecResult, Limits, Outcome, verdict
from .verdict_channel import VerdictPipes, runner_args

_SAFE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
             "PYTHONUNBUFFERED": "1", "PYTHONHASHSEED": "0"}  # fmt: skip
_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


class LocalEngine:
    name = "local"

    def __init__(self, isolation: Isolation | None = None) -> None:
        self.isolation = isolation or detect()
        # A block of uids of its own per aiev process, so that RLIMIT_NPROC never counts another process's runs.
        start = UID_BASE + (os.getpid() % 1000) * 1000
        self.uids = range(start, start + 1000)
        self._uids = itertools.cycle(self.uids)
        self._lock = threading.Lock()
        self._venv_locks: dict[str, threading.Lock] = {}

    def run(self, request: ExecRequest) -> ExecResult:
        with self._lock:
            uid = next(self._uids) if self.isolation.switches_uid else None
        work = self._make_workdir(request, uid)
        started = time.monotonic()
        try:
            python, setup_log, failed = self._setup(request)
            if failed:
                return ExecResult(outcome=Outcome.SETUP_FAILED, setup_log=setup_log, engine=self.name,
                                  duration_s=time.monotonic() - started)  # fmt: skip
            env = _SAFE_ENV | {"HOME": str(work)}
            if not request.tests:
                argv = self.isolation.wrap([python, "-s", request.entrypoint], uid, network=False)
                result = _run_limited(argv, work, request.limits, env, request.stdin, uid)
            else:
                with VerdictPipes() as pipes:
                    args = runner_args(request, *pipes.child_fds)
                    argv = self.isolation.wrap([python, "-s", *args], uid, network=False)
                    result = _run_limited(argv, work, request.limits, env, request.stdin, uid, pipes)
            return result.model_copy(update={"setup_log": setup_log, "engine": self.name})
        except OSError as error:
            return ExecResult(outcome=Outcome.SANDBOX_ERROR, stderr=f"local engine: {error}", engine=self.name)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def close(self) -> None:
        """Nothing is kept between runs except the venv cache, which is meant to persist."""

    def _make_workdir(self, request: ExecRequest, uid: int | None) -> Path:
        runs = self.isolation.base / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        work = Path(os.path.realpath(tempfile.mkdtemp(prefix="run-", dir=runs)))
        for relative, content in request.files.items():
            target = work / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(request.program_source() if relative == request.entrypoint else content)
        if uid is not None:
            for path in [work, *work.rglob("*")]:
                os.chown(path, uid, uid)
        return work

    def _setup(self, request: ExecRequest) -> tuple[str, str, bool]:
        """Installs what the setup lines ask for (``requirements.parse_install``); returns the interpreter to use,
        the setup log and whether setup failed."""
        install = list(dict.fromkeys(arg for line in request.setup for arg in parse_install(line).args))
        if not install:
            return self.isolation.python, "", False
        venv, ok, log = self._venv_with(install, time.monotonic() + request.limits.setup_timeout_s)
        return str(venv / "bin" / "python"), log, not ok

    def _venv_with(self, install: list[str], deadline: float) -> tuple[Path, bool, str]:
        """A virtualenv after ``pip install *install`` (options and requirements), built once per set and reused."""
        key = requirement_key(install)
        venv = self.isolation.base / "venvs" / key
        with self._lock:
            lock = self._venv_locks.setdefault(key, threading.Lock())
        with lock:
            if (venv / ".complete").exists():
                return venv, True, f"$ pip install {' '.join(install)}\n(cached virtualenv {key})"
            shutil.rmtree(venv, ignore_errors=True)
            venv.parent.mkdir(parents=True, exist_ok=True)
            uid = INSTALLER_UID if self.isolation.switches_uid else None
            env = _SAFE_ENV | {"HOME": str(venv), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
            if os.path.exists(_CA_BUNDLE):
                env |= {"PIP_CERT": _CA_BUNDLE, "SSL_CERT_FILE": _CA_BUNDLE, "REQUESTS_CA_BUNDLE": _CA_BUNDLE}
            for key_name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_TRUSTED_HOST"):
                if key_name in os.environ:  # the user's own pip configuration is honoured
                    env[key_name] = os.environ[key_name]
            venv.mkdir()
            if uid is not None:
                os.chown(venv, uid, uid)
            script = f'"{self.isolation.python}" -m venv "{venv}" && "{venv}/bin/python" -m pip install -q "$@"'
            argv = self.isolation.wrap(["/bin/sh", "-c", script, "pip", *install], uid, network=True)
            limits = Limits(timeout_s=max(1.0, deadline - time.monotonic()), memory_mb=4096, max_pids=256,
                            file_size_mb=1024, output_bytes=32_000)  # fmt: skip
            result = _run_limited(argv, venv, limits, env, None, uid)
            text = f"$ pip install {' '.join(install)}\n{result.stdout}{result.stderr}".strip()
            if result.passed:
                (venv / ".complete").touch()
            return venv, result.passed, text


def _limit_child(limits: Limits, uid: int | None):
    """preexec_fn: rlimits inherited by the fenced program (applied before the exec of the wrapper)."""

    def apply() -> None:
        memory = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        cpu = int(limits.timeout_s) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        size = limits.file_size_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if uid is not None:  # counts only this run's uid, so a fork bomb stops at max_pids
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_pids, limits.max_pids))

    return apply


def _run_limited(argv: list[str], cwd: Path, limits: Limits, env: dict[str, str], stdin: str | None,
                 uid: int | None, pipes: VerdictPipes | None = None) -> ExecResult:  # fmt: skip
    """Runs ``argv`` to its end or its timeout; with ``pipes`` (a request with tests) the test runner's verdict
    takes part in the outcome."""
    started = time.monotonic()
    # preexec_fn: rlimits only the child can set before the exec; it takes no lock, so threads cannot deadlock it.
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        preexec_fn=_limit_child(limits, uid), pass_fds=pipes.child_fds if pipes else (),
    )  # fmt: skip
    if pipes:
        pipes.started()
    out = CappedReader(process.stdout, limits.output_bytes)
    err = CappedReader(process.stderr, limits.output_bytes)
    if stdin is not None:
        threading.Thread(target=_feed, args=(process, stdin), daemon=True).start()
    timed_out = False
    try:
        process.wait(timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
    _kill_group(process)
    duration = time.monotonic() - started
    stdout, stderr = out.text(), err.text()
    code = process.returncode
    cpu_limit = code in (-signal.SIGXCPU, 128 + signal.SIGXCPU)  # RLIMIT_CPU: a timeout in CPU seconds
    out_of_memory = "MemoryError" in stderr or _oom_hint(stderr)
    outcome, note = verdict(code, timed_out=timed_out or cpu_limit, out_of_memory=out_of_memory,
                            tests_ended=pipes.tests_ended() if pipes else None)  # fmt: skip
    return ExecResult(outcome=outcome, exit_code=code, stdout=stdout, stderr=stderr + note,
                      stdout_truncated=out.truncated, stderr_truncated=err.truncated, duration_s=duration)  # fmt: skip


def _oom_hint(stderr: str) -> bool:
    return "Cannot allocate memory" in stderr or "std::bad_alloc" in stderr


def _feed(process: subprocess.Popen, stdin: str) -> None:
    try:
        process.stdin.write(stdin.encode())
        process.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL everything the run started, and reap it.

    The fenced program is a child of ``unshare``: killing that child (the PID namespace's init) makes the
    kernel kill the whole namespace and lets ``unshare`` reap it and exit, so no orphan is handed to a host
    init that may never reap it. The process group is killed afterwards for anything outside a namespace.
    """
    for child in _children(process.pid):
        try:
            os.kill(child, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        process.wait(timeout=1.0)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
