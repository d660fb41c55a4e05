"""A counting semaphore for one machine, shared by every process on it: at most N sandboxed programs at once.

On a Ray cluster several worker processes (and several dialogue threads in each) share a node, so a cap on
concurrent programs must hold across processes, and a worker that is SIGKILLed must not keep its place. Hence
``fcntl.flock`` over N slot files in one directory: holding slot ``i`` is holding an exclusive lock on ``slot-i``,
and the kernel drops the lock when the last descriptor of its open file description closes, which a dead process's
descriptors do however it died. A counter file or a Ray actor would need the dead holder to give its place back.

flock locks belong to an open file description, not to a process or a thread, so every acquisition opens its own
descriptor: two threads of one process then exclude each other exactly as two processes do. Descriptors are
close-on-exec (sandboxed programs never inherit a slot), and release unlocks before closing, so a process forked
while holding a slot does not keep it alive for its parent.

Every process sharing the directory must use the same limit (a process with a larger one uses slot files the others
never touch). The slot files are never removed: removing one that is held would let a new file of the same name be
locked a second time.
"""

from __future__ import annotations

import fcntl
import os
import random
import tempfile
import time
from pathlib import Path
from types import TracebackType

SLOTS_ENV = "AIEV_SANDBOX_SLOTS"  # positive integer: programs at once on this machine, across every aiev process
SLOTS_DIR_ENV = "AIEV_SANDBOX_SLOTS_DIR"  # where the slot files live (default: ``default_directory()``)

_FIRST_WAIT_S = 0.005
_LONGEST_WAIT_S = 0.05


def default_directory() -> Path:
    """Per user, under the system temp dir: the processes of one Ray cluster run as one user, and a directory every
    user can write would let another user hold every slot or plant links. Set ``AIEV_SANDBOX_SLOTS_DIR`` to a
    directory shared by several users to cap their programs together."""
    return Path(tempfile.gettempdir()) / f"aiev-sandbox-slots-{os.getuid()}"


class HeldSlot:
    """One slot, held until ``release`` (or the end of a ``with`` block); releasing twice is harmless."""

    def __init__(self, index: int, fd: int) -> None:
        self.index = index
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> HeldSlot:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


class NodeSlots:
    """``limit`` slots in ``directory`` (created when missing); ``acquire`` waits for a free one.

    Waiting polls every slot without blocking, sleeping 5 ms doubling to 50 ms (jittered) between sweeps, rather than
    blocking in ``flock`` on one slot chosen in turn: a blocked waiter would sit behind one program (up to its whole
    timeout) while another slot is free, and ``flock`` cannot be given a timeout. A program takes at least tens of
    milliseconds, so the polling delay is small next to it. There is no FIFO order: a waiter may be overtaken, but
    the jitter and random starting slot make a long run of bad luck unlikely.
    """

    def __init__(self, limit: int, directory: Path | None = None) -> None:
        if limit < 1:
            raise ValueError(f"a node needs at least one sandbox slot, got {limit}")
        self.limit = limit
        self.directory = directory or default_directory()
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def acquire(self, timeout: float | None = None) -> HeldSlot:
        """A free slot, waiting as long as it takes or ``timeout`` seconds (then ``TimeoutError``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        wait = _FIRST_WAIT_S
        while (held := self._try_each()) is None:
            pause = random.uniform(wait / 2, wait)
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no free sandbox slot of {self.limit} in {self.directory} within {timeout} s")
                pause = min(pause, left)
            time.sleep(pause)
            wait = min(wait * 2, _LONGEST_WAIT_S)
        return held

    def _try_each(self) -> HeldSlot | None:
        """The first slot that is free, trying them all once without blocking, from a random one on."""
        start = random.randrange(self.limit)
        for step in range(self.limit):
            index = (start + step) % self.limit
            fd = self._open(index)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            except BaseException:
                os.close(fd)
                raise
            return HeldSlot(index, fd)
        return None

    def _open(self, index: int) -> int:
        """A new open file description of slot ``index`` (the directory is made again if a temp cleaner took it)."""
        path = self.directory / f"slot-{index}"
        flags = os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            return os.open(path, flags, 0o644)
        except FileNotFoundError:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            return os.open(path, flags, 0o644)
