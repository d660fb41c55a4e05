"""Loss only on assistant tokens: labels are -100 on system/user turns, template markup and interpreter output."""

from __future__ import annotations

import pytest
from tiny_qwen import build_tokenizer
from training_records import record

from aiev.training.chat_masking import IGNORE_INDEX, PaddingCollator, encode_dialogue
from aiev.training.errors import TrainingInputError
from aiev.training.postprocess import postprocess
from aiev.training.samples import sample_from_record
from aiev.training.special_tokens import load_special_tokens

T = load_special_tokens()


@pytest.fixture(scope="module")
def tokenizer():
    messages = postprocess(sample_from_record(record("s"))).messages
    tokenizer = build_tokenizer([m.content for m in messages] * 4)
    tokenizer.add_special_tokens({"additional_special_tokens": T.all})
    return tokenizer


def _trained_runs(tokenizer, encoded) -> list[str]:
    runs, current = [], []
    for token, label in zip(encoded["input_ids"], encoded["labels"], strict=True):
        if label == IGNORE_INDEX:
            if current:
                runs.append(tokenizer.decode(current))
            current = []
        else:
            assert label == token
            current.append(token)
    if current:
        runs.append(tokenizer.decode(current))
    return runs


def test_labels_cover_exactly_the_assistant_text_minus_results(tokenizer):
    messages = [
        m.model_dump(include={"role", "content"}) for m in postprocess(sample_from_record(record("s"))).messages
    ]
    encoded = encode_dialogue(tokenizer, messages, T, max_length=4096)
    runs = _trained_runs(tokenizer, encoded)
    first, second = (m["content"] for m in messages if m["role"] == "assistant")
    first_code, first_result = first.split(T.result_start)
    assert runs[0] == first_code  # the code and the tests, run tokens included
    assert T.result_start not in "".join(runs) and "AssertionError" not in "".join(runs)
    assert runs[-1] == second.split(T.result_stop)[-1] + "<|im_end|>\n"  # closing answer and end of turn
    assert not any("Write a function" in run or "subtracts" in run or "helpful" in run for run in runs)
    assert len(runs) == 4  # code | after first result: <|im_end|> | fix | closing answer


def test_collator_pads_without_loss(tokenizer):
    batch = PaddingCollator(pad_token_id=0)(
        [{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]}, {"input_ids": [8], "labels": [8]}]
    )
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["labels"].tolist() == [[-100, 6, 7], [8, -100, -100]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


def test_template_that_is_not_prefix_stable_is_refused():
    unstable = build_tokenizer(["a b c"])
    unstable.chat_template = "{% for m in messages %}{{ m['content'] }}|{{ messages|length }}{% endfor %}"
    with pytest.raises(TrainingInputError, match="not prefix-stable"):
        encode_dialogue(unstable, [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], T, 64)
