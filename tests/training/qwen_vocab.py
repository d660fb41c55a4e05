"""Qwen2.5's tokenizer, rebuilt from the vocabulary inside the embedded model's GGUF file.

llama.cpp's converter accepts a BPE tokenizer only when it recognises its pre-tokenizer, by hashing the token ids
it gives a fixed text: a tokenizer trained in the test (``tiny_qwen.build_tokenizer``) is refused. A tiny Qwen2
over Qwen2.5's real vocabulary (its byte-level BPE merges, pre-tokenizer pattern and control tokens, all in the
GGUF aiev already serves) converts like a real student, offline.
"""

from __future__ import annotations

from pathlib import Path

from aiev.agents.local_model.gguf_metadata import CONTROL_TOKEN, read_metadata

# Qwen2's pre-tokenizer (its tokenizer.json): contractions, letters, single digits, punctuation runs, newlines, spaces.
QWEN2_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
NORMAL_TOKEN, USER_DEFINED_TOKEN = 1, 4


def qwen_tokenizer(gguf: Path):
    """A fast tokenizer that encodes like Qwen2.5's (the converter's check hashes to ``qwen2``)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    fields = read_metadata(gguf)
    tokens, kinds = fields["tokenizer.ggml.tokens"], fields["tokenizer.ggml.token_type"]
    vocab = {
        token: index for index, (token, kind) in enumerate(zip(tokens, kinds, strict=True)) if kind == NORMAL_TOKEN
    }
    merges = [tuple(merge.split(" ", 1)) for merge in fields["tokenizer.ggml.merges"]]
    core = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    core.normalizer = normalizers.NFC()
    core.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    core.decoder = decoders.ByteLevel()
    added = [
        AddedToken(token, special=kind == CONTROL_TOKEN, normalized=False)
        for token, kind in zip(tokens, kinds, strict=True)
        if kind in (CONTROL_TOKEN, USER_DEFINED_TOKEN)
    ]
    core.add_tokens(added)  # after the normal tokens, in file order: the ids the GGUF gives them
    eos = tokens[fields["tokenizer.ggml.eos_token_id"]]
    pad = tokens[fields["tokenizer.ggml.padding_token_id"]]
    return PreTrainedTokenizerFast(tokenizer_object=core, eos_token=eos, pad_token=pad, unk_token=None)
