"""Run presets: which model plays each role in a stage, plus command-line overrides, resolved to a Context.

Precedence, lowest first: the ``Context`` defaults, the stage preset (``configs/stages/<stage>.yaml``), a
user preset file, then explicit overrides. Swapping a role's model is therefore a YAML edit or a flag,
never a code change.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..agents.context import ROLES, Context, Stage, every_role


class PresetError(ValueError):
    """A preset file or an override that cannot be used; the message names it."""


def _read_mapping(text: str, name: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PresetError(f"{name}: not valid YAML ({error})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PresetError(f"{name}: expected a mapping of context settings, got {type(data).__name__}")
    return data


def bundled_config(relative: str) -> dict[str, Any]:
    """A YAML mapping shipped under ``configs/`` (e.g. ``stages/teaching.yaml``, ``pipeline.yaml``)."""
    resource = resources.files("aiev.configs").joinpath(relative)
    return _read_mapping(resource.read_text(encoding="utf-8"), f"configs/{relative}")


def load_preset(path: str | Path) -> dict[str, Any]:
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as error:
        raise PresetError(f"{path}: cannot read preset ({error.strerror or error})") from None
    return _read_mapping(text, str(path))


def role_overrides(model: str | None = None, role_models: list[str] | None = None) -> dict[str, str]:
    """``--model NAME`` (every role) then ``--role-model role=NAME`` pairs as context fields."""
    overrides = every_role(model) if model else {}
    for pair in role_models or []:
        role, sep, name = pair.partition("=")
        role = role.strip().replace("-", "_")
        if not sep or not name.strip() or role not in ROLES:
            raise PresetError(f"--role-model {pair!r}: expected ROLE=MODEL with ROLE one of {', '.join(ROLES)}")
        overrides[f"{role}_model"] = name.strip()
    return overrides


def resolve_context(stage: Stage, preset: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Context:
    values = bundled_config(f"stages/{stage}.yaml")
    if preset is not None:
        values.update(load_preset(preset))
    values.update({key: value for key, value in (overrides or {}).items() if value is not None})
    try:
        return Context.from_mapping(values)
    except (TypeError, ValueError) as error:
        raise PresetError(f"{preset or f'configs/stages/{stage}.yaml'}: {error}") from None
