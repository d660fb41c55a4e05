"""What a chat reply asks the code interpreter to run, and how each run is reported back.

A reply asks for execution with fenced ```python / ```bash blocks (any instruct model), or, for a model
trained AutoCoder-style, with blocks wrapped in the run tokens of ``configs/special_tokens.yaml``
(``<API_RUN_START>```sh ...```<API_RUN_STOP>``). When a reply uses the run tokens, only the wrapped blocks
run (the others are illustrations); the results are then wrapped in the result tokens, the form the model
saw in training.

Every run is a fresh sandbox, so the shell lines of earlier turns are replayed as setup: a package installed
in one turn is there for the Python of the next. Setup runs with network access, so a shell block may hold
package installs only (``sandbox.requirements``); any other line is refused, and the refusal is the block's
output.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from ..sandbox.requirements import SetupLineError, parse_install
from ..sandbox.types import ExecRequest, ExecResult, Outcome
from .parsing import SHELL_LANGS, code_blocks, interpreter_request
from .prompts import render_prompt
from .special_tokens import SpecialTokens

EXPLICIT_PYTHON = frozenset({"python", "py", "python3"})


class RunBlock(NamedTuple):
    kind: Literal["python", "shell"]
    code: str


def executable_blocks(reply: str, tokens: SpecialTokens | None = None) -> tuple[list[RunBlock], bool]:
    """The blocks to run, in order, and whether the reply used the run tokens.

    Untagged fences are not run: models use them for output samples and file contents as often as for code.
    """
    text, wrapped = interpreter_request(reply, tokens)
    blocks: list[RunBlock] = []
    for block in code_blocks(text):
        if not block.code.strip():
            continue
        if block.lang in EXPLICIT_PYTHON:
            blocks.append(RunBlock("python", block.code))
        elif block.lang in SHELL_LANGS:
            blocks.append(RunBlock("shell", block.code))
    return blocks, wrapped


def shell_lines(code: str) -> list[str]:
    """A shell block's commands, prompt markers (``$ ``) and comments removed; raises ``SetupLineError`` (naming
    the line) for a line that is not a package install."""
    lines = []
    for line in code.splitlines():
        line = line.strip().removeprefix("$").strip()
        if line and not line.startswith("#"):
            parse_install(line)
            lines.append(line)
    return lines


def block_request(block: RunBlock, replayed_setup: list[str], timeout_s: float) -> ExecRequest:
    """A shell block runs as setup lines (they have network, for installs) before an empty program; raises
    ``SetupLineError`` when it holds anything else (``refusal`` is then its result)."""
    if block.kind == "shell":
        return ExecRequest.python("", setup=[*replayed_setup, *shell_lines(block.code)], timeout_s=timeout_s)
    return ExecRequest.python(block.code, setup=list(replayed_setup), timeout_s=timeout_s)


def refusal(error: SetupLineError) -> ExecResult:
    """The result of a shell block that was not run, with the reason for the model and the user."""
    text = render_prompt("chat_shell_refused", line=error.line, reason=error.reason)
    return ExecResult(outcome=Outcome.ERROR, stderr=text)


def run_output(block: RunBlock, result: ExecResult) -> str:
    """Everything the run printed, untruncated (what the user is shown)."""
    if block.kind == "shell":
        return result.setup_log.strip() or ("ok" if result.passed else result.feedback())
    if result.passed:
        return result.stdout.strip() or "(no output)"
    return "\n".join(part for part in (result.stdout.strip(), result.feedback()) if part)


def clip(text: str, max_chars: int) -> str:
    """Head and tail of a long output: a model needs the start (what ran) and the end (the error), not the middle."""
    if len(text) <= max_chars:
        return text
    half = max_chars // 2
    return f"{text[:half]}\n...[{len(text) - 2 * half} characters truncated]...\n{text[-half:]}"


def results_message(
    blocks: list[RunBlock], outputs: list[str], wrapped: bool, tokens: SpecialTokens | None, max_chars: int
) -> str:
    """The interpreter's turn for the model: each block's clipped output, in the trained form when tokens were used."""
    parts = [clip(output, max_chars) for output in outputs]
    if wrapped and tokens:
        return "\n".join(f"{tokens.result_start}\n{part}\n{tokens.result_stop}" for part in parts)
    return "\n\n".join(
        render_prompt("chat_execution_result", index=str(i), kind=block.kind, output=part)
        for i, (block, part) in enumerate(zip(blocks, parts, strict=True), 1)
    )
