"""How an engine learns that a request's tests ran to their end (the contract itself is ``types.verdict``).

A request with tests runs under ``test_runner.py``: the engine makes a fresh random nonce per run and hands it
to the runner over a channel the program cannot read afterwards (a pipe the runner reads and closes before the
program's first line runs); the runner writes it back on a verdict fd only when the module, tests included, ran
to its end. The program shares the runner's process, so it can write to the verdict fd, but it cannot know
the nonce: printing "OK", exiting 0 early or writing a made-up nonce never counts. The Docker supervisor does
the same with its own copy of this plumbing (it runs in the container, stdlib only).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Self

from .container_supervisor import read_verdict
from .test_runner import NONCE_BYTES
from .types import ExecRequest

RUNNER = Path(__file__).with_name("test_runner.py").read_text()


def new_nonce() -> str:
    return secrets.token_hex(NONCE_BYTES // 2)


def runner_args(request: ExecRequest, nonce_fd: int, verdict_fd: int) -> list[str]:
    """The interpreter's arguments for a request with tests: the runner around the entry point, told where the
    tests begin and where its nonce comes from and its verdict goes."""
    return ["-c", RUNNER, request.entrypoint, str(request.tests_first_line()), str(nonce_fd), str(verdict_fd)]


def tests_ended(nonce: str, verdict: bytes) -> bool:
    """Whether the runner handed back this run's nonce (whatever else the program wrote to the fd)."""
    return nonce.encode() in verdict


class VerdictPipes:
    """A subprocess's two pipes (the local engine): the nonce, written before the program starts, and the verdict,
    read once the program is gone. ``child_fds`` go to the child (``pass_fds``); ``started`` closes the parent's
    copies of them, so the verdict pipe reaches end-of-file when the program's processes are gone."""

    def __init__(self) -> None:
        self.nonce = new_nonce()
        nonce_read, nonce_write = os.pipe()
        try:
            os.write(nonce_write, self.nonce.encode())  # fits in the pipe's buffer: nobody reads it yet
        finally:
            os.close(nonce_write)
        self._verdict_read, verdict_write = os.pipe()
        self.child_fds = (nonce_read, verdict_write)
        self._open = [nonce_read, verdict_write, self._verdict_read]

    def started(self) -> None:
        self._close(*self.child_fds)

    def tests_ended(self) -> bool:
        """Reads the verdict pipe without waiting (the runner wrote before it exited, and a process that escaped
        the kill and still holds the pipe must not make the engine wait), with the supervisor's own reader."""
        fd = self._verdict_read
        self._open.remove(fd)
        return tests_ended(self.nonce, read_verdict(fd))

    def close(self) -> None:
        self._close(*self._open)

    def _close(self, *fds: int) -> None:
        for fd in fds:
            if fd in self._open:
                self._open.remove(fd)
                os.close(fd)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
