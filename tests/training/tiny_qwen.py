"""A tiny Qwen2 and a byte-level BPE tokenizer with Qwen's ChatML template, built offline inside the test run."""

from __future__ import annotations

from pathlib import Path

# Qwen2-Instruct's chat template, verbatim: the masking must work with the real template, not a friendlier one.
QWEN2_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def build_tokenizer(corpus: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    core.train_from_iterator(corpus, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core, eos_token="<|im_end|>", pad_token="<|endoftext|>", unk_token=None
    )
    tokenizer.chat_template = QWEN2_CHAT_TEMPLATE
    return tokenizer


def build_tiny_qwen2(directory: Path, corpus: list[str]) -> Path:
    """Save a randomly initialised 2-layer Qwen2 (hidden 64) and its tokenizer to ``directory``."""
    tokenizer = build_tokenizer(corpus)
    tiny_qwen2(tokenizer).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def tiny_qwen2(tokenizer, *, tie_word_embeddings: bool = True):
    """A randomly initialised 2-layer Qwen2 (hidden 64) over ``tokenizer``'s vocabulary (seeded: the same every run)."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=tie_word_embeddings,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return Qwen2ForCausalLM(config)
