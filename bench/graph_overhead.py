"""Orchestration overhead of the AIEV-Instruct graph: how much wall time is NOT the model or the sandbox.

An instant scripted model plays every role and the real sandbox runs every execution (docker when an
engine answers, else local). Each dialogue fails once and passes on round 2, so every node type runs.
Model and sandbox calls are timed where they happen (the sandbox at the engine, so the execute node's runs and the
test-quality check's stand-in runs both count as sandbox time); the remainder of the wall time is orchestration
(LangGraph, state reducers, parsing, prompt views, and, in the second variant, SQLite checkpoints).
Baseline, measured in the same run: the same executions sent straight to the engine, no graph.

Targets: <= 5 ms of orchestration per step, >= 95 % of wall time in model + sandbox.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from aiev.agents.context import Context
from aiev.agents.models import register_model, unregister_model
from aiev.agents.scripted import ScriptedChatModel
from aiev.graphs.aiev_instruct import build_graph
from aiev.graphs.durable import checkpoint_connection
from aiev.sandbox.engine import SandboxUnavailable, get_engine
from aiev.sandbox.types import ExecRequest

DIALOGUES = 12
PROBLEM = "Add two integers.\n```python\ndef add(a: int, b: int) -> int:\n```"
TESTS = "```python\nassert add(2, 3) == 5\nassert add(-1, 1) == 0\n```"


class Timer:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def timed(self, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        return wrapper


class TimedModel(ScriptedChatModel):
    """The scripted model with its whole ``invoke`` (LangChain plumbing included) counted as model time."""

    def invoke(self, *args, **kwargs):
        return MODEL_TIMER.timed(super().invoke)(*args, **kwargs)


MODEL_TIMER = Timer()
SANDBOX_TIMER = Timer()


def reply(messages) -> str:
    system, last = messages[0].content, messages[-1].content
    if "programming exercises" in system:
        return PROBLEM
    if "expert at testing" in system:
        return TESTS
    if "expert code reviewer" in system:
        return "It subtracts.\nFAULT: code"
    wrong = "FAULT" not in last  # first attempt is wrong, the revision after the analysis is right
    return f"```python\ndef add(a, b):\n    return a {'-' if wrong else '+'} b\n```"


def pick_engine() -> str:
    try:
        get_engine("docker")
        return "docker"
    except SandboxUnavailable:
        return "local"


def run_variant(label: str, graph, context: Context) -> tuple[float, float, float, int]:
    MODEL_TIMER.seconds = SANDBOX_TIMER.seconds = 0.0
    steps = 0
    started = time.perf_counter()
    for i in range(DIALOGUES):
        config = {"configurable": {"thread_id": f"{label}-{i}"}}
        seed = {"id": f"bench-{i}", "snippet": f"def plus_{i}(a, b):\n    return a + b", "source": "bench"}
        for _ in graph.stream({"seed": seed}, config, context=context, stream_mode="updates"):
            steps += 1
    wall = time.perf_counter() - started
    return wall, MODEL_TIMER.seconds, SANDBOX_TIMER.seconds, steps


def main() -> None:
    engine_name = pick_engine()
    engine = get_engine(engine_name)
    untimed_run = engine.run
    register_model("bench-instant", TimedModel(script=reply))
    context = Context.for_every_role("bench-instant", sandbox=engine_name)
    engine.run(ExecRequest.python("print(1)"))  # warm-up: first container / interpreter start

    requests = [
        ExecRequest.python(f"def add(a, b):\n    return a {op} b\n", tests="assert add(2, 3) == 5\n") for op in "-+"
    ]
    started = time.perf_counter()
    for _ in range(DIALOGUES):
        for request in requests:
            untimed_run(request)
    baseline = time.perf_counter() - started
    # Every sandbox call of the graph goes through the timer: the execute node's runs and the test-quality check's
    # stand-in runs alike (both reach this process-wide engine through run_request).
    engine.run = SANDBOX_TIMER.timed(untimed_run)

    print(f"engine: {engine_name}; {DIALOGUES} dialogues, 2 rounds each (fail, analyse, revise, pass)")
    print(f"baseline (same executions, engine only): {baseline:.3f} s")
    with tempfile.TemporaryDirectory() as scratch:
        connection = checkpoint_connection(Path(scratch) / "bench.sqlite")  # as `aiev generate` opens it
        variants = [("no checkpointer", build_graph()), ("sqlite checkpointer", build_graph(SqliteSaver(connection)))]
        for label, graph in variants:
            wall, model_s, sandbox_s, steps = run_variant(label, graph, context)
            overhead = wall - model_s - sandbox_s
            per_step_ms = 1000 * overhead / steps
            share = (model_s + sandbox_s) / wall
            met = "met" if per_step_ms <= 5.0 and share >= 0.95 else "MISSED"
            print(
                f"{label:>20}: wall {wall:.3f} s, model {model_s:.3f} s, sandbox {sandbox_s:.3f} s, {steps} steps, "
                f"orchestration {per_step_ms:.2f} ms/step (target <= 5), in model+sandbox {share:.1%} (target >= 95%), "
                f"wall / baseline {wall / baseline:.2f}x; targets {met}"
            )
        connection.close()
    unregister_model("bench-instant")


if __name__ == "__main__":
    main()
