"""The engine's side of the in-container supervisor (``container_supervisor.py``): how a warm container is
started around it and how one request travels over the container's attached stdin/stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docker.errors import DockerException
from docker.utils.socket import STDOUT, SocketError, next_frame_header, read_exactly

SOURCE = Path(__file__).with_name("container_supervisor.py").read_text()
COMMAND = ["python3", "-c", SOURCE]
# What the supervisor needs and nothing more: switch to the sandbox uid, signal that uid's processes.
CAPABILITIES = ["KILL", "SETUID", "SETGID"]


class SupervisorGone(Exception):
    """The channel broke: the container died (OOM, killed) or the supervisor did not answer in time."""

    def __init__(self, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.timed_out = timed_out


class Channel:
    """One attached connection to one container's supervisor; used by one request at a time."""

    def __init__(self, api: Any, container_id: str) -> None:
        try:
            self._response = api.attach_socket(container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        except DockerException as error:
            raise SupervisorGone(f"docker attach: {error}") from error
        self._sock = getattr(self._response, "_sock", self._response)  # the hijacked socket under docker-py's wrapper
        self._stdout = bytearray()
        self._stderr = bytearray()

    def call(self, header: dict[str, Any], archive: bytes, timeout_s: float) -> dict[str, Any]:
        """Send one request, return the supervisor's reply (raises ``SupervisorGone``)."""
        try:
            self._sock.settimeout(timeout_s)
            self._sock.sendall(json.dumps({**header, "size": len(archive)}).encode() + b"\n" + archive)
            while b"\n" not in self._stdout:
                stream, size = next_frame_header(self._sock)
                if stream == -1:
                    raise SupervisorGone(f"the supervisor exited: {self._stderr.decode(errors='replace')[-2000:]}")
                chunk = read_exactly(self._sock, size)
                (self._stdout if stream == STDOUT else self._stderr).extend(chunk)
        except TimeoutError as error:
            raise SupervisorGone(f"no answer within {timeout_s:.1f} s", timed_out=True) from error
        except (OSError, SocketError) as error:
            raise SupervisorGone(f"connection to the supervisor lost: {error}") from error
        line, _, rest = bytes(self._stdout).partition(b"\n")
        self._stdout = bytearray(rest)
        reply = json.loads(line)
        if "error" in reply:
            raise SupervisorGone(f"the supervisor could not run the program: {reply['error']}")
        return reply

    def close(self) -> None:
        for closable in (self._sock, self._response):
            try:
                closable.close()
            except OSError:
                pass
