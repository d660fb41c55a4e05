"""Which of a round's candidates to trust when the tests are the test writer's: CodeT's question, asked of one CoderGen
round on HumanEval with the examples hidden, every candidate judged by the hidden tests.

Why: with the examples hidden, CoderGen's tests are its test writer's, and in session 12 36 of 40 tasks ran to the
last round (their tests never passed) at ~30x plain's time, for +2 tasks. Whether the loop should follow its tests,
the candidates' agreement, or stop when candidates agree is a question about one round's data, and this bench
collects it: for each task, CoderGen's own first round up to its execution (the task, the greedy first answer, the
test writer's tests: the graph itself, interrupted before ``execute``), then ``--candidates N`` - 1 more answers
sampled as ``execute`` samples them (``programmer.sample_others``), and for every candidate its run against the
generated tests (``execute.attempt``, test-quality check included), its values on their asserts
(``execute.assert_outputs``), and whether it passes the hidden tests. Unlike CoderGen, the others are sampled
even when the first answer passes, so every policy is judged on the same N candidates:

- ``greedy``: the first answer (plain mode's, when the server is deterministic);
- ``coder-gen``: the round's answer as CoderGen picks it (``candidates.choose``: the first, else the first other
  that passes, else the failed one dual agreement ranks first); the loop's later rounds are not run;
- ``codet``: dual agreement over every candidate that recorded values, passing or not (``agreement.best``);
- ``majority``: the candidate of the largest group with identical values (the lowest index among equals);
- ``oracle``: any candidate right: the ceiling of choosing.

It also prints, by the size of the largest group, how often that group is right and how often it fails the
generated tests: a large group that is right and fails the tests is a round whose tests are wrong, which the loop
then spends its later rounds fitting. Tests without an ``assert <expr> == <literal>`` give no values to compare (size
0), and tests refused before running (vacuous: the test writer's reply held no test of the function) are counted
apart: CoderGen asks the test writer again next round, which this one-round bench does not. Ground truth is the hidden
tests; no model sees them.

Every task is one line of ``<out>/<subset>/rounds.jsonl``, written when the task is done, so the same command
resumes (``--draw-seed`` repeats the subset; a rerun with other settings is refused). One run samples each task's
candidates once: a figure's spread is the binomial standard error over tasks, printed with it.

Usage: python bench/codergen_selection.py [--sample 40] [--draw-seed S] [--candidates 4] [--model local-qwen-0.5b]
       [--max-tokens 1024] [--candidate-temperature 0.7] [--sandbox auto|docker|local] [--concurrency 3]
       [--data HUMANEVAL.jsonl] [--out runs/bench/codergen_selection]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.runtime import Runtime

from aiev.agents import programmer
from aiev.agents.context import Context
from aiev.agents.model_call import new_dialogue
from aiev.eval import EvalInputError, EvalTask, load_benchmark
from aiev.eval.completion import candidate_program
from aiev.eval.hidden_examples import hide_examples
from aiev.eval.modes import task_statement
from aiev.eval.task_sample import sample_tasks
from aiev.graphs import agreement, assert_values, codergen, execute
from aiev.graphs.candidates import Attempt, answered, choose, others_may_pass, with_candidate
from aiev.graphs.durable import JsonlLog, atomic_write_text
from aiev.sandbox.engine import get_engine, unwind_on_sigterm

POLICIES = ("greedy", "coder-gen", "codet", "majority", "oracle")
# The settings a task's line depends on: a rerun with other values would mix incomparable lines.
PINNED = ("model", "candidates", "max_tokens", "candidate_temperature", "data")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=40, help="a random subset of N HumanEval tasks")
    parser.add_argument("--draw-seed", type=int, default=None, help="seed of the draw (default: random, printed)")
    parser.add_argument("--candidates", type=int, default=4, help="answers per task: the greedy one and N-1 sampled")
    parser.add_argument("--model", default="local-qwen-0.5b")
    parser.add_argument("--max-tokens", type=int, default=1024)
    parser.add_argument("--candidate-temperature", type=float, default=0.7)
    parser.add_argument("--sandbox", default="auto", choices=["auto", "docker", "local"])
    parser.add_argument("--concurrency", type=int, default=3, help="tasks in flight")
    parser.add_argument("--data", type=Path, default=None, help="HumanEval-layout JSONL (default: the bundled 164)")
    parser.add_argument("--out", type=Path, default=Path("runs/bench/codergen_selection"))
    args = parser.parse_args(argv)
    for name in ("sample", "concurrency"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    if args.candidates < 2:
        parser.error(f"--candidates must be at least 2 (there is nothing to choose among one), got {args.candidates}")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Measures every task of the draw not yet in the log, then prints and returns the figures of the whole log."""
    args = parse_args(argv)
    seed = args.draw_seed if args.draw_seed is not None else random.SystemRandom().randrange(2**31)
    try:  # a bad --data file or a --sample larger than the benchmark: one line naming it
        tasks, subset = sample_tasks(load_benchmark("humaneval", args.data), args.sample, seed)
    except EvalInputError as error:
        raise SystemExit(f"error: {error}") from None
    out = args.out / subset
    settings = {name: str(getattr(args, name)) for name in PINNED}
    _pin(out, settings)
    print(f"sample: {len(tasks)} tasks drawn with --draw-seed {seed} (give it again to resume); {out}")
    context = Context.for_every_role(
        args.model, sandbox=args.sandbox, max_rounds=1, max_tokens=args.max_tokens, candidates=args.candidates,
        candidate_temperature=args.candidate_temperature,
    )  # fmt: skip
    log = JsonlLog(out / "rounds.jsonl")
    done = {record["task_id"] for record in log.records()}
    todo = [task for task in tasks if task.task_id not in done]
    print(f"{len(done)} tasks already measured, {len(todo)} to go")
    with ThreadPoolExecutor(args.concurrency) as pool:
        futures = [pool.submit(measure_task, task, context) for task in todo]
        for finished, future in enumerate(as_completed(futures), len(done) + 1):
            record = future.result()
            log.append(record)
            right = sum(c["hidden"] for c in record["candidates"])
            print(
                f"[{finished}/{len(tasks)}] {record['task_id']}: {right}/{len(record['candidates'])} candidates right, "
                f"largest group {record['largest_group']}, {record['duration_s']:.0f} s",
                flush=True,
            )
    records = [record for record in log.records() if record["task_id"] in {task.task_id for task in tasks}]
    figures = summarize(records)
    figures["command"] = _command(args, seed)
    atomic_write_text(out / "figures.json", json.dumps(figures, indent=1) + "\n")
    print_figures(figures)
    return figures


def measure_task(task: EvalTask, context: Context) -> dict[str, Any]:
    """One task's round: the pre-execution state of CoderGen's graph, N candidates, each run, recorded and judged."""
    started = time.monotonic()
    task = hide_examples(task)
    context = replace(context, timeout_s=task.timeout())
    state = _before_execution(task, context)
    pool = [answered(state), *programmer.sample_others(state, Runtime(context=context))[0]]
    engine = get_engine(context.sandbox)
    attempts: dict[tuple[str, tuple[str, ...]], Attempt] = {}
    values: dict[tuple[str, tuple[str, ...]], agreement.Outputs | None] = {}
    rows = []
    for index, candidate in enumerate(pool):
        key = (candidate["solution"], tuple(candidate["setup"]))
        view = with_candidate(state, candidate)
        if key not in attempts:
            attempts[key] = execute.attempt(view, context, [a.record for a in attempts.values()])
            values[key] = execute.assert_outputs(view, context) if candidate["solution"] else None
        program = candidate_program(task, candidate["solution"] or None)
        judged = program is not None and engine.run(task.exec_request(program, None, candidate["setup"])).passed
        tried = attempts[key]
        rows.append({
            "index": index, "has_code": bool(candidate["solution"]), "passed_generated": tried.result.passed,
            "skipped": tried.record["skipped"], "tests_reached": tried.record["tests_reached"],
            "values": None if values[key] is None else {str(at): list(v) for at, v in values[key].items()},
            "hidden": bool(judged),
        })  # fmt: skip

    def run(view: dict[str, Any], _known: Sequence[dict[str, Any]]) -> Attempt:
        return attempts[_key(view)]  # every candidate has run: CoderGen's choice is looked up, not rerun

    first = run(with_candidate(state, pool[0]), ())
    choice = 0
    if others_may_pass(state, first):
        choice = choose(pool, state, first, run, lambda view: values[_key(view)]).index
    expected = assert_values.expected(state.get("tests", ""))
    outputs = {row["index"]: _outputs(row) for row in rows}
    return {
        "task_id": task.task_id, "tests": state.get("tests", ""), "asserts_with_values": len(expected),
        "tests_refused": first.record["skipped"] not in (None, "unchanged"), "candidates": rows,
        "choice": {
            "greedy": 0, "coder-gen": choice, "codet": agreement.best(outputs, expected) or 0,
            "majority": _majority(outputs), "oracle": next((r["index"] for r in rows if r["hidden"]), 0),
        },
        "largest_group": _largest_group(outputs) if expected else 0,
        "duration_s": round(time.monotonic() - started, 1),
    }  # fmt: skip


def _before_execution(task: EvalTask, context: Context) -> dict[str, Any]:
    """CoderGen's state when its first ``execute`` is about to run: the task as ``run_codergen`` poses it with its
    examples hidden, the greedy answer, the test writer's tests."""
    graph = codergen.build_graph(checkpointer=InMemorySaver())
    config = new_dialogue()
    inputs = {
        "task": task_statement(task), "user_tests": "", "tests_in_task": True, "entry_point": task.entry_point,
        "environment": task.setup,
    }  # fmt: skip
    graph.invoke(inputs, config, context=context, interrupt_before=["execute"])
    return dict(graph.get_state(config).values)


def _key(view: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return view["solution"], tuple(view["setup"])


def _outputs(row: dict[str, Any]) -> agreement.Outputs | None:
    return None if row["values"] is None else {int(at): tuple(v) for at, v in row["values"].items()}


def _largest_group(outputs: dict[int, agreement.Outputs | None]) -> int:
    return max(Counter(agreement.group_key(v) for v in outputs.values() if v is not None).values(), default=0)


def _majority(outputs: dict[int, agreement.Outputs | None]) -> int:
    """The lowest index of the largest group of candidates with identical recorded values (0 when none recorded)."""
    sizes = Counter(agreement.group_key(v) for v in outputs.values() if v is not None)
    ranked = [(-sizes[agreement.group_key(v)], index) for index, v in outputs.items() if v is not None]
    return min(ranked)[1] if ranked else 0


def summarize(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Each policy's pass rate over the tasks (with its standard error and its wins and losses against greedy), and
    the largest group's size against its correctness and its fate on the generated tests."""
    tasks = len(records)
    policies = {}
    for policy in POLICIES:
        right = [_chosen(record, policy)["hidden"] for record in records]
        greedy = [record["candidates"][0]["hidden"] for record in records]
        share = sum(right) / tasks if tasks else 0.0
        policies[policy] = {
            "right": sum(right), "share": share, "se": math.sqrt(share * (1 - share) / tasks) if tasks else 0.0,
            "won_vs_greedy": sum(r and not g for r, g in zip(right, greedy, strict=True)),
            "lost_vs_greedy": sum(g and not r for r, g in zip(right, greedy, strict=True)),
        }  # fmt: skip
    groups: dict[int, Counter[str]] = {}
    for record in records:
        majority = _chosen(record, "majority")
        tally = groups.setdefault(record["largest_group"], Counter())
        tally["tasks"] += 1
        tally["right"] += majority["hidden"]
        if record["tests_refused"]:
            tally["tests_refused"] += 1
            continue
        tally["fails_tests"] += not majority["passed_generated"]
        tally["right_and_fails_tests"] += majority["hidden"] and not majority["passed_generated"]
    wrong_tests = sum(
        not r["tests_refused"]
        and any(c["hidden"] for c in r["candidates"])
        and not any(c["hidden"] and c["passed_generated"] for c in r["candidates"])
        for r in records
    )
    return {
        "tasks": tasks, "candidates": max((len(r["candidates"]) for r in records), default=0),
        "policies": policies, "largest_group": {str(size): dict(groups[size]) for size in sorted(groups)},
        "tests_refused": sum(r["tests_refused"] for r in records),
        "right_candidate_fails_every_generated_test_run": wrong_tests,
        "seconds_per_task": sum(r["duration_s"] for r in records) / tasks if tasks else 0.0,
    }  # fmt: skip


def _chosen(record: dict[str, Any], policy: str) -> dict[str, Any]:
    return record["candidates"][record["choice"][policy]]


def print_figures(figures: dict[str, Any]) -> None:
    print(f"\n{figures['tasks']} tasks, {figures['candidates']} candidates each; hidden-test pass of the chosen one:")
    for policy, figure in figures["policies"].items():
        print(
            f"  {policy:9s} {figure['right']:3d} ({figure['share']:6.1%} +- {figure['se']:.1%} se)  "
            f"vs greedy: +{figure['won_vs_greedy']} -{figure['lost_vs_greedy']}"
        )
    print(
        "largest group of identical values (0: the tests have no assert with a value to compare): tasks, its "
        "candidate right, tests refused, of those that ran: fails them, right and fails them"
    )
    for size, tally in figures["largest_group"].items():
        print(
            f"  {size} of {figures['candidates']}: {tally.get('tasks', 0):3d} tasks, right {tally.get('right', 0)}, "
            f"refused {tally.get('tests_refused', 0)}, fails tests {tally.get('fails_tests', 0)}, right and fails "
            f"tests {tally.get('right_and_fails_tests', 0)}"
        )
    print(
        f"tests refused before running: {figures['tests_refused']}; tasks whose tests ran where a right candidate "
        f"exists but none passes them: {figures['right_candidate_fails_every_generated_test_run']}; "
        f"{figures['seconds_per_task']:.0f} s per task"
    )
    print(f"command: {figures['command']}")


def _pin(out: Path, settings: dict[str, str]) -> None:
    """Refuse to resume a directory measured with other settings; record them on first use."""
    path = out / "settings.json"
    if path.exists():
        earlier = json.loads(path.read_text())
        changed = [name for name in PINNED if earlier.get(name) != settings[name]]
        if changed:
            raise SystemExit(f"error: {out} was measured with other {', '.join(changed)}: use another --out")
        return
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(settings, indent=1) + "\n")


def _command(args: argparse.Namespace, seed: int) -> str:
    data = f" --data {args.data}" if args.data else ""
    return (
        f"python bench/codergen_selection.py --sample {args.sample} --draw-seed {seed} --candidates {args.candidates} "
        f"--model {args.model} --max-tokens {args.max_tokens} --candidate-temperature {args.candidate_temperature} "
        f"--sandbox {args.sandbox} --concurrency {args.concurrency}{data} --out {args.out}"
    )


if __name__ == "__main__":
    unwind_on_sigterm()  # a killed run removes its sandbox containers
    main()
