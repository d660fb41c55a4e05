"""Which of a model's servers answers a request, when the models file lists several (e.g. one vLLM server per GPU).

Two things decide it. A dialogue resends its whole transcript at every turn, and a server that answered the
previous turn still holds that prefix in its KV cache (vLLM's prefix caching, llama.cpp's slot cache): so every
request of one dialogue goes to the server its first request went to, and only that prefill is paid once. Across
dialogues the servers should be kept equally busy: a dialogue's first request goes to the server with the fewest
requests in flight from this process, ties broken by the fewest dialogues already assigned to it (so dialogues
started together spread even before any request is in flight), then by list order.

A request is tied to its dialogue by an affinity key (the LangGraph thread id, see ``model_call``); a request
without one (a single call outside any graph) goes to the least-loaded server. Load is counted by a LangChain
callback handler attached to each server's clients, which sees every chat request start and end, whichever code
path invoked the client.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

# Dialogues remembered per model; beyond it the least recently used dialogue is forgotten (its next request is placed
# as a first one). A long generation run starts millions of dialogues, and a finished one never says so.
MAX_KEYS = 100_000


class InFlightRequests(BaseCallbackHandler):
    """Counts the chat requests of this process that one server has not answered yet."""

    # A lock and a set: cheap enough to run in the caller's thread, also for async calls.
    run_inline = True

    def __init__(self) -> None:
        self._runs: set[UUID] = set()
        self._lock = threading.Lock()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._runs)

    def on_chat_model_start(self, serialized: dict[str, Any], messages: Any, *, run_id: UUID, **kwargs: Any) -> None:
        with self._lock:
            self._runs.add(run_id)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._finished(run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._finished(run_id)

    def _finished(self, run_id: UUID) -> None:
        # By run id, not a bare counter: an end whose start this handler never saw cannot drive the count negative.
        with self._lock:
            self._runs.discard(run_id)


class EndpointChoice:
    """The server of each request to one model with several servers: sticky per dialogue, least-loaded otherwise."""

    def __init__(self, endpoints: Sequence[str], max_keys: int = MAX_KEYS) -> None:
        if not endpoints:
            raise ValueError("EndpointChoice needs at least one endpoint")
        self.endpoints = list(endpoints)
        self._max_keys = max_keys
        self._assigned: OrderedDict[str, str] = OrderedDict()  # affinity key -> endpoint, least recently used first
        self._keys = dict.fromkeys(self.endpoints, 0)  # how many remembered keys each endpoint holds
        self._lock = threading.Lock()

    def pick(self, affinity: str | None) -> str:
        """The endpoint for a request of dialogue ``affinity`` (None: a request of no dialogue)."""
        with self._lock:
            if affinity is None:
                return self._least_loaded()
            endpoint = self._assigned.get(affinity)
            if endpoint is not None:
                self._assigned.move_to_end(affinity)
                return endpoint
            endpoint = self._assigned[affinity] = self._least_loaded()
            self._keys[endpoint] += 1
            if len(self._assigned) > self._max_keys:
                _, forgotten = self._assigned.popitem(last=False)
                self._keys[forgotten] -= 1
            return endpoint

    def _least_loaded(self) -> str:
        # min keeps the first of equals: list order breaks the last tie.
        return min(self.endpoints, key=lambda endpoint: (in_flight(endpoint).count, self._keys[endpoint]))


_counters: dict[str, InFlightRequests] = {}
_choices: dict[tuple[str, ...], EndpointChoice] = {}
_lock = threading.Lock()


def in_flight(endpoint: str) -> InFlightRequests:
    """The process-wide in-flight counter of ``endpoint``, to attach to every client that sends requests there
    (clients differ by temperature or token cap, the server they load is the same)."""
    with _lock:
        counter = _counters.get(endpoint)
        if counter is None:
            counter = _counters[endpoint] = InFlightRequests()
        return counter


def choose_endpoint(endpoints: Sequence[str], affinity: str | None) -> str:
    """The endpoint of ``endpoints`` for a request of dialogue ``affinity``; one choice (and one memory of
    dialogues) per list of endpoints, so a dialogue whose roles use different models is placed for each."""
    if len(endpoints) == 1:
        return endpoints[0]
    with _lock:
        choice = _choices.get(tuple(endpoints))
        if choice is None:
            choice = _choices[tuple(endpoints)] = EndpointChoice(endpoints)
    return choice.pick(affinity)
