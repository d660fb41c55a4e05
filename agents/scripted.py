"""A chat model whose replies are written by the test, so graphs can be exercised without an LLM.

Register it under a name (``aiev.agents.models.register_model``) and every node that asks for that name
gets it. Unlike langchain_core's fake models it never cycles silently: running out of replies is an error,
so a test that makes one model call too many fails instead of passing on a recycled reply. Calls are
recorded so a test can assert what each role was shown; graphs run nodes on several threads, so both the
script position and the record are guarded by a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

Reply = Callable[[list[BaseMessage]], "str | AIMessage"]


class ScriptExhausted(RuntimeError):
    """The model was called more times than the script has replies."""


class ScriptedChatModel(BaseChatModel):
    """Replies from a list (in order, each once) or from a function of the messages it is shown.

    A reply is text, or an ``AIMessage`` when a test needs tool calls; ``bind_tools`` returns the model
    itself (the script decides which tools are called), so tool-loop graphs run on it unchanged.
    """

    script: Sequence[str | AIMessage] | Reply

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _calls: list[list[BaseMessage]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "aiev-scripted"

    @property
    def calls(self) -> list[list[BaseMessage]]:
        """The messages of every call so far, in call order (a copy)."""
        with self._lock:
            return [list(call) for call in self._calls]

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._lock:
            index = len(self._calls)
            self._calls.append(list(messages))
        if callable(self.script):
            text = self.script(list(messages))
        elif index < len(self.script):
            text = self.script[index]
        else:
            raise ScriptExhausted(f"scripted model called {index + 1} times but has only {len(self.script)} replies")
        message = text if isinstance(text, AIMessage) else AIMessage(content=text)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        return self

    def __getstate__(self) -> dict[Any, Any]:
        """Pickled without its lock and call record (a lock cannot be pickled): a copy shipped to another process
        (a Ray worker) starts with no calls. A reply *function* then answers there as here; a reply *list* would
        be replayed from its start by every copy, so ship only functions."""
        return {**super().__getstate__(), "__pydantic_private__": None}

    def __setstate__(self, state: dict[Any, Any]) -> None:
        super().__setstate__({**state, "__pydantic_private__": {"_lock": threading.Lock(), "_calls": []}})
