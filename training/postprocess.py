"""AutoCoder post-processing (paper, Figure 5): a raw multi-agent dialogue becomes a user/assistant chat in which
the assistant itself asks the code interpreter to run code.

* Every fenced ``python`` / shell block of an assistant turn that the interpreter then ran is wrapped as
  ``<API_RUN_START>```python ...```<API_RUN_STOP>`` (``sh`` for shell), the form the trained model emits
  to request an execution. A shell block's installs lose the standard library's names as the sandbox drops them
  when it runs them (``parsing.without_stdlib``): the 1.5B's ``pip install os`` ran as nothing, and a sample that
  kept it taught the student to write it. A block left with nothing goes.
* The interpreter's reply is folded into the assistant turn between ``<EXEC_RESULT_START>`` and
  ``<EXEC_RESULT_STOP>`` (SFT masks it: the model asks for results, it does not predict them).
* The natural-language execution request is mixed into the preceding user turn, and adjacent turns of one
  side are merged, so the result alternates strictly as chat templates expect.

Which four strings are used comes from ``configs/special_tokens.yaml``.
"""

from __future__ import annotations

import re

from ..agents.dialogue import Speaker
from ..agents.parsing import PYTHON_LANGS, SHELL_LANGS, without_stdlib
from ..agents.prompts import load_prompt
from .samples import ChatTurn, DialogueSample
from .special_tokens import SpecialTokens, load_special_tokens

# A closed fence with its language tag; unterminated fences are prose to the interpreter and stay as they are.
_CLOSED_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)\n?[ \t]*```", re.DOTALL)


def wrap_run_blocks(text: str, tokens: SpecialTokens) -> tuple[str, bool]:
    """The text with its runnable blocks wrapped in run tokens, and whether any block was wrapped."""
    wrapped = False

    def wrap(match: re.Match[str]) -> str:
        nonlocal wrapped
        lang, code = match.group(1).lower(), match.group(2).rstrip()
        if lang in PYTHON_LANGS:
            fence = "python"
        elif lang in SHELL_LANGS:
            fence = "sh"
            code = "\n".join(line for line in map(without_stdlib, code.splitlines()) if line is not None).rstrip()
            if not code.strip():
                return ""
        else:
            return match.group(0)
        wrapped = True
        return f"{tokens.run_start}```{fence}\n{code}\n```{tokens.run_stop}"

    return _CLOSED_FENCE.sub(wrap, text), wrapped


def _append(turns: list[ChatTurn], role: str, text: str) -> None:
    if turns and turns[-1].role == role:
        turns[-1] = ChatTurn(role=role, content=f"{turns[-1].content}\n\n{text}".strip())
    else:
        turns.append(ChatTurn(role=role, content=text))


def _is_run(turn: ChatTurn) -> bool:
    return turn.name == Speaker.INTERPRETER.value


def postprocess(sample: DialogueSample, tokens: SpecialTokens | None = None) -> DialogueSample:
    """The Figure 5 form of ``sample``; metadata is kept, speaker names are dropped (roles say it all now)."""
    tokens = tokens or load_special_tokens()
    raw = sample.messages
    turns: list[ChatTurn] = []
    pending_request = False  # the current user turn precedes code the interpreter will run
    for index, turn in enumerate(raw):
        if turn.role == "system":
            turns.append(ChatTurn(role="system", content=turn.content))
        elif _is_run(turn):
            _append(turns, "assistant", f"{tokens.result_start}{turn.content.strip()}{tokens.result_stop}")
        elif turn.role == "assistant":
            content = turn.content
            if _executed_next(raw, index):
                content, wrapped = wrap_run_blocks(content, tokens)
                if wrapped and pending_request and turns and turns[-1].role == "user":
                    _append(turns, "user", load_prompt("training_run_request"))
                    pending_request = False
            _append(turns, "assistant", content)
        else:
            _append(turns, "user", turn.content)
            pending_request = True
    return sample.model_copy(update={"messages": turns})


def _executed_next(raw: list[ChatTurn], index: int) -> bool:
    """Whether the interpreter runs this assistant turn's code: the next non-assistant turn is an execution."""
    for turn in raw[index + 1 :]:
        if turn.role != "assistant":
            return _is_run(turn)
    return False
