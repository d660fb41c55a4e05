"""Builds llama-cpp-python for an explicit instruction-set list and installs it, so the build runs on every machine
whose kernel enables those instructions, whatever else its CPU reports.

Why not pip's default build: llama.cpp's CMake turns on ``GGML_NATIVE`` (``-march=native``), which asks the *CPUID* of
the build machine. On this project's VMs the CPUID may report AMX tiles that the kernel never enabled for processes
(no ``amx_tile`` in ``/proc/cpuinfo``, no XCOMP permission): ggml then runs ``tilezero`` on the first generation and
the server dies with SIGILL. ggml's runtime-dispatched CPU variants (``GGML_CPU_ALL_VARIANTS``) pick the variant from
CPUID as well (``cpu-feats.cpp``: "FIXME: this does not check for OS support"), so they have the same fault. And pip
caches a wheel it built from the sdist under the sdist's name, not the flags: the next ``pip install`` on a machine of
another CPU reuses it.

So the build here: native detection off; the instruction sets are an explicit list (x86-64-v3 plus AVX-512
F/BW/DQ/VL, VNNI, BF16, VBMI where the kernel reports them, never AMX); the wheel is built without pip's cache into a
directory keyed by the flags and the Python tag, and installed from there with ``--no-index``. A machine whose kernel
lacks a flag of the list gets its own build (its key differs). ``aiev models doctor`` reads the installed build's
features (``llama_print_system_info``) and checks them against the kernel's flags.

The same flag list builds llama.cpp's own ``llama-server`` from the llama.cpp source vendored in the same sdist
(``server``): the bindings' server answers one request at a time, ``llama-server`` decodes its parallel slots in one
batch (continuous batching), which is what makes concurrent dialogues faster on a CPU.

Usage: python scripts/llama_cpp_wheel.py install [--python .venv/bin/python] [--constraints constraints.txt]
       python scripts/llama_cpp_wheel.py server                     (builds once, prints the llama-server path)
       python scripts/llama_cpp_wheel.py build --variant native      (prints the wheel path; for bench/)
Stdlib only: it runs before anything else is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

VERSION = "0.3.36"
OFF = ["GGML_NATIVE", "GGML_CPU_ALL_VARIANTS", "GGML_BACKEND_DL"]


def _cpu_features():
    """``agents/local_model/cpu_features.py`` (stdlib only), loaded by path: aiev is not installed yet."""
    path = Path(__file__).resolve().parents[1] / "agents" / "local_model" / "cpu_features.py"
    spec = importlib.util.spec_from_file_location("aiev_cpu_features", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # NamedTuple classes look their module up while being created
    spec.loader.exec_module(module)
    return module


features = _cpu_features()


def portable_options(flags: set[str]) -> list[str]:
    """The CMake options of the portable build for a machine whose kernel reports ``flags``: x86-64-v3, plus the
    AVX-512 group (and its extensions) when the kernel enables it, AMX never."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return ["-DGGML_NATIVE=OFF"]  # ggml's generic defaults for the architecture
    missing = [isa.kernel_flag for isa in features.BASELINE if isa.kernel_flag not in flags]
    if missing:
        raise SystemExit(f"this CPU lacks {', '.join(missing)}: llama.cpp's x86-64-v3 baseline cannot run here")
    chosen = list(features.BASELINE)
    if all(isa.kernel_flag in flags for isa in features.AVX512_GROUP):
        chosen += features.AVX512_GROUP + [isa for isa in features.AVX512_EXTRAS if isa.kernel_flag in flags]
    off = OFF + [isa.cmake_option for isa in features.NEVER]
    return [f"-D{isa.cmake_option}=ON" for isa in chosen if isa.cmake_option] + [f"-D{option}=OFF" for option in off]


def cmake_args(variant: str) -> list[str]:
    if variant == "native":
        return ["-DGGML_NATIVE=ON"]
    return portable_options(features.kernel_flags())


def native_target() -> str:
    """What ``-march=native`` means on this machine, as the compiler resolves it (from CPUID): a native build is only
    for machines where this text is the same, whatever its CMake arguments say."""
    try:
        return subprocess.run(["cc", "-march=native", "-Q", "--help=target"], capture_output=True, text=True,
                              check=True).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else platform.processor()


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aiev"


def wheel_dir(variant: str, args: list[str]) -> Path:
    """Where the wheel for these flags lives: never shared between different flag lists or Pythons, and a native
    build never between machines whose CPUs the compiler sees differently."""
    machine = [native_target()] if variant == "native" else []
    key = json.dumps([VERSION, sys.implementation.cache_tag, platform.machine(), args, *machine])
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return cache_dir() / "wheels" / f"llama-cpp-python-{VERSION}-{variant}-{digest}"


def server_dir(args: list[str]) -> Path:
    """Where ``llama-server`` for these flags lives (a static binary: no Python tag in the key)."""
    digest = hashlib.sha256(json.dumps([VERSION, platform.machine(), args]).encode()).hexdigest()[:12]
    return cache_dir() / "bin" / f"llama-server-{VERSION}-portable-{digest}"


def build_server() -> Path:
    """llama.cpp's ``llama-server``, built once per flag list from the sdist's vendored llama.cpp, statically linked
    (no libllama beside it to mismatch), without curl (models are local files)."""
    args = cmake_args("portable")
    directory = server_dir(args)
    binary = directory / "llama-server"
    if binary.exists() and (directory / "build.json").exists():
        return binary
    directory.mkdir(parents=True, exist_ok=True)
    print(f"[llama-cpp] building llama-server from llama-cpp-python {VERSION}: {' '.join(args)}", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="llama-server-", dir=directory.parent) as scratch:
        subprocess.run([sys.executable, "-m", "pip", "download", f"llama-cpp-python=={VERSION}", "--no-deps",
                        "--no-binary", ":all:", "--no-cache-dir", "-q", "-d", scratch], check=True)  # fmt: skip
        with tarfile.open(next(Path(scratch).glob("llama_cpp_python-*.tar.gz"))) as sdist:
            sdist.extractall(scratch, filter="data")
        source = next(Path(scratch).glob("llama_cpp_python-*/vendor/llama.cpp"))
        build = Path(scratch) / "build"
        cmake = shutil.which("cmake") or cmake_from_pypi(Path(scratch) / "cmake")
        options = ["-DBUILD_SHARED_LIBS=OFF", "-DLLAMA_CURL=OFF", "-DLLAMA_BUILD_TESTS=OFF",
                   "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_TOOLS=ON", "-DLLAMA_BUILD_SERVER=ON"]  # fmt: skip
        subprocess.run([cmake, "-S", str(source), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release", *options, *args],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        subprocess.run([cmake, "--build", str(build), "--target", "llama-server", "-j", str(os.cpu_count() or 2)],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        os.replace(next(build.rglob("bin/llama-server")), binary)
    record = {"version": VERSION, "cmake_args": args, "build_s": round(time.monotonic() - started)}
    (directory / "build.json").write_text(json.dumps(record, indent=2) + "\n")
    return binary


def build(variant: str) -> Path:
    """The wheel for ``variant``, built once per flag list (about 6 minutes on 2 cores)."""
    args = cmake_args(variant)
    directory = wheel_dir(variant, args)
    wheels = sorted(directory.glob("llama_cpp_python-*.whl"))
    if wheels and (directory / "build.json").exists():
        return wheels[0]
    directory.mkdir(parents=True, exist_ok=True)
    print(f"[llama-cpp] building llama-cpp-python {VERSION} ({variant}): {' '.join(args)}", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="llama-wheel-", dir=directory.parent) as scratch:
        env = os.environ | {"CMAKE_ARGS": " ".join(args), "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2)}
        command = [sys.executable, "-m", "pip", "wheel", f"llama-cpp-python=={VERSION}", "--no-deps", "--no-cache-dir",
                   "--no-binary", "llama-cpp-python", "-w", scratch]  # fmt: skip
        subprocess.run(command, env=env, check=True)
        built = next(Path(scratch).glob("llama_cpp_python-*.whl"))
        os.replace(built, directory / built.name)
    record = {"version": VERSION, "variant": variant, "cmake_args": args, "build_s": round(time.monotonic() - started),
              "kernel_flags": sorted(features.kernel_flags() & {isa.kernel_flag for isa in features.ALL})}  # fmt: skip
    (directory / "build.json").write_text(json.dumps(record, indent=2) + "\n")
    return directory / built.name


def cmake_from_pypi(target: Path) -> str:
    """CMake for a machine without one (pip's build of the wheel gets its own the same way): the PyPI wheel, unpacked
    into the build's scratch directory rather than any environment."""
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--only-binary", ":all:", "--target",
                    str(target), "cmake"], check=True)  # fmt: skip
    return str(next(target.glob("cmake/data/bin/cmake")))


def install(python: str, constraints: str | None) -> None:
    """Install the portable wheel into ``python``'s environment (never a cached native one), and the portable
    ``llama-server`` beside that Python, where ``agents/local_model/server.py`` looks for it."""
    wheel = build("portable")
    server = build_server()
    target = Path(python).parent / "llama-server"  # the venv's bin/, not the interpreter its python links to
    shutil.copy2(server, target.with_name(".llama-server.tmp"))
    os.replace(target.with_name(".llama-server.tmp"), target)
    # First the wheel itself from its own directory only, then its dependencies (pinned by the lock file).
    base = [python, "-m", "pip", "install", "-q"]
    subprocess.run([*base, "--no-index", "--no-deps", "--force-reinstall", str(wheel)], check=True)
    pinned = ["-c", constraints] if constraints else []
    subprocess.run(
        [*base, *pinned, "--find-links", str(wheel.parent), f"llama-cpp-python[server]=={VERSION}"], check=True
    )
    print(f"[llama-cpp] installed {wheel.name} ({wheel.parent}) and {target}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    install_cmd = sub.add_parser("install", help="build (once) and install the portable wheel")
    install_cmd.add_argument("--python", default=sys.executable, help="interpreter of the target environment")
    install_cmd.add_argument("--constraints", help="lock file that pins the wheel's dependencies")
    build_cmd = sub.add_parser("build", help="build (once) a wheel and print its path")
    build_cmd.add_argument("--variant", choices=["portable", "native"], default="portable")
    sub.add_parser("server", help="build (once) llama.cpp's llama-server portably and print its path")
    sub.add_parser("flags", help="print the portable build's CMake options for this machine")
    args = parser.parse_args()
    if args.command == "install":
        install(args.python, args.constraints)
    elif args.command == "build":
        print(build(args.variant))
    elif args.command == "server":
        print(build_server())
    else:
        print(" ".join(cmake_args("portable")))


if __name__ == "__main__":
    main()
