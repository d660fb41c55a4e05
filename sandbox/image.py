"""Building the sandbox image: a bare Debian with Python, a non-root ``sandbox`` user and a ``/work`` dir.

Where an image registry answers, ``python:3.11-slim`` is the base. Where none does (air-gapped hosts, CI here),
the root filesystem is bootstrapped from Debian packages with debootstrap, from the same mirror apt already uses,
and imported as an image, so the sandbox never depends on a registry.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import docker
from docker.errors import APIError, DockerException, ImageNotFound

IMAGE = "aiev-sandbox:py3"
SANDBOX_UID = 1000
REGISTRY_BASE = "python:3.11-slim"
_USER_SETUP = (
    f"groupadd -g {SANDBOX_UID} sandbox && useradd -u {SANDBOX_UID} -g {SANDBOX_UID} -m -d /home/sandbox sandbox"
    " && mkdir -p /work && chown sandbox:sandbox /work"
)
_CHANGES = ["USER sandbox", "WORKDIR /work", 'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LANG=C.UTF-8',
            'CMD ["sleep", "infinity"]']  # fmt: skip


class ImageBuildError(RuntimeError):
    """The image could not be built; the message says which step failed and why."""


def image_exists(client: docker.DockerClient, tag: str = IMAGE) -> bool:
    try:
        client.images.get(tag)
    except ImageNotFound:
        return False
    return True


def build_image(tag: str = IMAGE, *, force: bool = False, offline: bool | None = None,
                log: Callable[[str], None] = print) -> str:  # fmt: skip
    """Build ``tag`` unless it exists; ``offline=None`` tries a registry first and falls back on debootstrap."""
    try:
        client = docker.from_env(timeout=600)
        client.ping()
    except DockerException as error:
        raise ImageBuildError(f"no Docker engine answers: {error}") from error
    if image_exists(client, tag) and not force:
        log(f"{tag} already exists (use --force to rebuild)")
        return tag
    if offline is not True and _pull_registry_base(client, log):
        return _build_from_registry(client, tag, log)
    if offline is False:
        raise ImageBuildError(f"{REGISTRY_BASE} could not be pulled and --from-registry was asked for")
    return _build_offline(client, tag, log)


def _pull_registry_base(client: docker.DockerClient, log: Callable[[str], None], timeout_s: float = 30) -> bool:
    log(f"trying to pull {REGISTRY_BASE} ...")
    outcome: list[bool] = []

    def pull() -> None:
        try:
            client.images.pull(REGISTRY_BASE)
            outcome.append(True)
        except (APIError, DockerException):
            outcome.append(False)

    worker = threading.Thread(target=pull, daemon=True)
    worker.start()
    worker.join(timeout_s)
    if outcome and outcome[0]:
        return True
    log("no image registry answers: building offline from Debian packages")
    return False


def _build_from_registry(client: docker.DockerClient, tag: str, log: Callable[[str], None]) -> str:
    dockerfile = f"FROM {REGISTRY_BASE}\nRUN {_USER_SETUP}\n" + "".join(f"{c}\n" for c in _CHANGES)
    client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, rm=True, labels={"aiev.sandbox": "1"})
    log(f"built {tag} from {REGISTRY_BASE}")
    return tag


def debian_mirror() -> str:
    """The Debian mirror apt is configured with (deb822 ``URIs:`` or one-line ``deb`` entries)."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in sources:
        if not path.is_file() or path.name.endswith((".disabled", ".save")) or "disabled" in path.name:
            continue
        text = path.read_text(errors="replace")
        for uri in re.findall(r"^URIs:\s*(\S+)", text, re.MULTILINE) + re.findall(
            r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)", text, re.MULTILINE
        ):
            if not uri.rstrip("/").endswith("-security") and "debian" in uri:
                return uri
    raise ImageBuildError("no Debian mirror found in /etc/apt/sources.list{,.d}: debootstrap needs one")


def _build_offline(client: docker.DockerClient, tag: str, log: Callable[[str], None]) -> str:
    if os.geteuid() != 0:
        raise ImageBuildError("building the image offline needs root (debootstrap); run: sudo aiev sandbox build-image")
    if shutil.which("debootstrap") is None:
        raise ImageBuildError("debootstrap is not installed (apt-get install debootstrap)")
    mirror = debian_mirror()
    with tempfile.TemporaryDirectory(prefix="aiev-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        log(f"debootstrap bookworm from {mirror} (about a minute) ...")
        _check([
            "debootstrap", "--variant=minbase", "--include=python3,python3-pip,python3-venv,ca-certificates",
            "bookworm", str(root), mirror,
        ], "debootstrap")  # fmt: skip
        _check(["chroot", str(root), "/bin/sh", "-c", _USER_SETUP + " && apt-get clean"], "creating the sandbox user")
        shutil.rmtree(root / "var/lib/apt/lists", ignore_errors=True)
        tarball = Path(tmp) / "rootfs.tar"
        _check(["tar", "-C", str(root), "--numeric-owner", "-cf", str(tarball), "."], "packing the root filesystem")
        log(f"importing {tarball.stat().st_size / 1e6:.0f} MB as {tag} ...")
        repository, _, version = tag.partition(":")
        client.api.import_image(src=str(tarball), repository=repository, tag=version or "latest", changes=_CHANGES)
    log(f"built {tag} offline from Debian packages")
    return tag


def _check(argv: list[str], step: str) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise ImageBuildError(f"{step} failed (exit {result.returncode}): {' | '.join(tail)}")
