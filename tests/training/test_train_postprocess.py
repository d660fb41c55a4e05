"""AutoCoder Figure 5: run requests in the user turn, results in the assistant turn, runnable code in special tokens."""

from __future__ import annotations

from training_records import FIXED_CODE, record

from aiev.agents.prompts import load_prompt
from aiev.training.postprocess import postprocess, wrap_run_blocks
from aiev.training.samples import sample_from_record
from aiev.training.special_tokens import load_special_tokens

T = load_special_tokens()
RUN_PY = T.run_start + "```python\n{}\n```" + T.run_stop


def test_four_distinct_tokens_from_the_one_config():
    assert T.all[:2] == ["<API_RUN_START>", "<API_RUN_STOP>"]
    assert len(set(T.all)) == 4


def test_figure5_layout():
    processed = postprocess(sample_from_record(record("seed-1")))
    turns = processed.messages
    assert [t.role for t in turns] == ["system", "user", "assistant", "user", "assistant"]
    request = load_prompt("training_run_request")
    # user turns: the problem / the analysis, each with the natural-language execution request mixed in
    assert turns[1].content.startswith("Write a function") and turns[1].content.endswith(request)
    assert turns[3].content.startswith("add subtracts") and turns[3].content.endswith(request)
    first = turns[2].content
    assert first.startswith(RUN_PY.format("def add(a, b):\n    return a - b"))
    assert RUN_PY.format("assert add(1, 2) == 3\nassert add(0, 0) == 0") in first
    assert first.endswith(f"{T.result_start}Execution failed with exit code 1.\nAssertionError{T.result_stop}")
    second = turns[4].content
    assert second.startswith(f"{T.run_start}```sh\npip install numpy\n```{T.run_stop}\n{RUN_PY.format(FIXED_CODE)}")
    assert f"{T.result_start}Execution succeeded.{T.result_stop}" in second
    # the closing answer was not run by the interpreter, so its code block is not a run request
    assert second.endswith(f"```python\n{FIXED_CODE}\n```")
    assert second.count(T.run_start) == 2 and second.count(T.run_stop) == 2
    assert (processed.seed_id, processed.rounds, processed.verdict) == ("seed-1", 2, "passed")


def test_problem_statement_code_is_not_wrapped():
    processed = postprocess(sample_from_record(record("seed-1")))
    assert T.run_start not in processed.messages[1].content


def test_unrunnable_languages_and_open_fences_are_left_alone():
    text, wrapped = wrap_run_blocks("```json\n{}\n```\n```python\nx = 1", T)
    assert not wrapped and text == "```json\n{}\n```\n```python\nx = 1"


def test_installs_of_standard_library_names_are_not_taught():
    text, wrapped = wrap_run_blocks("```sh\npip install os numpy\n```\n```bash\npip install typing\n```\nx", T)
    assert wrapped and text == f"{T.run_start}```sh\npip install numpy\n```{T.run_stop}\n\nx"
    text, wrapped = wrap_run_blocks("```bash\npip install sys\n```\ndone", T)
    assert (text, wrapped) == ("\ndone", False)
