"""The run context: one constructor puts a model in every role; a stage is one type everywhere."""

from __future__ import annotations

import pytest

from aiev.agents.context import ROLES, Context, every_role


def test_one_model_in_every_role_with_other_settings_validated() -> None:
    context = Context.for_every_role("m", sandbox="local", max_rounds=3)
    assert [context.model_for(role) for role in ROLES] == ["m"] * 4
    assert (context.sandbox, context.max_rounds, context.timeout_s) == ("local", 3, Context().timeout_s)
    assert every_role("m") == {f"{role}_model": "m" for role in ROLES}
    with pytest.raises(ValueError, match=r"max_rounds='lots'"):
        Context.for_every_role("m", max_rounds="lots")
    with pytest.raises(ValueError, match=r"unknown context setting\(s\) \['rounds'\]"):
        Context.for_every_role("m", rounds=3)


def test_the_stage_type_is_defined_once() -> None:
    from aiev.agents import context
    from aiev.graphs import state
    from aiev.training import loop

    assert state.Stage is context.Stage and loop.Stage is context.Stage
