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


@pytest.fixture
def temperatures(monkeypatch) -> list[tuple[str, float]]:
    """``(model name, temperature)`` of every model call made through ``model_call`` during the test, in order."""
    from aiev.agents import model_call
    from aiev.agents.models import get_chat_model

    seen: list[tuple[str, float]] = []

    def recording(name: str, *, temperature: float, max_tokens: int, affinity: str | None):
        seen.append((name, temperature))
        return get_chat_model(name)

    monkeypatch.setattr(model_call, "get_chat_model", recording)
    return seen
