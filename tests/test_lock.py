"""The lock file pins everything the README's setup installs, so a fresh machine tomorrow installs what CI tested.

Run inside the venv `make setup` built from ``constraints.txt``: every installed distribution must appear there with
the installed version (a package missing from the lock would have been resolved afresh, i.e. it can drift)."""

from __future__ import annotations

import re
import sysconfig
from importlib import metadata
from pathlib import Path

LOCK = Path(__file__).parents[1] / "constraints.txt"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"{LOCK.name}: not an exact pin: {line!r}"
            pins[_canonical(name)] = version.strip()
    return pins


def _site_packages() -> list[str]:
    """Where pip installs: not every ``sys.path`` entry. Once Ray is imported in this process (the scale-out tests
    drive it in-process), ``sys.path`` also holds ``ray/thirdparty_files``, copies of colorama and psutil that ship
    inside the ray wheel (pinned with it) and that no install resolved."""
    paths = sysconfig.get_paths()
    return sorted({paths["purelib"], paths["platlib"]})


def test_every_installed_package_is_pinned_at_its_version() -> None:
    pins = _pins()
    installed = {_canonical(d.metadata["Name"]): d.version for d in metadata.distributions(path=_site_packages())}
    installed.pop("aiev")  # the project itself, installed editable from the checkout
    unpinned = sorted(name for name in installed if name not in pins)
    drifted = sorted(
        f"{name} {installed[name]} (lock: {pins[name]})"
        for name in installed
        if name in pins and pins[name] != installed[name]
    )
    assert not unpinned, f"installed but not in {LOCK.name} (run `make lock`): {unpinned}"
    assert not drifted, f"installed at another version than {LOCK.name} says: {drifted}"


def test_the_server_stack_is_pinned() -> None:
    """The packages whose new major releases arrived unannounced (openai 3, starlette 1) are among the pins."""
    pins = _pins()
    for name in ("fastapi", "starlette", "uvicorn", "sse-starlette", "openai", "llama-cpp-python", "torch"):
        assert name in pins, name
