"""Who said what in a dialogue: the message conventions every graph, exporter and trainer relies on.

The graph state's ``messages`` *is* the training sample, so every turn carries its speaker in the
message ``name`` and, for interpreter turns, the execution outcome in ``additional_kwargs``. Models see
a role-relative view of the same list (``view_for``): their own turns as ``assistant``, all others as
``user``, so one transcript serves every role without copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage, SystemMessage


class Speaker(str, Enum):
    QUESTIONER = "questioner"  # asks: the problem, later the natural-language error analysis in AutoCoder
    PROGRAMMER = "programmer"  # answers: solution, revisions, closing answer
    TEST_WRITER = "test_writer"  # answers: unit tests (the assistant side of the sample)
    ERROR_ANALYST = "error_analyst"  # asks: what went wrong and who is at fault
    INTERPRETER = "interpreter"  # the code interpreter's output (stderr on failure, stdout on success)
    USER = "user"  # a human user (CoderGen / chat)


# Speakers whose turns are the assistant side of a training sample.
ASSISTANT_SPEAKERS = frozenset({Speaker.PROGRAMMER, Speaker.TEST_WRITER})


def say(speaker: Speaker, content: str, **meta: object) -> BaseMessage:
    """A message from ``speaker``; assistant-side speakers become AIMessage, the rest HumanMessage."""
    cls = AIMessage if speaker in ASSISTANT_SPEAKERS else HumanMessage
    return cls(content=content, name=speaker.value, additional_kwargs=dict(meta))


def speaker_of(message: BaseMessage) -> Speaker:
    """The speaker recorded on a message; unnamed messages fall back on their LangChain type."""
    if message.name:
        try:
            return Speaker(message.name)
        except ValueError:
            pass
    return Speaker.PROGRAMMER if isinstance(message, AIMessage) else Speaker.USER


def view_for(speakers: set[Speaker], system_prompt: str, messages: Sequence[AnyMessage]) -> list[BaseMessage]:
    """The transcript as the model playing ``speakers`` should see it.

    Its own turns become ``assistant`` turns and everyone else's ``user`` turns; adjacent turns of the
    same side are merged because chat templates (Qwen's included) expect strict alternation.
    """
    view: list[BaseMessage] = [SystemMessage(content=system_prompt)]
    for message in messages:
        if isinstance(message, SystemMessage):
            continue
        own = speaker_of(message) in speakers
        cls = AIMessage if own else HumanMessage
        text = message.content if isinstance(message.content, str) else str(message.content)
        if len(view) > 1 and isinstance(view[-1], cls):
            view[-1] = cls(content=f"{view[-1].content}\n\n{text}")
        else:
            view.append(cls(content=text))
    return view


def before_first_turn(speaker: Speaker, messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """The turns ``speaker`` had seen when it first spoke (the task, and the tests when shown), or all of them when
    it has not spoken: what a role that starts over is shown, with none of its own replies to copy."""
    for index, message in enumerate(messages):
        if speaker_of(message) is speaker:
            return list(messages[:index])
    return list(messages)
