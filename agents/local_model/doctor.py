"""Does the embedded runtime work on this machine? Two checks that name the fault before a long run hits it.

``runtime_report`` compares the instruction sets the installed llama.cpp build was compiled for with those the kernel
enables here (a build made on another CPU, or with ``-march=native`` on a VM that reports AMX, dies with SIGILL on the
first generation); ``check_model`` starts the model's server and generates one token, which is where such a build
dies: answering ``/v1/models`` only proves the weights loaded.
"""

from __future__ import annotations

import time
from importlib import metadata

from pydantic import BaseModel

from ..model_specs import LlamaCppSpec, VllmCpuSpec
from .cpu_features import ALL, build_features, kernel_flags, unusable
from .server import REBUILD, server_for


class RuntimeReport(BaseModel):
    """The installed llama.cpp build against this machine's CPU."""

    llama_cpp_version: str | None  # None: llama-cpp-python is not installed
    build_features: list[str]
    kernel_flags: list[str]  # the instruction-set flags of ALL that the kernel enables
    unusable: list[str]  # features the build uses that the kernel does not enable: a crash on first use

    @property
    def ok(self) -> bool:
        return self.llama_cpp_version is not None and not self.unusable

    def problem(self) -> str | None:
        if self.llama_cpp_version is None:
            return f"llama-cpp-python is not installed: {REBUILD}"
        if self.unusable:
            return (
                f"the llama.cpp build uses {', '.join(self.unusable)}, which this CPU's kernel does not enable: "
                f"{REBUILD}"
            )
        return None


def runtime_report() -> RuntimeReport:
    flags = kernel_flags()
    relevant = sorted(flags & {isa.kernel_flag for isa in ALL})
    try:
        version = metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        return RuntimeReport(llama_cpp_version=None, build_features=[], kernel_flags=relevant, unusable=[])
    import llama_cpp  # loads the shared library: only after we know it is installed

    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    return RuntimeReport(
        llama_cpp_version=version, build_features=sorted(build_features(info)), kernel_flags=relevant,
        unusable=unusable(info, flags),
    )  # fmt: skip


def check_model(name: str, spec: LlamaCppSpec | VllmCpuSpec) -> float:
    """Start ``name``'s server, generate one token, stop it; returns the seconds it took. Raises ``ServerError``
    (``ServerCrashed`` with the signal and the fix) when the model cannot generate here."""
    started = time.monotonic()
    with server_for(name, spec) as server:
        server.check_generation()
    return time.monotonic() - started
