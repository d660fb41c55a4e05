"""Generation speed of the embedded model through aiev's client vs llama-cpp-python called in-process.

aiev reaches the embedded model over HTTP (ChatOpenAI -> llama.cpp server in a child process) so that it
is interchangeable with vLLM or OpenAI. This measures what that indirection costs: same GGUF, same prompt,
same max_tokens, greedy decoding, same threads, measured in the same run with the two paths interleaved so
that machine noise hits both. Target: aiev path >= 0.95x the in-process tokens/s.

Usage: python bench/local_model_tps.py [--model local-qwen-0.5b] [--max-tokens 128] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from llama_cpp import Llama

from aiev.agents.local_model.cache import gguf_path, is_installed
from aiev.agents.local_model.server import stop_all
from aiev.agents.model_specs import LlamaCppSpec, load_model_specs
from aiev.agents.models import get_chat_model

SYSTEM = "You are a Python programmer. Reply with code only."
USER = "Write a Python class implementing a binary search tree with insert, delete, search and in-order traversal."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="local-qwen-0.5b")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    spec = load_model_specs()[args.model]
    if not isinstance(spec, LlamaCppSpec) or not is_installed(args.model, spec):
        hint = f"aiev models pull {args.model}"
        print(f"error: {args.model} is not an installed embedded model; run: {hint}", file=sys.stderr)
        return 2

    client = get_chat_model(args.model, temperature=0.0, max_tokens=args.max_tokens)
    direct = Llama(
        model_path=str(gguf_path(args.model)), n_ctx=spec.n_ctx, n_threads=spec.thread_count(),
        n_threads_batch=spec.thread_count(), verbose=False,
    )  # fmt: skip
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]

    def via_aiev() -> tuple[int, float]:
        start = time.perf_counter()
        reply = client.invoke([("system", SYSTEM), ("user", USER)])
        return reply.usage_metadata["output_tokens"], time.perf_counter() - start

    def in_process() -> tuple[int, float]:
        start = time.perf_counter()
        out = direct.create_chat_completion(messages=messages, max_tokens=args.max_tokens, temperature=0.0)
        return out["usage"]["completion_tokens"], time.perf_counter() - start

    try:
        via_aiev(), in_process()  # warm-up: load weights into the page cache, fill the prompt cache on both sides
        rates: dict[str, list[float]] = {"aiev (ChatOpenAI -> server)": [], "llama-cpp-python in-process": []}
        tokens: dict[str, set[int]] = {name: set() for name in rates}
        for _ in range(args.rounds):
            for name, run in zip(rates, (via_aiev, in_process)):
                count, seconds = run()
                rates[name].append(count / seconds)
                tokens[name].add(count)
    finally:
        stop_all()

    print(f"model {args.model}, max_tokens {args.max_tokens}, {spec.thread_count()} threads, {args.rounds} rounds")
    for name, values in rates.items():
        print(f"  {name:32s} {statistics.median(values):7.2f} tok/s (median; tokens per reply {sorted(tokens[name])})")
    aiev_rate, direct_rate = (statistics.median(v) for v in rates.values())
    ratio = aiev_rate / direct_rate
    print(f"  ratio aiev / in-process: {ratio:.3f}x (target >= 0.95x) {'OK' if ratio >= 0.95 else 'BELOW TARGET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
