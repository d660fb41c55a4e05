"""A model served by several OpenAI-compatible servers: every request of a dialogue goes to one server (its prefix
cache), new dialogues and requests of none go where the fewest requests are in flight. Loopback servers only."""

from __future__ import annotations

import importlib.util
import operator
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, TypedDict

import pytest
import yaml
from langchain_core.messages import HumanMessage
from langgraph.graph import START, StateGraph
from langgraph.runtime import Runtime

from aiev.agents.context import Context
from aiev.agents.dialogue import Speaker
from aiev.agents.endpoint_choice import EndpointChoice, in_flight
from aiev.agents.model_call import call_model
from aiev.agents.model_specs import ModelConfigError, OpenAICompatibleSpec, load_model_specs
from aiev.agents.models import get_chat_model
from aiev.agents.scripted import ScriptedChatModel
from aiev.graphs.codergen import solve


def _graph_test_helper(name: str):
    # The loopback chat server of the graph tests (tests/graphs is not on this directory's import path).
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "graphs" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fake = _graph_test_helper("fake_openai")
Answer = Callable[[str, list[dict]], str]  # (server label, request messages) -> reply text


@dataclass
class Servers:
    """Two chat servers, A and B; a request whose last message starts with ``hold`` waits until released."""

    urls: list[str] = field(default_factory=list)
    seen: list[tuple[str, str]] = field(default_factory=list)  # (server, last message), in order of arrival
    gates: dict[str, threading.Event] = field(default_factory=dict)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def where(self, text: str, timeout_s: float = 10.0) -> str:
        """The server a request with last message ``text`` reached (waiting for it to arrive)."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: any(t == text for _, t in self.seen), timeout_s), text
            return next(server for server, t in self.seen if t == text)

    def release(self, text: str) -> None:
        self._gate(text).set()

    def _gate(self, text: str) -> threading.Event:
        with self.arrived:
            return self.gates.setdefault(text, threading.Event())

    def replier(self, label: str, answer: Answer) -> Callable[[list[dict]], str]:
        def reply(messages: list[dict]) -> str:
            text = messages[-1]["content"]
            with self.arrived:
                self.seen.append((label, text))
                self.arrived.notify_all()
            if text.startswith("hold"):
                assert self._gate(text).wait(30), f"{text!r} was never released"
            return answer(label, messages)

        return reply


@contextmanager
def two_servers(answer: Answer = lambda label, messages: label) -> Iterator[Servers]:
    servers = Servers()
    with ExitStack() as stack:
        servers.urls = [stack.enter_context(fake.fake_openai(servers.replier(label, answer))) for label in "AB"]
        try:
            yield servers
        finally:
            for gate in list(servers.gates.values()):
                gate.set()


def cluster_file(tmp_path: Path, base_url: object, **entry: object) -> Path:
    path = tmp_path / "models.yaml"
    spec = {"provider": "openai_compatible", "model": "m", "base_url": base_url, **entry}
    path.write_text(yaml.safe_dump({"models": {"cluster": spec}}))
    return path


def asker(models: Path) -> Callable[[str | None, str], str]:
    """Sends one request to the cluster for dialogue ``key``; returns the server that answered."""
    return lambda key, text: get_chat_model("cluster", models_file=models, affinity=key).invoke(text).text


def test_a_dialogue_stays_on_its_server_and_new_work_goes_where_fewest_requests_are(tmp_path: Path) -> None:
    with two_servers() as servers, ThreadPoolExecutor(2) as pool:
        ask = asker(cluster_file(tmp_path, servers.urls))
        first = pool.submit(ask, "d1", "hold d1")
        assert servers.where("hold d1") == "A"  # both idle, no dialogues yet: list order
        assert ask("d2", "d2 turn 1") == "B"  # A has a request in flight
        assert ask("d1", "d1 turn 2") == "A"  # d1 stays on A although A is the busier one
        assert ask(None, "no dialogue") == "B"  # no dialogue: the least-loaded server
        second = pool.submit(ask, "d2", "hold d2")
        assert servers.where("hold d2") == "B"
        servers.release("hold d1")
        assert first.result(10) == "A"
        assert ask(None, "no dialogue again") == "A"  # now B is the busy one
        assert ask("d3", "d3 turn 1") == "A"
        servers.release("hold d2")
        assert second.result(10) == "B"
        assert ask("d2", "d2 turn 3") == "B" and ask("d1", "d1 turn 3") == "A"
        # All idle, A holds d1 and d3, B holds d2: a new dialogue goes to the server with fewer dialogues.
        assert ask("d4", "d4 turn 1") == "B"


def test_dialogues_started_together_spread_over_both_servers(tmp_path: Path) -> None:
    with two_servers() as servers:
        ask = asker(cluster_file(tmp_path, servers.urls))

        def dialogue(number: int) -> list[str]:
            return [ask(f"c{number}", f"c{number} turn {turn}") for turn in range(3)]

        with ThreadPoolExecutor(8) as pool:
            answered = list(pool.map(dialogue, range(8)))
    assert all(len(set(servers_of_one)) == 1 for servers_of_one in answered), answered
    assert {servers_of_one[0] for servers_of_one in answered} == {"A", "B"}
    for number, servers_of_one in enumerate(answered):  # and the servers agree on who got what
        assert {server for server, text in servers.seen if text.startswith(f"c{number} ")} == {servers_of_one[0]}


def test_each_graph_thread_is_one_dialogue_through_call_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Turns(TypedDict):
        servers: Annotated[list[str], operator.add]

    def two_turns(state: Turns, runtime: Runtime[Context]) -> Turns:
        ask = [HumanMessage(content="turn")]
        return {"servers": [call_model(Speaker.PROGRAMMER, ask, runtime.context).text for _ in range(2)]}

    graph = StateGraph(Turns, context_schema=Context).add_node(two_turns).add_edge(START, "two_turns").compile()
    with two_servers() as servers:
        monkeypatch.setenv("AIEV_MODELS", str(cluster_file(tmp_path, servers.urls)))
        context = Context.for_every_role("cluster")
        runs = [
            graph.invoke({"servers": []}, {"configurable": {"thread_id": thread}}, context=context)["servers"]
            for thread in ("t1", "t2", "t1")
        ]
    # Without the thread as affinity, every one of these sequential calls would find both servers idle and go to A.
    assert runs == [["A", "A"], ["B", "B"], ["A", "A"]]


def test_a_codergen_run_is_one_dialogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_engine) -> None:
    wrong = "```python\ndef fizz(n):\n    return 'Fizz' if n % 5 == 0 else str(n)\n```"
    right = "```python\ndef fizz(n):\n    return 'Fizz' if n % 3 == 0 else str(n)\n```"

    def answer(label: str, messages: list[dict]) -> str:
        if fake.role_of(messages) == "programmer":
            return right if len(messages) > 2 else wrong  # a revision: shown its failed answer too
        return "fizz(3) did not return 'Fizz'.\nFAULT: code"

    task = "Write `fizz(n)` that returns 'Fizz' when n is divisible by 3 and str(n) otherwise. Run {}."
    with two_servers(answer) as servers:
        monkeypatch.setenv("AIEV_MODELS", str(cluster_file(tmp_path, servers.urls)))
        context = Context.for_every_role("cluster", sandbox="local")
        for run in (1, 2):
            result = solve(task.format(run), tests="assert fizz(3) == 'Fizz'\n", context=context)
            assert result.passed and result.rounds == 2
    by_run = {run: [s for s, _ in servers.seen[3 * (run - 1) : 3 * run]] for run in (1, 2)}
    assert len(servers.seen) == 6  # programmer, error analyst, programmer per run
    assert by_run == {1: ["A"] * 3, 2: ["B"] * 3}  # one server per run, the runs on different servers


def test_requests_in_flight_are_counted_until_they_end_or_fail() -> None:
    counter = in_flight(f"http://counted-{uuid.uuid4().hex}/v1")
    during: list[int] = []

    def reply(messages) -> str:
        during.append(counter.count)
        if messages[-1].content == "fail":
            raise ConnectionError("server gone")
        return "ok"

    model = ScriptedChatModel(script=reply, callbacks=[counter])
    assert model.invoke("hi").text == "ok" and counter.count == 0
    with pytest.raises(ConnectionError):
        model.invoke("fail")
    assert during == [1, 1] and counter.count == 0


@pytest.mark.parametrize(
    ("max_keys", "old_used_again", "old_stays"),
    [(3, False, True), (2, False, False), (2, True, True)],
    ids=["room-for-all", "oldest-forgotten", "least-recently-used-forgotten"],
)
def test_the_memory_of_dialogues_is_bounded(max_keys: int, old_used_again: bool, old_stays: bool) -> None:
    busy, idle = (f"http://{name}-{uuid.uuid4().hex}/v1" for name in ("busy", "idle"))
    choice = EndpointChoice([busy, idle], max_keys=max_keys)
    assert choice.pick("old") == busy
    in_flight(busy).on_chat_model_start({}, [], run_id=(run := uuid.uuid4()))
    try:
        assert choice.pick("new") == idle
        if old_used_again:
            assert choice.pick("old") == busy
        assert choice.pick("newer") == idle
        # Remembered, "old" stays on its server despite the load; forgotten (the least recently used of three
        # with room for two), it is placed anew, away from the busy server.
        assert choice.pick("old") == (busy if old_stays else idle)
    finally:
        in_flight(busy).on_llm_end(None, run_id=run)


def test_a_models_file_may_list_servers_but_not_an_empty_list_or_one_twice(tmp_path: Path) -> None:
    urls = ["http://gpu0:8000/v1", "http://gpu1:8000/v1"]
    spec = load_model_specs(cluster_file(tmp_path, urls))["cluster"]
    assert isinstance(spec, OpenAICompatibleSpec) and spec.resolved_base_urls() == urls
    path = cluster_file(tmp_path, [])
    with pytest.raises(ModelConfigError, match=r"model 'cluster': base_url: .*empty list names no server") as caught:
        load_model_specs(path)
    assert str(caught.value).startswith(str(path))
    with pytest.raises(ModelConfigError, match=r"model 'cluster': base_url: .*'http://gpu0:8000/v1/' is listed twice"):
        load_model_specs(cluster_file(tmp_path, [*urls, "http://gpu0:8000/v1/"]))


def test_base_url_env_may_name_several_servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    models = cluster_file(tmp_path, "http://default:1/v1", base_url_env="AIEV_TEST_CLUSTER")
    urls = [f"http://gpu{i}-{uuid.uuid4().hex[:6]}:8000/v1" for i in range(2)]
    monkeypatch.setenv("AIEV_TEST_CLUSTER", f"{urls[0]}, {urls[1]}")
    spec = load_model_specs(models)["cluster"]
    assert isinstance(spec, OpenAICompatibleSpec) and spec.resolved_base_urls() == urls
    chosen = [get_chat_model("cluster", models_file=models, affinity=key).openai_api_base for key in ("k1", "k2")]
    assert chosen == urls
    assert get_chat_model("cluster", models_file=models, affinity="k1").openai_api_base == urls[0]
    monkeypatch.setenv("AIEV_TEST_CLUSTER", f"{urls[0]},{urls[0]}")
    with pytest.raises(ModelConfigError, match=r"environment variable AIEV_TEST_CLUSTER: base URL .* listed twice"):
        spec.resolved_base_urls()
