"""A trained student served on a CPU: converted to GGUF by llama.cpp's own converter, served by aiev's llama-server
with --special, reached as the models-file name ``student`` through the one call path.

The student is a tiny Qwen2 over Qwen2.5's real vocabulary plus the four interpreter tokens (the tokenizer SFT
saves), with weights rigged so that greedy decoding after the chat prompt writes a known reply: the run-start
token, a word, the run-stop token, then the end of turn. Every layer's output projection is zero, so the state
that predicts the next token is the current token's embedding alone: token i of the reply has embedding e_i and
the output row of token i+1 is 10 e_i.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from qwen_vocab import qwen_tokenizer
from tiny_qwen import QWEN2_CHAT_TEMPLATE, tiny_qwen2

from aiev.agents.local_model.cache import gguf_path
from aiev.agents.local_model.server import LocalServer
from aiev.agents.model_specs import OpenAICompatibleSpec, load_model_specs
from aiev.agents.models import get_chat_model
from aiev.training.errors import TrainingInputError
from aiev.training.loop_steps import DefaultSteps, LoopResources
from aiev.training.sft import prepare_tokenizer
from aiev.training.special_tokens import load_special_tokens
from aiev.training.student_gguf import gguf_for, merged_checkpoint, student_gguf

pytestmark = [pytest.mark.train, pytest.mark.model, pytest.mark.slow]

WORD = "print"
PROMPT = [{"role": "user", "content": "hi"}]


def reply_chain(tokenizer) -> list[int]:
    """The token ids from the prompt's last token to the end of turn, in the order the rigged model writes them."""
    tokens = load_special_tokens()
    prompt = tokenizer.encode(tokenizer.apply_chat_template(PROMPT, add_generation_prompt=True, tokenize=False))
    word = tokenizer.encode(WORD)
    assert len(word) == 1, word  # one token: the chain below has one step per token
    ids = tokenizer.convert_tokens_to_ids([tokens.run_start, WORD, tokens.run_stop, tokenizer.eos_token])
    return [prompt[-1], *ids]


def rig(model, chain: list[int]) -> None:
    import torch

    with torch.no_grad():
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        model.model.embed_tokens.weight.normal_(0, 0.01)
        model.lm_head.weight.zero_()
        for step, (current, following) in enumerate(zip(chain, chain[1:], strict=False)):
            model.model.embed_tokens.weight[current].zero_()
            model.model.embed_tokens.weight[current, step] = 1.0
            model.lm_head.weight[following, step] = 10.0


@pytest.fixture(scope="module")
def student(tmp_path_factory, local_model_spec) -> Path:
    """The rigged student checkpoint, saved as SFT saves one (model + tokenizer with the interpreter tokens)."""
    root = tmp_path_factory.mktemp("student")
    qwen = qwen_tokenizer(gguf_path("local-qwen-0.5b"))
    qwen.chat_template = QWEN2_CHAT_TEMPLATE
    qwen.save_pretrained(root / "base-tokenizer")
    tokenizer = prepare_tokenizer(str(root / "base-tokenizer"), load_special_tokens())  # SFT's own token adding
    model = tiny_qwen2(tokenizer, tie_word_embeddings=False)
    chain = reply_chain(tokenizer)
    rig(model, chain)
    out = root / "checkpoint"
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def expected_reply() -> str:
    tokens = load_special_tokens()
    return f"{tokens.run_start}{WORD}{tokens.run_stop}"


def llama_servers_of(gguf: Path) -> list[int]:
    """Pids of the processes whose command line names ``gguf``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(gguf).encode() in (entry / "cmdline").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_the_loop_serves_a_converted_student_with_its_interpreter_tokens(student, tmp_path):
    steps = DefaultSteps(
        LoopResources(seeds=tmp_path / "s.jsonl", base=str(tmp_path), teacher="teacher", concurrency=1)
    )
    gguf = gguf_for(student, "f16").resolve()
    with steps._serving(str(student), tmp_path / "serve.log"):
        assert gguf.is_file()
        assert llama_servers_of(gguf)
        reply = get_chat_model("student", max_tokens=16).invoke(PROMPT)
        # The interpreter tokens arrive as text, as the model wrote them; the end of turn does not.
        assert reply.content == expected_reply()
    assert llama_servers_of(gguf) == []  # the block's server is gone with it
    assert isinstance(load_model_specs()["student"], OpenAICompatibleSpec)  # the models file's entry is back


def test_special_tokens_need_special_and_the_end_of_turn_needs_the_stops(student, tmp_path):
    """What --special does: without it llama-server drops the interpreter tokens; with it, it also prints the end
    of turn, unless the request stops there (what the client of a special_tokens entry asks)."""
    gguf = student_gguf(student)
    body = {"model": "s", "messages": PROMPT, "max_tokens": 16, "temperature": 0}
    replies = {}
    for special in (False, True):
        with LocalServer(gguf, alias="s", n_ctx=256, threads=2, special=special, log_path=tmp_path / "s.log") as server:
            answer = httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=60).json()
            replies[special] = answer["choices"][0]["message"]["content"]
            if special:
                stopped = httpx.post(
                    f"{server.base_url}/chat/completions", json=body | {"stop": server.reply_stops}, timeout=60
                ).json()
    tokenizer_eos = json.loads((student / "tokenizer_config.json").read_text())["eos_token"]
    assert replies[False] == WORD
    assert replies[True] == expected_reply() + tokenizer_eos
    assert stopped["choices"][0]["message"]["content"] == expected_reply()


def test_a_fresh_conversion_is_reused(student):
    first = student_gguf(student)
    written = first.stat().st_mtime_ns
    assert student_gguf(student) == first and first.stat().st_mtime_ns == written
    assert [p.name for p in first.parent.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_a_lora_adapter_is_merged_into_its_base_then_converted(student, tmp_path):
    """An adapter on the output layer that makes the word the first token of the reply (skipping the run-start
    token): the served reply shows that the merged weights, not the base's, were converted."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(student)
    base = AutoModelForCausalLM.from_pretrained(student)
    chain = reply_chain(tokenizer)
    model = get_peft_model(base, LoraConfig(r=1, lora_alpha=1, target_modules=["lm_head"], init_lora_weights=False))
    with torch.no_grad():
        layer = model.base_model.model.lm_head
        layer.lora_A["default"].weight.zero_()
        layer.lora_A["default"].weight[0, 0] = 1.0  # reads e_0, the state after the prompt's last token
        layer.lora_B["default"].weight.zero_()
        layer.lora_B["default"].weight[chain[2], 0] = 20.0  # and writes the word's logit over the run-start token's
    adapter = tmp_path / "adapter"
    model.save_pretrained(adapter)
    tokenizer.save_pretrained(adapter)

    merged = AutoModelForCausalLM.from_pretrained(merged_checkpoint(adapter, tmp_path / "merged"))
    original = AutoModelForCausalLM.from_pretrained(student)
    changed = (merged.lm_head.weight != original.lm_head.weight).nonzero().tolist()
    assert changed == [[chain[2], 0]]

    gguf = student_gguf(adapter)
    assert gguf == gguf_for(adapter, "f16") and gguf.is_file()
    with LocalServer(gguf, alias="s", n_ctx=256, threads=2, special=True, log_path=tmp_path / "s.log") as server:
        body = {"model": "s", "messages": PROMPT, "max_tokens": 16, "temperature": 0, "stop": server.reply_stops}
        answer = httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=60).json()
    assert answer["choices"][0]["message"]["content"] == WORD + load_special_tokens().run_stop


def test_what_is_not_a_checkpoint_is_named(tmp_path):
    with pytest.raises(TrainingInputError, match=rf"student {tmp_path}: not a model or LoRA adapter directory"):
        student_gguf(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(TrainingInputError, match=r"GGUF type 'q4_k': expected one of f16, q8_0"):
        student_gguf(tmp_path, "q4_k")  # type: ignore[arg-type]
