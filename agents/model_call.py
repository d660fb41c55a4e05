"""One model call on behalf of a role: pick the role's model from the run context, show it the transcript
from the role's point of view, and return the reply text with its token usage.

Failures of the model itself (endpoint down, unknown model name, timeout) are turned into a ``Verdict`` by
``model_failure`` so that a dialogue ends with a clear reason instead of an exception tearing down a batch
of concurrent dialogues.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

from langchain_core.messages import AnyMessage, BaseMessage
from langgraph.runtime import Runtime

from .context import Context
from .dialogue import Speaker, view_for
from .models import get_chat_model
from .state import RoleState


class Reply(NamedTuple):
    text: str
    tokens: dict[str, int]


class ModelCallError(RuntimeError):
    """The model behind a role could not produce a reply."""

    def __init__(self, role: Speaker, model: str, cause: BaseException) -> None:
        detail = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        super().__init__(f"{role.value} model {model!r} failed: {type(cause).__name__}: {detail}")


def ask(
    role: Speaker,
    system_prompt: str,
    messages: Sequence[AnyMessage],
    runtime: Runtime[Context],
    *,
    revising: bool = False,
) -> Reply:
    """The reply of the model playing ``role`` to the transcript ``messages``; ``revising``: it answers a
    failed execution (see ``Context.revision_temperature``)."""
    return ask_view(role, view_for({role}, system_prompt, messages), runtime, revising=revising)


def ask_view(role: Speaker, view: list[BaseMessage], runtime: Runtime[Context], *, revising: bool = False) -> Reply:
    """The reply to an already built view (for roles shown a filtered transcript or an extra request)."""
    context = runtime.context or Context()
    name = context.model_for(role.value)
    temperature = context.temperature_for(role.value, revising=revising)
    try:
        model = get_chat_model(name, temperature=temperature, max_tokens=context.max_tokens)
        response = model.invoke(view)
    except Exception as error:  # noqa: BLE001 - any model failure ends this dialogue, not the batch
        raise ModelCallError(role, name, error) from error
    return Reply(response.text, _usage(response))


def _usage(response: Any) -> dict[str, int]:
    usage = getattr(response, "usage_metadata", None) or {}
    return {key: int(usage[key]) for key in ("input_tokens", "output_tokens") if usage.get(key) is not None}


def model_failure(error: ModelCallError) -> RoleState:
    """The state update that ends a dialogue whose model failed."""
    return {"verdict": {"status": "discarded", "reason": "model_error", "last_error": str(error)}}
