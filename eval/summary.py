"""Figures of one mode over a set of tasks, computed from the latest result per sample.

A task counts toward pass@k only when all of its ``n`` samples are judged; a task with a sample still to
retry is reported as incomplete rather than scored on fewer samples, which would bias pass@k.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from pydantic import BaseModel

from .passk import mean_pass_at_k
from .results import SampleResult

KS = (1, 10, 100)


class EvalSummary(BaseModel):
    benchmark: str
    model: str
    mode: str
    samples: int  # n per task
    hide_examples: bool = False  # measured on the prompts without their examples (``hidden_examples``)
    tasks: int  # tasks asked for
    evaluated: int  # executable tasks with every sample judged
    unsupported: int  # tasks in a language the sandbox does not execute
    incomplete: int  # tasks with a sample to retry (model or sandbox failure)
    pass_at: dict[str, float]  # k -> pass@k over evaluated tasks, for k <= samples
    solved: int  # evaluated tasks with at least one passing sample
    mean_rounds: float  # executions per sample inside the mode (codergen), 0 for plain
    rounds_histogram: dict[str, int]
    ran: int = 0  # samples judged by the call that produced this summary
    wall_s: float = 0.0
    first_error: str | None = None

    @property
    def pass_at_1(self) -> float:
        return self.pass_at["1"]


def summarize(
    results: Iterable[SampleResult],
    task_ids: list[str],
    *,
    benchmark: str,
    model: str,
    mode: str,
    samples: int,
    hide_examples: bool = False,
) -> EvalSummary:
    wanted = set(task_ids)
    by_task: dict[str, list[SampleResult]] = defaultdict(list)
    for result in results:
        if result.mode == mode and result.task_id in wanted:
            by_task[result.task_id].append(result)
    unsupported = sum(1 for rows in by_task.values() if any(r.status == "unsupported" for r in rows))
    retry = [r for rows in by_task.values() for r in rows if r.status == "retry"]
    judged = {
        task: rows for task, rows in by_task.items() if sum(r.status in ("passed", "failed") for r in rows) == samples
    }
    counts = [(samples, sum(r.status == "passed" for r in rows)) for rows in judged.values()]
    rounds = [r.rounds for rows in judged.values() for r in rows]
    return EvalSummary(
        benchmark=benchmark,
        model=model,
        mode=mode,
        samples=samples,
        hide_examples=hide_examples,
        tasks=len(wanted),
        evaluated=len(judged),
        unsupported=unsupported,
        incomplete=len(wanted) - len(judged) - unsupported,
        pass_at={str(k): mean_pass_at_k(counts, k) for k in KS if k <= samples},
        solved=sum(1 for _, c in counts if c > 0),
        mean_rounds=sum(rounds) / len(rounds) if rounds else 0.0,
        rounds_histogram={str(k): v for k, v in sorted(Counter(rounds).items())},
        first_error=retry[0].feedback if retry else None,
    )
