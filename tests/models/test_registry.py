"""The model factory: in-process registry first, then ChatOpenAI built from the models file."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_openai import ChatOpenAI

from aiev.agents.local_model.server import ModelNotInstalledError
from aiev.agents.models import (
    MissingApiKeyError,
    UnknownModelError,
    get_chat_model,
    register_model,
    registered_model,
    unregister_model,
)
from aiev.agents.scripted import ScriptedChatModel


def test_registered_model_is_returned_and_shadows_the_file() -> None:
    model = ScriptedChatModel(script=["hi"])
    register_model("local-qwen-0.5b", model)
    try:
        assert get_chat_model("local-qwen-0.5b") is model
    finally:
        unregister_model("local-qwen-0.5b")


def test_registered_model_context_restores_the_previous_one() -> None:
    outer, inner = ScriptedChatModel(script=[]), ScriptedChatModel(script=[])
    with registered_model("tmp-model", outer):
        with registered_model("tmp-model", inner):
            assert get_chat_model("tmp-model") is inner
        assert get_chat_model("tmp-model") is outer
    with pytest.raises(UnknownModelError):
        get_chat_model("tmp-model")


def test_unknown_name_lists_file_and_registered_names() -> None:
    with registered_model("my-fake", ScriptedChatModel(script=[])):
        with pytest.raises(UnknownModelError) as caught:
            get_chat_model("gpt-17")
    message = str(caught.value)
    assert "'gpt-17'" in message
    assert "local-qwen-0.5b" in message and "student" in message and "my-fake" in message


def test_openai_compatible_model_points_at_its_base_url_and_caps_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIEV_STUDENT_BASE_URL", "http://trainer:8123/v1")
    monkeypatch.setenv("AIEV_STUDENT_API_KEY", "secret-1")
    model = get_chat_model("student", temperature=0.3, max_tokens=77)
    assert isinstance(model, ChatOpenAI)
    assert model.openai_api_base == "http://trainer:8123/v1"
    assert model.openai_api_key.get_secret_value() == "secret-1"
    payload = model._get_request_payload([("user", "x")])
    # llama-cpp-python's server ignores max_completion_tokens; the cap must also travel as max_tokens. The student
    # writes the interpreter special tokens (models.yaml: special_tokens), which the server must keep.
    assert payload["extra_body"] == {
        "max_tokens": 77,
        "skip_special_tokens": False,
        "spaces_between_special_tokens": False,
    }
    assert payload["temperature"] == 0.3


def test_clients_are_reused_per_settings_and_the_file_is_reread_when_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIEV_STUDENT_BASE_URL", "http://trainer:8123/v1")
    first = get_chat_model("student", max_tokens=77)
    assert get_chat_model("student", max_tokens=77) is first
    assert get_chat_model("student", max_tokens=78) is not first
    monkeypatch.setenv("AIEV_STUDENT_BASE_URL", "http://trainer:9000/v1")
    assert get_chat_model("student", max_tokens=77).openai_api_base == "http://trainer:9000/v1"
    models = tmp_path / "models.yaml"
    models.write_text("models:\n  m:\n    provider: openai_compatible\n    model: a\n    base_url: http://h:1/v1\n")
    assert get_chat_model("m", models_file=models).model_name == "a"
    models.write_text("models:\n  m:\n    provider: openai_compatible\n    model: bb\n    base_url: http://h:1/v1\n")
    assert get_chat_model("m", models_file=models).model_name == "bb"  # edited file: read again


def test_openai_model_without_its_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MissingApiKeyError, match="OPENAI_API_KEY"):
        get_chat_model("openai-gpt-4o-mini")


def test_embedded_model_that_was_never_pulled_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(ModelNotInstalledError, match="aiev models pull local-qwen-1.5b"):
        get_chat_model("local-qwen-1.5b")
