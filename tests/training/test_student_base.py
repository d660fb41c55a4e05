"""The student's base: the embedded GGUF (or a checkpoint directory) becomes a trainable HF checkpoint with the four
interpreter tokens, cached; it must compute what llama.cpp computes from the same file."""

from __future__ import annotations

import hashlib

import httpx
import pytest
import yaml
from tiny_qwen import build_tiny_qwen2
from typer.testing import CliRunner

import aiev.training.student_base as student_base_module
from aiev.agents.local_model.server import ensure_server
from aiev.agents.model_specs import MODELS_ENV
from aiev.cli import app
from aiev.training.errors import TrainingInputError
from aiev.training.special_tokens import load_special_tokens
from aiev.training.student_base import RECORD_FILE, resolve_base, student_base

pytestmark = pytest.mark.train
runner = CliRunner()
EMBEDDED = "local-qwen-0.5b"  # the embedded model the root conftest's local_model_spec checks for

# Completions a code model continues the same way whatever the rounding: comparing where the next token is a near
# tie ("The capital of France is Paris. ...") would measure llama.cpp's 8-bit activations, not the conversion.
CODE_PROMPT = "def fibonacci(n):\n"
QUESTION = [{"role": "user", "content": "Write a Python function is_prime(n) that tells whether n is prime."}]
COMPARED_TOKENS = 8
ANSWER_TOKENS = 32  # the preamble, then `def is_prime(n):` by about the 22nd


def _tokens_are_special_and_whole(tokenizer) -> None:
    for token in load_special_tokens().all:
        ids = tokenizer(f"print(1){token}x = 2", add_special_tokens=False).input_ids
        token_id = tokenizer.convert_tokens_to_ids(token)
        assert ids.count(token_id) == 1 and tokenizer.convert_ids_to_tokens(token_id) == token
        assert token in tokenizer.all_special_tokens


# --- the embedded 0.5B model ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def converted(local_model_spec):
    return student_base(EMBEDDED)


@pytest.fixture(scope="module")
def hf(converted):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # float32: this CPU has no native bf16, where torch's emulation is slower than fp32
    model = AutoModelForCausalLM.from_pretrained(converted, dtype=torch.float32).eval()
    return model, AutoTokenizer.from_pretrained(converted)


def _greedy(model, tokenizer, prompt: str, count: int) -> list[int]:
    import torch

    ids = tokenizer(prompt, return_tensors="pt").input_ids
    with torch.no_grad():
        return model.generate(ids, max_new_tokens=count, do_sample=False)[0, ids.shape[1] :].tolist()


@pytest.fixture(scope="module")
def chat(hf):
    """The question rendered with the checkpoint's chat template, and the model's greedy answer (token ids): generated
    once, CPU decoding being the slow part of this file."""
    model, tokenizer = hf
    prompt = tokenizer.apply_chat_template(QUESTION, tokenize=False, add_generation_prompt=True)
    return prompt, _greedy(model, tokenizer, prompt, ANSWER_TOKENS)


def test_checkpoint_holds_weights_config_tokens_and_the_gguf_chat_template(converted, hf, local_model_spec):
    from transformers.integrations.gguf import read_gguf_metadata

    from aiev.agents.local_model.cache import model_file

    model, tokenizer = hf
    assert (converted / "model.safetensors").is_file() and (converted / "config.json").is_file()
    assert model.config.model_type == "qwen2"
    _tokens_are_special_and_whole(tokenizer)
    # the embeddings grew to hold the added tokens (the GGUF's vocabulary already fills its 151936 rows)
    assert model.get_input_embeddings().weight.shape[0] == len(tokenizer) == model.config.vocab_size
    gguf = model_file(EMBEDDED, local_model_spec)
    metadata, _ = read_gguf_metadata(str(gguf))
    assert tokenizer.chat_template == metadata["tokenizer.chat_template"]


def test_greedy_tokens_agree_with_llama_cpp_serving_the_same_gguf(hf, chat, local_model_spec, local_model_url):
    model, tokenizer = hf
    # The server as it is now: a crash test earlier in the session may have restarted it on another port than the
    # session fixture's URL (local_model_url still stops it at the end of the session).
    server = ensure_server(EMBEDDED, local_model_spec).base_url.removesuffix("/v1")
    rendered, answer = chat
    served = httpx.post(f"{server}/apply-template", json={"messages": QUESTION}, timeout=60).json()["prompt"]
    assert rendered == served  # the checkpoint's template is the one llama.cpp applies
    ours = {CODE_PROMPT: _greedy(model, tokenizer, CODE_PROMPT, COMPARED_TOKENS), rendered: answer[:COMPARED_TOKENS]}
    for prompt, tokens in ours.items():
        llama_prompt = httpx.post(
            f"{server}/tokenize", json={"content": prompt, "add_special": True, "parse_special": True}, timeout=60
        ).json()["tokens"]
        assert llama_prompt == tokenizer(prompt).input_ids, prompt
        reply = httpx.post(
            f"{server}/completion",
            json={"prompt": prompt, "n_predict": COMPARED_TOKENS, "temperature": 0, "top_k": 1, "return_tokens": True},
            timeout=300,
        ).json()
        assert tokens == reply["tokens"], (prompt, reply["content"])


def test_it_answers_a_coding_question_through_its_chat_template(hf, chat):
    _, tokenizer = hf
    answer = tokenizer.decode(chat[1], skip_special_tokens=True)
    assert "def is_prime(n" in answer, answer


def test_a_second_call_reuses_the_checkpoint_without_converting(converted, monkeypatch):
    def no_conversion(*args):
        raise AssertionError("converted again")

    monkeypatch.setattr(student_base_module, "_convert_gguf", no_conversion)
    assert student_base(EMBEDDED) == converted
    assert resolve_base(EMBEDDED) == str(converted)  # what `train sft --base` / `loop --base` get
    result = runner.invoke(app, ["train", "base", "--from", EMBEDDED])
    assert result.exit_code == 0 and result.output.strip().splitlines()[-1] == str(converted), result.output
    dry = runner.invoke(app, ["train", "sft", "--data", "d", "--base", EMBEDDED, "--out", "o", "--dry-run"])
    words = dry.output.split()
    assert dry.exit_code == 0 and words[words.index("--base") + 1] == str(converted), dry.output


# --- a checkpoint directory, and inputs that cannot be used -----------------------------------------------------


def test_a_checkpoint_directory_gets_the_tokens_and_is_reused(tmp_path, monkeypatch):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = build_tiny_qwen2(tmp_path / "tiny", ["def add(a, b):\n    return a + b\n"] * 20)
    out = student_base(str(source), tmp_path / "base")
    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32)
    _tokens_are_special_and_whole(tokenizer)
    assert model.get_input_embeddings().weight.shape[0] == len(tokenizer)
    assert tokenizer.chat_template == AutoTokenizer.from_pretrained(source).chat_template

    monkeypatch.setattr(student_base_module, "_convert_checkpoint", lambda *args: pytest.fail("converted again"))
    assert student_base(str(source), tmp_path / "base") == out
    assert resolve_base(str(source)) == str(source)  # SFT adds the tokens to a directory itself
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(TrainingInputError, match="--out .*busy"):
        student_base(str(source), tmp_path / "busy")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["base", "busy", "tiny"]  # no staging left behind
    assert (out / RECORD_FILE).is_file()


def _models_file(tmp_path, monkeypatch, entries: dict) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({"models": entries}))
    monkeypatch.setenv(MODELS_ENV, str(path))


def test_unusable_sources_are_refused_naming_them(tmp_path, monkeypatch):
    import gguf

    llama = tmp_path / "llama.gguf"
    writer = gguf.GGUFWriter(str(llama), "llama")
    writer.add_block_count(1)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    pulled = {"parts": ["x"], "version": "1.0", "size": 1, "sha256": hashlib.sha256(b"x").hexdigest()}
    _models_file(
        tmp_path,
        monkeypatch,
        {
            "on-disk-llama": {"provider": "llama_cpp", "model": "l", "path": str(llama)},
            "gone": {"provider": "llama_cpp", "model": "g", "path": str(tmp_path / "gone.gguf")},
            "never-pulled": {"provider": "llama_cpp", "model": "n", "gguf": pulled},
            "remote": {"provider": "openai_compatible", "model": "r", "base_url": "http://127.0.0.1:9/v1"},
        },
    )
    cases = {
        "nothing-like-this": r"--from nothing-like-this: not a checkpoint directory.*llama_cpp entries: gone, "
        "never-pulled, on-disk-llama",
        "remote": r"--from remote: models-file entry of provider 'openai_compatible'",
        "gone": r"--from gone: its GGUF .*gone\.gguf is missing; fix the entry's path",
        "never-pulled": r"--from never-pulled: its GGUF .* is missing; run `aiev models pull never-pulled`",
        "on-disk-llama": r"--from on-disk-llama: .*llama\.gguf holds architecture 'llama', not supported .*qwen2",
    }
    for source, message in cases.items():
        with pytest.raises(TrainingInputError, match=message):
            student_base(source, tmp_path / "out")
        assert not [path.name for path in tmp_path.iterdir() if "out" in path.name]  # nothing half-built stays
    with pytest.raises(TrainingInputError, match="--base remote:"):
        resolve_base("remote")
    result = runner.invoke(app, ["train", "base", "--from", "remote"])
    assert result.exit_code == 2 and "--from remote" in result.output and "Traceback" not in result.output
    assert resolve_base("Qwen/Qwen2.5-Coder-1.5B") == "Qwen/Qwen2.5-Coder-1.5B"  # a hub id is SFT's to load
