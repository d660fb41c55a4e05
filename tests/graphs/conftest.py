"""Graph test fixtures: scripted role models per test (engines and the local model come from the root conftest)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scripted_roles import ScriptedRoles


@pytest.fixture
def scripted_roles() -> Iterator[ScriptedRoles]:
    """Factory: ``scripted_roles(programmer=[...], ...)`` registers one scripted model per role."""
    roles = ScriptedRoles()
    yield roles
    roles.close()
