"""Does the test writer's second draw still copy the tests it was asked to rewrite? Replayed on finished runs.

A test writer asked to rewrite refused or blamed tests that resends them is drawn once more at the candidate
temperature (``agents/test_writer.py``). In finished AIEV-Instruct runs, every test-writer turn marked ``resampled``
whose text is the earlier reply's verbatim is a round lost to a copy. This bench puts each such moment through
today's test writer node, with the run's transcript up to that turn: the greedy reply, and when it resends the tests,
the second draw, as a dialogue would. It counts the turns that are the copied tests again, new tests, or no tests.

A yield draw is the measure of what the change buys in verified samples; this is the cheap check, on the runs that
showed the copies, that the change does what it is for on the real model.

Usage: python bench/test_writer_redraw.py RUN_DIR [RUN_DIR ...] [--model local-qwen-0.5b] [--tries 2]
       [--limit 8] [--max-tokens 768] [--temperature 0.7]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from langchain_core.messages import AnyMessage, messages_from_dict
from langgraph.runtime import Runtime

from aiev.agents import test_writer
from aiev.agents.context import Context
from aiev.agents.dialogue import Speaker, speaker_of
from aiev.agents.parsing import extract_tests


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="aiev generate output directories (results.jsonl)")
    parser.add_argument("--model", default="local-qwen-0.5b", help="the test writer's model")
    parser.add_argument("--tries", type=int, default=2, help="test-writer turns asked for each copy found")
    parser.add_argument("--limit", type=int, default=8, help="copies replayed at most (in the runs' order)")
    parser.add_argument("--max-tokens", type=int, default=768)
    parser.add_argument("--temperature", type=float, default=0.7, help="the second draw's (candidate) temperature")
    args = parser.parse_args(argv)
    for run in args.runs:
        if not (run / "results.jsonl").is_file():
            parser.error(f"{run} has no results.jsonl: give aiev generate output directories")
    for name in ("tries", "limit"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} {getattr(args, name)}: expected at least 1")
    return args


def copies(runs: list[Path]) -> Iterator[tuple[str, list[AnyMessage], str]]:
    """(seed source, the transcript before the turn, the tests it copied) for each second draw that was a copy."""
    for run in runs:
        for line in (run / "results.jsonl").read_text().splitlines():
            record = json.loads(line)
            messages = messages_from_dict(record["messages"])
            earlier = None
            for index, message in enumerate(messages):
                if speaker_of(message) is not Speaker.TEST_WRITER:
                    continue
                if message.additional_kwargs.get("resampled") and earlier is not None and message.content == earlier:
                    tests = extract_tests(str(earlier), None, None)
                    if tests:
                        yield f"{run.name}/{record['seed']['source']}", messages[:index], tests
                earlier = message.content


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    context = Context.from_mapping(
        {"test_writer_model": args.model, "max_tokens": args.max_tokens, "candidate_temperature": args.temperature}
    )
    runtime = Runtime(context=context)
    counts: Counter[str] = Counter()
    for number, (name, shown, tests) in enumerate(copies(args.runs)):
        if number == args.limit:
            break
        counts["copies"] += 1
        for _ in range(args.tries):
            update = test_writer.node({"messages": shown, "tests": tests}, runtime)
            written = update.get("tests") or None
            kind = "the copy again" if written == tests else "no tests" if written is None else "new tests"
            counts[kind] += 1
            print(f"{name}: {kind}", flush=True)
    turns = counts["copies"] * args.tries
    print(
        f"copies replayed {counts['copies']}, turns {turns}: the copy again {counts['the copy again']}, "
        f"new tests {counts['new tests']}, no tests {counts['no tests']}"
    )


if __name__ == "__main__":
    main()
