"""Generation speed of the embedded model: the portable llama.cpp build against a native one, aiev's client path
against the portable build in-process, and aggregate tokens/s with 1, 2, 4 and 8 requests in flight, all in one run.

Two questions, one run. (1) What does the portable build (``scripts/llama_cpp_wheel.py``: explicit instruction sets,
no ``-march=native``, no AMX) cost against llama.cpp's default native build on this machine? Target: >= 0.9x. A native
build that dies here (SIGILL on a VM that reports AMX) is reported as such: that is why the portable one exists.
(2) What does aiev's indirection (ChatOpenAI -> llama.cpp server in a child process) cost against calling the portable
build in-process? Target: >= 0.95x.

Each build runs in a worker process of its own (two builds of one library cannot share a process), loaded once and
asked for one generation at a time; the paths are interleaved round by round so that machine noise hits all of them.
Same GGUF, prompt, max_tokens, greedy decoding and threads everywhere.

(3) Concurrency: what N dialogues in flight get from the server. At each level N, N different requests are sent at
once and the aggregate rate is all their completion tokens over the wall time until the last one ends. aiev's server
(llama.cpp's ``llama-server``, the model entry's ``parallel`` slots, continuous batching) is measured against
llama-cpp-python's server (one request at a time, the engine aiev used before), levels and engines interleaved
round by round. Target: >= 2.5x one request's rate at 4 in flight, same model, same run. ``--vllm NAME`` adds a
``vllm_cpu`` entry of the models file (vLLM's CPU build, which aiev installs in an environment of its own and starts
itself) as a third engine, serving the same model's weights dequantized from the same GGUF (bf16), so that the engine
is chosen by measurement: a batch costs vLLM little more than one sequence, but every sequence reads bf16 weights,
about 2.5 times the bytes of llama.cpp's quantized ones (files of 0.99 vs 0.49 GB).

Usage: python bench/local_model_tps.py [--model local-qwen-0.5b] [--max-tokens 128] [--rounds 5]
       [--concurrency 1,2,4,8] [--concurrency-rounds 3] [--no-native] [--no-bindings-server]
       [--vllm vllm-cpu-0.5b]
The native wheel is built once (about 6 minutes on 2 cores) and cached by scripts/llama_cpp_wheel.py.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from langchain_openai import ChatOpenAI

from aiev.agents.local_model.cache import is_installed, model_file
from aiev.agents.local_model.process import free_port
from aiev.agents.local_model.server import LocalServer, ensure_server, stop_all
from aiev.agents.model_specs import LlamaCppSpec, VllmCpuSpec, load_model_specs
from aiev.agents.models import get_chat_model

SYSTEM = "You are a Python programmer. Reply with code only."
USER = "Write a Python class implementing a binary search tree with insert, delete, search and in-order traversal."
# Concurrent requests ask for different programs, so no slot answers from another one's cached prompt.
TASKS = [
    "a binary search tree with insert, delete, search and in-order traversal",
    "an LRU cache with get and put in O(1)",
    "a min-heap priority queue with push, pop and peek",
    "a trie with insert, search and prefix listing",
    "a union-find structure with path compression and union by rank",
    "a circular buffer with append, pop and iteration",
    "an interval tree with insert and overlap queries",
    "a graph class with BFS, DFS and topological sort",
]
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "llama_cpp_wheel.py"
# Loads one build (from the directory first on sys.path, or the installed one), then answers "go" lines with one
# timed generation each, as a JSON line.
WORKER = """
import json, sys, time
if sys.argv[1]:
    sys.path.insert(0, sys.argv[1])
from llama_cpp import Llama
model = Llama(model_path=sys.argv[2], n_ctx=int(sys.argv[3]), n_threads=int(sys.argv[4]),
              n_threads_batch=int(sys.argv[4]), verbose=False)
messages = json.loads(sys.argv[5])
for line in sys.stdin:
    start = time.perf_counter()
    out = model.create_chat_completion(messages=messages, max_tokens=int(sys.argv[6]), temperature=0.0)
    print(json.dumps([out["usage"]["completion_tokens"], time.perf_counter() - start]), flush=True)
"""


class Worker:
    """One build loaded in a child process; ``run`` is one generation, or None once the build has died."""

    def __init__(self, label: str, build_dir: str, args: list[str]) -> None:
        self.label = label
        self.death: str | None = None
        self.process = subprocess.Popen([sys.executable, "-c", WORKER, build_dir, *args], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip

    def run(self) -> tuple[int, float] | None:
        if self.death:
            return None
        try:
            self.process.stdin.write("go\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except BrokenPipeError:
            line = ""
        if line:
            count, seconds = json.loads(line)
            return count, seconds
        code = self.process.wait()
        self.death = f"died with {signal.Signals(-code).name}" if code < 0 else f"exited with status {code}"
        self.death += f": {self.process.stderr.read().strip()[-300:]}"
        return None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=30)


def unpacked(wheel: Path, into: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(into)
    return str(into)


class BindingsServer(LocalServer):
    """llama-cpp-python's own server (requests serialised behind a lock): the engine aiev served with before."""

    def command(self) -> list[str]:
        return [sys.executable, "-m", "llama_cpp.server", "--model", str(self.model_path), "--model_alias",
                self.alias, "--host", self.host, "--port", str(self.port), "--n_ctx", str(self.n_ctx), "--n_threads",
                str(self.threads), "--n_threads_batch", str(self.threads), "--interrupt_requests", "False"]  # fmt: skip


def in_flight(client: ChatOpenAI, count: int) -> tuple[int, float]:
    """``count`` different requests sent at once: their completion tokens and the wall time until the last ends."""
    prompts = [[("system", SYSTEM), ("user", f"Write a Python class implementing {task}.")] for task in TASKS[:count]]
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        replies = list(pool.map(client.invoke, prompts))
    return sum(reply.usage_metadata["output_tokens"] for reply in replies), time.perf_counter() - start


def concurrency(args: argparse.Namespace, spec: LlamaCppSpec, levels: list[int]) -> None:
    """Aggregate tokens/s per level and engine, interleaved round by round; prints the table and the ratios."""
    ours = ensure_server(args.model, spec)
    engines = {f"llama-server, {spec.parallel} slots (aiev)": ours.base_url}
    bindings = None
    if not args.no_bindings_server:
        bindings = BindingsServer(ours.model_path, alias=spec.model, n_ctx=spec.n_ctx, threads=spec.thread_count(),
                                  port=free_port()).start()  # fmt: skip
        engines["llama-cpp-python server"] = bindings.base_url
    if args.vllm:
        engines[f"vLLM CPU ({args.vllm}, bf16)"] = ensure_server(args.vllm, load_model_specs()[args.vllm]).base_url
    clients = {name: ChatOpenAI(base_url=url, api_key="none", model=spec.model, temperature=0.0,
                                max_tokens=args.max_tokens, timeout=600) for name, url in engines.items()}  # fmt: skip
    rates: dict[tuple[str, int], list[float]] = {(name, level): [] for name in engines for level in levels}
    try:
        for client in clients.values():
            in_flight(client, 1)  # warm-up
        for _ in range(args.concurrency_rounds):
            for level in levels:
                for name, client in clients.items():
                    tokens, seconds = in_flight(client, level)
                    rates[name, level].append(tokens / seconds)
    finally:
        if bindings is not None:
            bindings.stop()
    print(f"aggregate tok/s by requests in flight ({args.concurrency_rounds} rounds, median [min-max]):")
    print("  " + f"{'engine':38s}" + "".join(f"{level:>22d}" for level in levels))
    for name in engines:
        cells = []
        for level in levels:
            values = rates[name, level]
            cells.append(f"{statistics.median(values):8.1f} [{min(values):.1f}-{max(values):.1f}]")
        print(f"  {name:38s}" + "".join(f"{cell:>22s}" for cell in cells))
    for name in engines:
        one = statistics.median(rates[name, levels[0]])
        ratios = ", ".join(f"{level}: {statistics.median(rates[name, level]) / one:.2f}x" for level in levels[1:])
        print(f"  {name}: vs {levels[0]} in flight: {ratios}")
    if 4 in levels and levels[0] == 1:
        for name in engines:
            ratio = statistics.median(rates[name, 4]) / statistics.median(rates[name, 1])
            print(f"  ratio 4 in flight / 1, {name}: {ratio:.2f}x (target >= 2.5x) {'OK' if ratio >= 2.5 else 'BELOW'}")
    ours_name = next(iter(engines))
    for name in list(engines)[1:]:
        ratios = ", ".join(
            f"{level}: {statistics.median(rates[name, level]) / statistics.median(rates[ours_name, level]):.2f}x"
            for level in levels
        )
        print(f"  {name} / {ours_name}, same level: {ratios}")


def levels_of(text: str) -> list[int]:
    try:
        levels = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        levels = []
    if not levels or levels[0] < 1 or levels[-1] > len(TASKS):
        raise argparse.ArgumentTypeError(f"{text!r}: expected comma-separated counts from 1 to {len(TASKS)}")
    return levels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="local-qwen-0.5b")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-native", action="store_true", help="skip the native build (it takes minutes to build)")
    parser.add_argument("--concurrency", type=levels_of, default=[1, 2, 4, 8], help="requests in flight, e.g. 1,2,4,8")
    parser.add_argument("--concurrency-rounds", type=int, default=3)
    parser.add_argument("--no-bindings-server", action="store_true", help="measure aiev's llama-server alone")
    parser.add_argument(
        "--vllm",
        metavar="NAME",
        help="a vllm_cpu entry of the models file (e.g. vllm-cpu-0.5b, installed by `aiev models pull`): adds vLLM's "
        "CPU server to the concurrency table",
    )
    parser.add_argument(
        "--wheel",
        action="append",
        default=[],
        metavar="LABEL=PATH",
        help="another llama-cpp-python wheel to measure in-process beside them (e.g. an AVX2-only build)",
    )
    args = parser.parse_args()
    for extra in args.wheel:
        label, _, path = extra.partition("=")
        if not label or not Path(path).is_file():
            parser.error(f"--wheel {extra!r}: expected LABEL=PATH of a llama-cpp-python wheel file")
    if args.vllm and not isinstance(load_model_specs().get(args.vllm), VllmCpuSpec):
        parser.error(f"--vllm {args.vllm}: not a vllm_cpu entry of the models file")
    for name in ("rounds", "concurrency_rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} {getattr(args, name)}: expected at least 1")

    spec = load_model_specs()[args.model]
    if not isinstance(spec, LlamaCppSpec) or not is_installed(args.model, spec):
        print(
            f"error: {args.model} is not an installed embedded model; run: aiev models pull {args.model}",
            file=sys.stderr,
        )
        return 2
    threads = spec.thread_count()
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]
    gguf = model_file(args.model, spec)  # the pulled file, or the entry's own path (a trained student)
    common = [str(gguf), str(spec.n_ctx), str(threads), json.dumps(messages), str(args.max_tokens)]
    scratch = Path(tempfile.mkdtemp(prefix="aiev-tps-"))
    workers = [Worker("portable build in-process (installed)", "", common)]
    if not args.no_native:
        built = subprocess.run([sys.executable, str(SCRIPT), "build", "--variant", "native"], check=True,
                               capture_output=True, text=True)  # fmt: skip
        native = unpacked(Path(built.stdout.strip().splitlines()[-1]), scratch / "native")
        workers.append(Worker("native build in-process", native, common))
    for index, extra in enumerate(args.wheel):
        label, _, path = extra.partition("=")
        workers.append(Worker(f"{label} in-process", unpacked(Path(path), scratch / f"extra{index}"), common))
    client = get_chat_model(args.model, temperature=0.0, max_tokens=args.max_tokens)

    def via_aiev() -> tuple[int, float]:
        start = time.perf_counter()
        reply = client.invoke([("system", SYSTEM), ("user", USER)])
        return reply.usage_metadata["output_tokens"], time.perf_counter() - start

    paths = {"aiev (ChatOpenAI -> server, portable build)": via_aiev} | {w.label: w.run for w in workers}
    rates: dict[str, list[float]] = {name: [] for name in paths}
    tokens: dict[str, set[int]] = {name: set() for name in paths}
    try:
        for run in paths.values():
            run()  # warm-up: weights into the page cache, prompt caches filled
        for _ in range(args.rounds):
            for name, run in paths.items():
                measured = run()
                if measured:
                    count, seconds = measured
                    rates[name].append(count / seconds)
                    tokens[name].add(count)
    finally:
        stop_all()
        for worker in workers:
            worker.close()

    print(f"model {args.model}, max_tokens {args.max_tokens}, {threads} threads, {args.rounds} rounds (interleaved)")
    median = {name: statistics.median(values) for name, values in rates.items() if values}
    for name, values in rates.items():
        if values:
            spread = f"min {min(values):.2f} max {max(values):.2f}"
            print(f"  {name:46s} {median[name]:7.2f} tok/s median ({spread}; tokens per reply {sorted(tokens[name])})")
    for worker in workers:
        if worker.death:
            print(f"  {worker.label:46s} DID NOT RUN: {worker.death}")
    portable = median.get(workers[0].label)
    aiev = median.get("aiev (ChatOpenAI -> server, portable build)")
    if portable and aiev:
        ratio = aiev / portable
        print(
            f"  ratio aiev / portable in-process: {ratio:.3f}x (target >= 0.95x) {'OK' if ratio >= 0.95 else 'BELOW'}"
        )
    if not args.no_native and portable:
        native = median.get(workers[1].label)
        if native:
            ratio = portable / native
            print(
                f"  ratio portable / native build:    {ratio:.3f}x (target >= 0.9x) {'OK' if ratio >= 0.9 else 'BELOW'}"
            )
        else:
            print("  ratio portable / native build:    n/a: the native build cannot run on this machine")
    for worker in workers[1 if args.no_native else 2 :]:
        if portable and worker.label in median:
            print(f"  ratio {worker.label} / portable: {median[worker.label] / portable:.3f}x")
    try:
        concurrency(args, spec, args.concurrency)
    finally:
        stop_all()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
