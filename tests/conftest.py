"""Shared test policy: a test that needs Docker or the real model skips on a developer's machine without them,
but FAILS under CI=true, where `.ci/run` installs both, so a green CI always means those tests really ran."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(reason: str) -> None:
    """Skip locally, fail in CI: the one place this policy lives."""
    if IN_CI:
        pytest.fail(f"required in CI but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)
