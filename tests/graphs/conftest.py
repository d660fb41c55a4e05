"""Graph test fixtures: scripted role models per test, and (until the root conftest provides it) the Docker
engine under the shared skip-locally / fail-in-CI policy. ``local_model_url`` comes from the root conftest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted_roles import ScriptedRoles

from aiev.sandbox.engine import Engine, SandboxUnavailable, get_engine


@pytest.fixture
def scripted_roles() -> Iterator[ScriptedRoles]:
    """Factory: ``scripted_roles(programmer=[...], ...)`` registers one scripted model per role."""
    roles = ScriptedRoles()
    yield roles
    roles.close()


@pytest.fixture(scope="session")
def docker_engine(pytestconfig: pytest.Config) -> Engine:
    try:
        return get_engine("docker")
    except SandboxUnavailable as error:
        root = pytestconfig.pluginmanager.get_plugin(str(Path(__file__).parents[1] / "conftest.py"))
        root.unavailable(f"Docker sandbox unavailable: {error}")
