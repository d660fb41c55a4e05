"""Tokenize a ``messages`` sample with the model's own chat template, keeping loss on assistant tokens only.

TRL's ``assistant_only_loss`` needs ``{% generation %}`` markers that Qwen2's template lacks, and rewriting a
base model's template would change what the served model sees. Instead the assistant spans are found by
rendering prefixes of the dialogue: for a prefix-stable template (Qwen's, Llama's, ChatML in general) the
text of turn *i* lies between the render of turns ``[:i]`` with the generation prompt and the render of
turns ``[:i+1]``. Interpreter output folded into an assistant turn (between the result tokens) is masked
too: the model must learn to *ask* for an execution, not to predict its output.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from .errors import TrainingInputError
from .special_tokens import SpecialTokens

IGNORE_INDEX = -100  # the label torch's cross-entropy skips


def _render(tokenizer, messages: Sequence[dict[str, str]], generation_prompt: bool) -> str:
    return tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=generation_prompt)


def assistant_char_spans(tokenizer, messages: Sequence[dict[str, str]]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered dialogue and the character spans of its assistant turns (closing tag included).

    Raises ``TrainingInputError`` when the template is not prefix-stable, since masks derived from it
    would silently train on the wrong tokens.
    """
    text = _render(tokenizer, messages, False)
    spans: list[tuple[int, int]] = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = _render(tokenizer, messages[:index], True) if index else ""
        through = _render(tokenizer, messages[: index + 1], False)
        if not (text.startswith(before) and text.startswith(through) and len(before) <= len(through)):
            raise TrainingInputError(
                "the tokenizer's chat template is not prefix-stable (rendering a shorter dialogue is not a prefix "
                "of the full one), so assistant-only loss masks cannot be derived from it"
            )
        spans.append((len(before), len(through)))
    return text, spans


def result_char_spans(text: str, tokens: SpecialTokens) -> list[tuple[int, int]]:
    """Interpreter output inside the text, from its start token through its stop token."""
    pattern = re.compile(re.escape(tokens.result_start) + ".*?" + re.escape(tokens.result_stop), re.DOTALL)
    return [match.span() for match in pattern.finditer(text)]


def encode_dialogue(
    tokenizer, messages: Sequence[dict[str, str]], tokens: SpecialTokens, max_length: int
) -> dict[str, list[int]]:
    """``input_ids`` and ``labels`` (``IGNORE_INDEX`` outside assistant text and on interpreter output)."""
    text, spans = assistant_char_spans(tokenizer, messages)
    masked = result_char_spans(text, tokens)
    encoded = tokenizer(
        text, add_special_tokens=False, return_offsets_mapping=True, truncation=True, max_length=max_length
    )
    labels = []
    for token_id, (start, end) in zip(encoded["input_ids"], encoded["offset_mapping"], strict=True):
        trained = any(s <= start < e for s, e in spans) and not any(s <= start < e for s, e in masked)
        labels.append(token_id if trained and end > start else IGNORE_INDEX)
    return {"input_ids": list(encoded["input_ids"]), "labels": labels}


@dataclass
class PaddingCollator:
    """Right-pads a batch of encoded dialogues; padding never carries loss."""

    pad_token_id: int

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        width = max(len(f["input_ids"]) for f in features)
        input_ids, labels, attention = [], [], []
        for feature in features:
            pad = width - len(feature["input_ids"])
            input_ids.append(list(feature["input_ids"]) + [self.pad_token_id] * pad)
            labels.append(list(feature["labels"]) + [IGNORE_INDEX] * pad)
            attention.append([1] * len(feature["input_ids"]) + [0] * pad)
        return {
            "input_ids": torch.tensor(input_ids, dtype=torch.long),
            "labels": torch.tensor(labels, dtype=torch.long),
            "attention_mask": torch.tensor(attention, dtype=torch.long),
        }
