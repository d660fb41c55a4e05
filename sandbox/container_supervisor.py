"""The supervisor that runs inside each warm network-less sandbox container (stdlib only: it is passed to the
container's ``python3 -c`` as source, so the image needs nothing of aiev).

Why it exists: a ``docker exec`` per program costs an API round trip plus a ``runc exec`` (tens of ms, more
than a HumanEval program itself). The supervisor is the container's main process; the engine talks to it
over the container's attached stdin/stdout, one request after another, with no Docker API call per program.

It runs as root with only CAP_KILL, CAP_SETUID and CAP_SETGID (no-new-privileges, read-only root, no network)
and never runs request code itself: per request it forks a child that drops to the sandbox uid (losing every
capability), wipes what earlier programs left (files, System V IPC), unpacks the request's files into a fresh
directory and execs ``python3``. Output goes to pipes the supervisor drains with a cap; at the timeout, and
after every program, ``kill(-1, SIGKILL)`` from the supervisor ends every process in the container but
itself and the init, so nothing a program started outlives it.

A request with tests carries a ``nonce`` and the test runner's ``argv``: the supervisor hands the nonce to the
program on fd 3 (a pipe the runner reads and closes first) and returns what arrived on fd 4, the verdict pipe,
for the engine to check (``verdict_channel.py`` on the engine's side).

Protocol, per request: one JSON header line then ``size`` bytes of tar on stdin; one JSON result line on stdout.
"""

import base64
import fcntl
import io
import json
import os
import select
import shutil
import signal
import sys
import tarfile
import time

SCRATCH = ("/work", "/tmp", "/dev/shm", "/dev/mqueue")
SYSV_IPC = {"/proc/sysvipc/shm": "-m", "/proc/sysvipc/sem": "-s", "/proc/sysvipc/msg": "-q"}
CHUNK = 65536
NONCE_FD, VERDICT_FD = 3, 4  # where the test runner finds its two pipes (engine: ``runner_args``)


def main() -> None:
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    while True:
        line = requests.readline()
        if not line:
            return  # the engine detached: the container is being removed
        header = json.loads(line)
        archive = requests.read(header["size"])
        try:
            reply = run(header, archive)
        except OSError as error:  # e.g. fork refused: the engine replaces this container
            reply = {"error": f"{error!r}"}
        replies.write(json.dumps(reply).encode() + b"\n")
        replies.flush()


def run(header: dict, archive: bytes) -> dict:
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    runner_fds, verdict_r = (), None
    if header["nonce"]:
        nonce_r, nonce_w = os.pipe()
        os.write(nonce_w, header["nonce"].encode())
        os.close(nonce_w)
        verdict_r, verdict_w = os.pipe()
        runner_fds = (nonce_r, verdict_w)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        child(header, archive, out_w, err_w, runner_fds)
    for fd in (out_w, err_w, *runner_fds):
        os.close(fd)
    kept = {out_r: bytearray(), err_r: bytearray()}
    truncated = {out_r: False, err_r: False}
    cap, deadline = header["output_bytes"], started + header["timeout_s"]
    exited = os.pidfd_open(pid)  # readable once the program has exited
    status, timed_out, open_fds = None, False, [out_r, err_r]
    while open_fds or status is None:  # a program may close its output and run on
        if status is None and not timed_out and time.monotonic() >= deadline:
            timed_out = True
        if status is not None or timed_out:
            # Whatever still holds the pipes (a daemon the program started, a fork bomb) is killed, each pass, so
            # the result comes when the program ends, not at the timeout.
            kill_all()
        wait = 0.05 if status is not None or timed_out else deadline - time.monotonic()
        watched = open_fds + ([exited] if status is None else [])
        ready, _, _ = select.select(watched, [], [], max(wait, 0))
        for fd in ready:
            if fd == exited:
                status = os.waitpid(pid, 0)[1]
                continue
            chunk = os.read(fd, CHUNK)
            if not chunk:
                open_fds.remove(fd)
                os.close(fd)
                continue
            room = cap - len(kept[fd])
            if room > 0:
                kept[fd] += chunk[:room]
            truncated[fd] = truncated[fd] or len(chunk) > room
    os.close(exited)
    duration = time.monotonic() - started
    kill_all()  # daemons the program left behind that had closed their output
    code = os.waitstatus_to_exitcode(status)
    verdict = read_verdict(verdict_r) if verdict_r is not None else b""
    return {
        "exit_code": 128 - code if code < 0 else code,  # a signal as a shell reports it: SIGKILL is 137
        "timed_out": timed_out,
        "stdout": base64.b64encode(kept[out_r]).decode(),
        "stderr": base64.b64encode(kept[err_r]).decode(),
        "stdout_truncated": truncated[out_r],
        "stderr_truncated": truncated[err_r],
        "duration_s": duration,
        "verdict": base64.b64encode(verdict).decode(),
    }


def read_verdict(fd: int) -> bytes:
    """What the verdict pipe holds once the program is gone (the runner wrote before it exited), up to a pipe's
    capacity; never waits, whatever a program did to the pipe."""
    os.set_blocking(fd, False)
    data = b""
    while len(data) < CHUNK:
        try:
            chunk = os.read(fd, CHUNK - len(data))
        except BlockingIOError:
            break
        if not chunk:
            break
        data += chunk
    os.close(fd)
    return data


def child(header: dict, archive: bytes, out_w: int, err_w: int, runner_fds: tuple) -> None:
    """Never returns: becomes the program (with ``runner_fds`` as fds 3 and 4), or exits 126 with the reason on
    stderr."""
    try:
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.setsid()
        with open("/proc/self/oom_score_adj", "w") as adj:
            adj.write("1000")  # the memory cgroup's OOM killer takes the program, never the supervisor
        uid = header["uid"]
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        wipe()
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:  # the request's files under ``<task>/``
            tar.extractall("/work", **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        os.chdir(os.path.join("/work", header["task"]))
        stdin = os.open(".stdin" if header["stdin"] else os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in runner_fds]  # out of the way of fds 3 and 4 first
        for target, fd in zip((NONCE_FD, VERDICT_FD), high, strict=False):  # none without tests
            os.dup2(fd, target)
        os.closerange(3 + len(runner_fds), os.sysconf("SC_OPEN_MAX"))
        os.execvpe("python3", header["argv"], header["env"])
    except BaseException as error:
        os.write(2, f"sandbox: could not start the program: {error!r}\n".encode())
    os._exit(126)


def wipe() -> None:
    """As the sandbox user: remove what earlier programs wrote and the System V IPC objects they created."""
    for scratch in SCRATCH:
        try:
            entries = list(os.scandir(scratch))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass  # not ours (another uid's file in /tmp): the program cannot touch it either
    for table, flag in SYSV_IPC.items():
        try:
            with open(table) as rows:
                ids = [row.split()[1] for row in rows.readlines()[1:] if row.strip()]
        except OSError:
            continue
        if ids:  # rare: only programs that used shared memory, semaphores or message queues
            pid = os.fork()
            if pid == 0:
                os.execvp("ipcrm", ["ipcrm"] + [arg for ident in ids for arg in (flag, ident)])
            os.waitpid(pid, 0)


def kill_all() -> None:
    try:
        os.kill(-1, signal.SIGKILL)  # root with CAP_KILL: every process but the init and this one
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    main()
