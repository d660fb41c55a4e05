"""Both engines, as one parametrized fixture: every adversarial case must hold for Docker and for local."""

from __future__ import annotations

import pytest


@pytest.fixture(params=[pytest.param("docker", marks=pytest.mark.docker), "local"])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")
