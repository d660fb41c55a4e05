"""The one path by which anything in aiev calls a model: the role nodes, the ReAct agent, the chat and eval's
plain mode all go through ``call_model``, so every caller gets the same client settings, the same reading of
tool calls a model wrote as text, and the same error.

Failures of the model itself (endpoint down, unknown model name, timeout, a crashed embedded server) become one
``ModelCallError`` naming the role and the model. Each caller decides what that error means for its run: a
dialogue ends with a ``model_error`` verdict (``model_failure``) instead of an exception tearing down a batch of
concurrent dialogues, an eval sample is retried by the next run, the chat reports it and keeps the session.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.config import get_config
from langgraph.runtime import Runtime

from .context import Context
from .dialogue import Speaker
from .models import failure_cause, get_chat_model
from .state import RoleState
from .tool_call_text import with_text_tool_calls


class Reply(NamedTuple):
    text: str
    tokens: dict[str, int]
    cut: bool = False  # the token cap ended it, mid-line

    @property
    def complete_text(self) -> str:
        """The text without the unfinished last line of a reply the token cap cut. A role's code or tests are read
        from this: a cut line often still parses (the 1.5B's looping test writer ended on ``assert remove``), and
        then fails every solution with a NameError that no revision can fix."""
        text = self.text.rstrip()
        return text[: text.rfind("\n")] if self.cut and "\n" in text else self.text


class ModelCallError(RuntimeError):
    """The model behind a role could not produce a reply."""

    def __init__(self, role: Speaker, model: str, cause: BaseException) -> None:
        detail = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        super().__init__(f"{role.value} model {model!r} failed: {type(cause).__name__}: {detail}")


def call_model(
    role: Speaker,
    messages: Sequence[BaseMessage],
    context: Context,
    *,
    revising: bool = False,
    tools: Sequence[BaseTool] = (),
) -> AIMessage:
    """The reply of the model ``context`` puts in ``role`` to ``messages``, sampled at the role's temperature.

    With ``tools``, the model is offered them and the reply carries its calls as ``tool_calls``, whether the
    server parsed them or the model wrote them as text (``tool_call_text``). Raises ``ModelCallError``.
    """
    name = context.model_for(role.value)
    temperature = context.temperature_for(role.value, revising=revising)
    try:
        model = get_chat_model(name, temperature=temperature, max_tokens=context.max_tokens, affinity=dialogue_key())
        reply = (model.bind_tools(list(tools)) if tools else model).invoke(list(messages))
    except Exception as error:
        raise ModelCallError(role, name, failure_cause(name, error)) from error
    if not isinstance(reply, AIMessage):
        raise ModelCallError(role, name, TypeError(f"expected an AIMessage, got {type(reply).__name__}"))
    return with_text_tool_calls(reply, [tool.name for tool in tools]) if tools else reply


def dialogue_key() -> str | None:
    """The dialogue this call belongs to: the thread id of the LangGraph run it is made in (None outside one, or
    in a run without a thread). A model with several servers sends every turn of a dialogue to one of them, whose
    prefix cache still holds the transcript the turn resends."""
    try:
        config = get_config()
    except RuntimeError:  # not inside a runnable
        return None
    thread = config.get("configurable", {}).get("thread_id")
    return None if thread is None else str(thread)


def new_dialogue() -> RunnableConfig:
    """The config of a graph run that is one dialogue of its own and needs no checkpointer (``codergen.solve``,
    ``generate_one``): a fresh thread id, which ``dialogue_key`` reads."""
    return {"configurable": {"thread_id": uuid.uuid4().hex}}


def ask_view(role: Speaker, view: list[BaseMessage], runtime: Runtime[Context], *, revising: bool = False) -> Reply:
    """The reply of the model playing ``role`` to ``view`` (``dialogue.view_for`` of the transcript, filtered or
    closed by a request as the role needs); ``revising``: it answers a failed execution (see
    ``Context.revision_temperature``)."""
    context = runtime.context or Context()
    response = call_model(role, view, context, revising=revising)
    tokens = token_usage(response)
    cut = (
        response.response_metadata.get("finish_reason") == "length"
        or tokens.get("output_tokens", 0) >= context.max_tokens
    )
    return Reply(response.text, tokens, cut)


def token_usage(response: AIMessage) -> dict[str, int]:
    """Input and output token counts of a reply, as far as the server reported them."""
    usage: Any = response.usage_metadata or {}
    return {key: int(usage[key]) for key in ("input_tokens", "output_tokens") if usage.get(key) is not None}


def model_failure(error: ModelCallError) -> RoleState:
    """The state update that ends a dialogue whose model failed."""
    return {"verdict": {"status": "discarded", "reason": "model_error", "last_error": str(error)}}
