"""Reading a child's output without trusting its size.

A sandboxed program may write 100 MB (or forever) to stdout; the engine keeps the first ``cap`` bytes, keeps
draining the pipe so the child never blocks on a full pipe, and marks the text as truncated.
"""

from __future__ import annotations

import threading
from io import BufferedReader

CHUNK = 64 * 1024


class CappedReader(threading.Thread):
    """Drains ``stream`` in a thread, keeping at most ``cap`` bytes."""

    def __init__(self, stream: BufferedReader, cap: int) -> None:
        super().__init__(daemon=True)
        self._stream = stream
        self._cap = cap
        self._kept = bytearray()
        self.truncated = False
        self.start()

    def run(self) -> None:
        try:
            while chunk := self._stream.read1(CHUNK):
                room = self._cap - len(self._kept)
                if room > 0:
                    self._kept += chunk[:room]
                if len(chunk) > room:
                    self.truncated = True
        except (OSError, ValueError):
            pass  # the pipe was closed under us when the process group was killed

    def text(self, timeout: float = 2.0) -> str:
        self.join(timeout)
        return decode_capped(bytes(self._kept), self.truncated)


def decode_capped(data: bytes, truncated: bool) -> str:
    text = data.decode("utf-8", errors="replace")
    return f"{text}\n[... output truncated ...]" if truncated else text
