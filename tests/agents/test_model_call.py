"""The one model-call path: every caller reaches models through ``call_model``, which reads tool calls written as
text, asks servers to keep the interpreter tokens when the model writes them, and raises one error type."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from langchain_core.messages import AIMessage, HumanMessage

from aiev.agents.context import Context
from aiev.agents.dialogue import Speaker
from aiev.agents.model_call import ModelCallError, call_model
from aiev.agents.model_specs import load_model_specs
from aiev.agents.models import get_chat_model
from aiev.graphs.codergen_react import TOOLS

REPO = Path(__file__).parents[2]
PACKAGES = ("agents", "graphs", "eval", "training", "aiev", "sandbox")
HERMES = '<tool_call>{"name": "run_python", "arguments": {"code": "print(2)"}}</tool_call>'
ASK = [HumanMessage(content="go")]


def test_tool_calls_written_as_text_are_read_only_when_tools_are_offered(scripted) -> None:
    name, _ = scripted([HERMES, HERMES])
    context = Context.for_every_role(name)
    reply = call_model(Speaker.PROGRAMMER, ASK, context, tools=TOOLS)
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("run_python", {"code": "print(2)"})]
    assert call_model(Speaker.PROGRAMMER, ASK, context).tool_calls == []


def test_every_failure_is_one_error_naming_the_role_and_the_model(scripted) -> None:
    def down(messages):
        raise ConnectionError("endpoint down")

    name, _ = scripted(down)
    with pytest.raises(ModelCallError, match=rf"error_analyst model '{name}' failed: ConnectionError: endpoint down"):
        call_model(Speaker.ERROR_ANALYST, ASK, Context.for_every_role(name))
    with pytest.raises(ModelCallError, match=r"programmer model 'no-such-model' failed: UnknownModelError"):
        call_model(Speaker.PROGRAMMER, ASK, Context.for_every_role("no-such-model"))


def test_the_role_temperature_reaches_the_model(scripted, monkeypatch) -> None:
    from aiev.agents import model_call

    name, _ = scripted([AIMessage(content="a"), AIMessage(content="b")])
    asked: list[float] = []

    def recording(model_name: str, *, temperature: float, max_tokens: int, affinity: str | None):
        asked.append(temperature)
        return get_chat_model(model_name)

    monkeypatch.setattr(model_call, "get_chat_model", recording)
    context = Context.for_every_role(name, temperature=0.1, revision_temperature=0.9)
    call_model(Speaker.PROGRAMMER, ASK, context)
    call_model(Speaker.PROGRAMMER, ASK, context, revising=True)
    assert asked == [0.1, 0.9]


def test_no_module_calls_a_model_outside_the_one_path() -> None:
    # get_chat_model may be called elsewhere only to check a name up front (its result discarded); whoever
    # uses the model it returns is a second call path with its own error handling.
    offenders = []
    for path in sorted(path for package in PACKAGES for path in (REPO / package).rglob("*.py")):
        if path.relative_to(REPO).as_posix() in {"agents/models.py", "agents/model_call.py"}:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        checks = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        offenders += [
            f"{path.relative_to(REPO)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "get_chat_model"
            and id(node) not in checks
        ]
    assert offenders == []


def test_servers_keep_the_special_tokens_only_for_models_that_write_them(monkeypatch, tmp_path: Path) -> None:
    payload = get_chat_model("vllm-local", max_tokens=5)._get_request_payload([("user", "x")])
    assert payload["extra_body"] == {"max_tokens": 5}  # an instruct model's server keeps its defaults
    student = get_chat_model("student", max_tokens=5)._get_request_payload([("user", "x")])
    assert student["extra_body"]["skip_special_tokens"] is False
    # An embedded model that writes them is served with --special instead (tests/training/test_student_gguf.py).
    models = tmp_path / "models.yaml"
    gguf = {"parts": ["p"], "version": "1.0", "size": 1, "sha256": "0" * 64}
    entry = {"provider": "llama_cpp", "model": "m", "gguf": gguf, "special_tokens": True}
    models.write_text(yaml.safe_dump({"models": {"m": entry}}))
    assert load_model_specs(models)["m"].special_tokens is True
