"""Which x86 instruction sets a llama.cpp build uses and which ones this machine lets a process run.

One table ties the three names an instruction set has: the kernel's flag in ``/proc/cpuinfo`` (what the OS enabled
for processes, unlike raw CPUID, which a VM may fill with features a process cannot use, AMX tiles for one), ggml's
CMake option (what ``scripts/llama_cpp_wheel.py`` builds with) and the name ``llama_print_system_info`` reports for a
build. Stdlib only: the build script loads this file before anything is installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple


class Isa(NamedTuple):
    kernel_flag: str
    cmake_option: str | None  # None: no option of its own (part of ggml's AVX512 group)
    reported_as: str | None  # the key in llama_print_system_info's "CPU : ... |" list


# x86-64-v3: every machine of this project's kinds has it; the portable build requires it.
BASELINE = [
    Isa("avx", "GGML_AVX", "AVX"),
    Isa("avx2", "GGML_AVX2", "AVX2"),
    Isa("fma", "GGML_FMA", "FMA"),
    Isa("f16c", "GGML_F16C", "F16C"),
    Isa("bmi2", "GGML_BMI2", "BMI2"),
]
# ggml's AVX512 kernels assume F, BW, DQ and VL together: the group is used only when the kernel enables all four.
AVX512_GROUP = [
    Isa("avx512f", "GGML_AVX512", "AVX512"),
    Isa("avx512bw", None, None),
    Isa("avx512dq", None, None),
    Isa("avx512vl", None, None),
]
AVX512_EXTRAS = [
    Isa("avx512_vnni", "GGML_AVX512_VNNI", "AVX512_VNNI"),
    Isa("avx512_bf16", "GGML_AVX512_BF16", "AVX512_BF16"),
    Isa("avx512vbmi", "GGML_AVX512_VBMI", "AVX512_VBMI"),
]
# Never built in: a VM may report AMX through CPUID without the kernel granting the tile state (SIGILL on tilezero).
NEVER = [
    Isa("amx_tile", "GGML_AMX_TILE", None),
    Isa("amx_int8", "GGML_AMX_INT8", "AMX_INT8"),
    Isa("amx_bf16", "GGML_AMX_BF16", None),
]
ALL = BASELINE + AVX512_GROUP + AVX512_EXTRAS + NEVER + [Isa("avx_vnni", "GGML_AVX_VNNI", "AVX_VNNI")]


def kernel_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The instruction-set flags the kernel enables for processes (empty where there is no ``/proc/cpuinfo``)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def build_features(system_info: str) -> set[str]:
    """The instruction sets a build was compiled for, from ``llama_print_system_info`` ("AVX2 = 1 | ...")."""
    features = set()
    for item in system_info.replace("CPU :", "|").split("|"):
        name, _, value = item.partition("=")
        if value.strip() == "1":
            features.add(name.strip())
    return features


def unusable(system_info: str, flags: set[str]) -> list[str]:
    """Instruction sets the build uses that the kernel does not enable here: each one is a SIGILL waiting to happen."""
    used = build_features(system_info)
    return [isa.reported_as for isa in ALL if isa.reported_as in used and isa.kernel_flag not in flags]
