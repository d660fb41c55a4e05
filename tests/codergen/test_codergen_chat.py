"""`aiev chat`: blocks run in the sandbox with --yes, nothing runs when the user declines, token-wrapped blocks
of a trained model run alone and come back wrapped, and the loop is bounded."""

from __future__ import annotations

from typer.testing import CliRunner

from aiev.agents.interpreter_blocks import RunBlock, block_request, clip, executable_blocks, results_message
from aiev.agents.prompts import load_prompt
from aiev.agents.special_tokens import load_special_tokens
from aiev.cli import app

runner = CliRunner()


def chat(name: str, text: str, *flags: str):
    return runner.invoke(app, ["chat", "--model", name, "--sandbox", "local", *flags], input=text)


def test_blocks_run_with_yes_and_the_output_goes_back_to_the_model(local_engine, scripted) -> None:
    name, model = scripted(["Let me compute it.\n```python\nprint(6 * 7)\n```", "The answer is 42."])
    result = chat(name, "what is 6*7?\n/exit\n", "--yes")
    assert result.exit_code == 0, result.output
    assert "42" in result.output and "The answer is 42." in result.output
    fed_back = model.calls[1][-1]
    assert fed_back.name == "interpreter" and "42" in fed_back.content


def test_nothing_runs_when_the_user_declines(local_engine, scripted) -> None:
    name, model = scripted(["```python\nprint('side effect')\n```", "Fine, I will not run it."])
    result = chat(name, "do it\nn\nok\n/exit\n")
    assert result.exit_code == 0, result.output
    assert "Run these blocks in the sandbox?" in result.output and "print('side effect')" in result.output
    assert "interpreter" not in [m.name for call in model.calls for m in call]
    assert len(model.calls) == 2 and load_prompt("chat_declined") in [m.content for m in model.calls[1]]


def test_a_trained_model_uses_the_special_tokens(local_engine, scripted) -> None:
    tokens = load_special_tokens()
    reply = (
        "Example only:\n```python\nprint('not run')\n```\n"
        f"{tokens.run_start}```python\nprint(40 + 2)\n```{tokens.run_stop}"
    )
    name, model = scripted([reply, "42."])
    result = chat(name, "compute\n/exit\n", "--yes")
    assert result.exit_code == 0, result.output
    fed_back = model.calls[1][-1].content
    assert fed_back == f"{tokens.result_start}\n42\n{tokens.result_stop}"


def test_the_interpreter_loop_is_bounded(local_engine, scripted) -> None:
    name, model = scripted(lambda messages: "```python\nprint('again')\n```")
    result = chat(name, "loop\n/exit\n", "--yes", "--max-runs", "2")
    assert result.exit_code == 0, result.output
    assert len(model.calls) == 3  # reply, run, reply, run, reply: the third reply's block is not run


def test_block_extraction_replay_and_clipping() -> None:
    blocks, wrapped = executable_blocks("```\nplain output\n```\n```bash\n$ pip install rich\n```\n```py\nx = 1\n```")
    assert blocks == [RunBlock("shell", "$ pip install rich"), RunBlock("python", "x = 1")] and not wrapped
    shell = block_request(blocks[0], ["pip install numpy"], 5.0)
    assert shell.setup == ["pip install numpy", "pip install rich"] and shell.files["main.py"] == ""
    python = block_request(blocks[1], ["pip install numpy"], 5.0)
    assert python.setup == ["pip install numpy"] and python.files["main.py"] == "x = 1"
    long = "a" * 50 + "b" * 50
    assert clip(long, 20) == "a" * 10 + "\n...[80 characters truncated]...\n" + "b" * 10
    text = results_message([RunBlock("python", "x")], [long], False, None, 20)
    assert "block 1 (python)" in text and "[80 characters truncated]" in text
