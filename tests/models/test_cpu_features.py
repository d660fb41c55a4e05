"""Which instruction sets a llama.cpp build uses against the ones the kernel enables (the doctor's first check) and
the portable build's CMake options (scripts/llama_cpp_wheel.py)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aiev.agents.local_model.cpu_features import build_features, kernel_flags, unusable

AMX_BUILD = (
    "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | AVX512 = 1 | AMX_INT8 = 1 | OPENMP = 1 |"
)
SCRIPT = Path(__file__).parents[2] / "scripts" / "llama_cpp_wheel.py"


def test_system_info_features_are_the_ones_set_to_1() -> None:
    assert build_features("CPU : AVX = 1 | AVX2 = 0 | REPACK = 1 |") == {"AVX", "REPACK"}


def test_amx_in_the_build_without_amx_in_the_kernel_is_unusable() -> None:
    """The AMX machine's case: CPUID reports AMX, the kernel's flags do not (no tile state for processes)."""
    flags = {"avx", "avx2", "f16c", "fma", "bmi2", "avx512f", "avx512bw", "avx512dq", "avx512vl"}
    assert unusable(AMX_BUILD, flags) == ["AMX_INT8"]
    assert unusable(AMX_BUILD, flags | {"amx_int8"}) == []
    assert unusable(AMX_BUILD, {"avx", "avx2", "f16c", "fma", "bmi2"}) == ["AVX512", "AMX_INT8"]


def test_kernel_flags_read_the_flags_line(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f\nbugs\t\t: none\n")
    assert kernel_flags(cpuinfo) == {"fpu", "avx2", "avx512f"}
    assert kernel_flags(tmp_path / "absent") == set()


def _script():
    spec = importlib.util.spec_from_file_location("llama_cpp_wheel", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_portable_options_never_enable_native_or_amx_and_follow_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    script = _script()
    monkeypatch.setattr(script.platform, "machine", lambda: "x86_64")  # the list is x86-64's
    v3 = {"avx", "avx2", "fma", "f16c", "bmi2"}
    plain = script.portable_options(v3 | {"amx_tile", "amx_int8"})
    assert "-DGGML_NATIVE=OFF" in plain and "-DGGML_AMX_INT8=OFF" in plain and "-DGGML_AVX2=ON" in plain
    assert not any(option.startswith("-DGGML_AVX512") and option.endswith("=ON") for option in plain)
    wide = script.portable_options(v3 | {"avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni"})
    assert "-DGGML_AVX512=ON" in wide and "-DGGML_AVX512_VNNI=ON" in wide and "-DGGML_AVX512_BF16=ON" not in wide
    partial = script.portable_options(v3 | {"avx512f"})  # no BW/DQ/VL: ggml's AVX512 kernels would fault
    assert "-DGGML_AVX512=ON" not in partial
    with pytest.raises(SystemExit, match="lacks avx2"):
        script.portable_options({"avx", "fma", "f16c", "bmi2"})
    # Different flag lists never share a wheel directory, nor do native builds for CPUs the compiler sees differently.
    assert script.wheel_dir("portable", plain) != script.wheel_dir("portable", wide)
    native = script.wheel_dir("native", ["-DGGML_NATIVE=ON"])
    monkeypatch.setattr(script, "native_target", lambda: "-march=sapphirerapids -mamx-tile [enabled]")
    assert script.wheel_dir("native", ["-DGGML_NATIVE=ON"]) != native


AMX_MNEMONICS = re.compile(
    r"\s(tilezero|tileloadd|tileloaddt1|tilestored|ldtilecfg|sttilecfg|tilerelease|tdpb[su][su]d|tdpbf16ps)\s"
)


@pytest.fixture(scope="module")
def installed_build(local_model_spec) -> Path:
    """The installed llama.cpp CPU library (the build `make setup` made); the fixture it uses skips, or fails in
    CI, where llama-cpp-python is missing."""
    spec = importlib.util.find_spec("llama_cpp")
    assert spec is not None and spec.origin is not None
    library = Path(spec.origin).parent / "lib" / "libggml-cpu.so"
    assert library.exists(), library
    return library


@pytest.mark.model
@pytest.mark.parametrize("build", ["bindings", "llama-server"])
def test_the_installed_builds_hold_no_amx_instruction(build: str, installed_build: Path) -> None:
    """Proof by disassembly, not by flags: neither portable build (the bindings' ggml library, the statically linked
    ``llama-server`` that serves the models) can execute ``tilezero`` on any machine."""
    from aiev.agents.local_model.server import server_binary

    binary = installed_build if build == "bindings" else server_binary()
    listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(binary)], check=True,
                             capture_output=True, text=True).stdout  # fmt: skip
    assert "vpaddd" in listing  # the disassembly is real: ggml's integer dot products are in it
    assert AMX_MNEMONICS.findall(listing) == []


@pytest.mark.model
def test_doctor_finds_the_installed_build_fits_this_machine(installed_build: Path) -> None:
    from aiev.agents.local_model.doctor import runtime_report

    report = runtime_report()
    assert report.llama_cpp_version == "0.3.36"
    assert {"AVX2", "FMA"} <= set(report.build_features) and "AMX_INT8" not in report.build_features
    assert report.unusable == [] and report.ok
