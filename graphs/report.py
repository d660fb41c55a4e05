"""Run statistics of a generation run and the HTML report a person reads.

Computed from the results log alone (the last record per seed), so the figures of a resumed run cover
every seed of the output directory, not just the ones finished by the latest invocation. The report shows
what happened, not only how often: every dialogue (collapsed), every discard with its reason and last error,
and only charts that have data (``report_charts``). It is rendered from ``report.html.j2`` by Jinja2 with
autoescaping on, because dialogue text is untrusted model output.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from .durable import atomic_write_text
from .report_charts import charts
from .report_dialogues import dialogues

# Dialogues shown per section: a report of a 10,000-seed run must still open in a browser; the JSONL files keep all.
MAX_DIALOGUES_SHOWN = 200


def compute_stats(records: list[dict[str, Any]], wall_s: float) -> dict[str, Any]:
    passed = [r for r in records if r["status"] == "passed"]
    rounds_to_pass = Counter(r["rounds"] for r in passed)
    tokens = Counter()
    for record in records:
        tokens.update(record.get("tokens") or {})
    seed_seconds = sum(r.get("duration_s", 0.0) for r in records)
    return {
        "seeds": len(records),
        "passed": len(passed),
        "discarded": len(records) - len(passed),
        "pass_rate": len(passed) / len(records) if records else 0.0,
        "discard_reasons": dict(Counter(r["reason"] for r in records if r["status"] != "passed")),
        "rounds_to_pass": {str(k): v for k, v in sorted(rounds_to_pass.items())},
        "multi_round_share": sum(1 for r in passed if r["rounds"] > 1) / len(passed) if passed else 0.0,
        "revision_passes": _revision_passes(passed),
        "passed_against_seed": sum(1 for r in passed if passed_against_seed(r)),
        # verified samples whose tests never pass some optional parameter of their function (``parameter_coverage``)
        "passed_with_unexercised_parameters": sum(1 for r in passed if r.get("unexercised_parameters")),
        "mean_rounds": sum(r["rounds"] for r in records) / len(records) if records else 0.0,
        "blamed_tests": sum(len(r.get("blamed_tests", [])) for r in records),
        "vacuous_test_rounds": _rounds_skipped(records, "vacuous_tests"),
        "contradicting_test_rounds": _rounds_skipped(records, "tests_contradict_reference"),
        "problem_contradicting_test_rounds": _rounds_skipped(records, "tests_contradict_problem"),
        "unparsable_test_rounds": _rounds_skipped(records, "tests_unparsable"),
        # passes the seed's answers on further inputs overturned (``seed_gate``): the round failed on the case appended
        "seed_gate_failed_rounds": sum(
            1 for r in records for e in r.get("executions", []) if e.get("seed_gate_cases") and e["outcome"] != "passed"
        ),
        "tokens": {"input": tokens.get("input_tokens", 0), "output": tokens.get("output_tokens", 0)},
        "time": {
            "seed_seconds_total": round(seed_seconds, 3),
            "mean_seconds_per_seed": round(seed_seconds / len(records), 3) if records else 0.0,
            "wall_seconds_last_run": round(wall_s, 3),
        },
    }


def passed_against_seed(record: dict[str, Any]) -> bool:
    """Whether the tests a passed dialogue's solution passed also passed against its seed (``test_quality``'s
    ``reference_passed``): the others were checked only by the stand-ins and by the model that wrote them."""
    passing = [e for e in record.get("executions", []) if e.get("outcome") == "passed"]
    return bool(passing and (passing[-1].get("test_quality") or {}).get("reference_passed"))


def _revision_passes(passed: list[dict[str, Any]]) -> dict[str, int]:
    """The dialogues verified after their first round, by whose code passed: the programmer's turn, which revised with
    the dialogue in view, or another candidate of the round, drawn afresh from the task and the check that failed
    (``programmer.sample_others``)."""
    revised = [r for r in passed if r["rounds"] > 1]
    sampled = sum(1 for r in revised if r["executions"][-1].get("candidate"))
    return {"turn": len(revised) - sampled, "sampled": sampled}


def _rounds_skipped(records: list[dict[str, Any]], skipped: str) -> int:
    """Rounds whose solution was not run for ``skipped`` (an execution record's reason), over every dialogue."""
    return sum(1 for r in records for e in r.get("executions", []) if e.get("skipped") == skipped)


def write_stats(out: Path, stats: dict[str, Any], records: Sequence[dict[str, Any]]) -> None:
    atomic_write_text(out / "stats.json", json.dumps(stats, indent=2) + "\n")
    atomic_write_text(out / "report.html", render_html(stats, records))


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(resources.files(__package__).joinpath("report.html.j2").read_text("utf-8"))


def render_html(stats: dict[str, Any], records: Sequence[dict[str, Any]] = ()) -> str:
    """The report page: the figures table, the charts that have data, then each dialogue and each discard."""
    rows = [
        ("seeds", stats["seeds"]),
        ("passed", stats["passed"]),
        ("discarded", stats["discarded"]),
        ("pass rate", f"{stats['pass_rate']:.1%}"),
        ("multi-round share of samples", f"{stats['multi_round_share']:.1%}"),
        (
            "samples passed in a revision: by the programmer's turn / by a candidate drawn afresh",
            f"{stats['revision_passes']['turn']} / {stats['revision_passes']['sampled']}",
        ),
        ("samples whose tests also passed against the seed", stats["passed_against_seed"]),
        ("samples whose tests never pass an optional parameter", stats["passed_with_unexercised_parameters"]),
        ("mean rounds", f"{stats['mean_rounds']:.2f}"),
        ("tests blamed by the analyst", stats["blamed_tests"]),
        ("rounds whose tests were refused as vacuous", stats["vacuous_test_rounds"]),
        ("rounds whose tests contradicted the seed's code", stats["contradicting_test_rounds"]),
        ("rounds whose tests contradicted the problem's examples", stats["problem_contradicting_test_rounds"]),
        ("rounds whose tests were not Python", stats["unparsable_test_rounds"]),
        ("passes overturned by the seed's answers on further inputs", stats["seed_gate_failed_rounds"]),
        ("tokens in / out", f"{stats['tokens']['input']} / {stats['tokens']['output']}"),
        ("seed seconds (total)", stats["time"]["seed_seconds_total"]),
        ("wall seconds (last run)", stats["time"]["wall_seconds_last_run"]),
    ]
    passed = [r for r in records if r["status"] == "passed"][:MAX_DIALOGUES_SHOWN]
    discarded = [r for r in records if r["status"] != "passed"][:MAX_DIALOGUES_SHOWN]
    return _template().render(
        stats=stats, rows=rows, charts=charts(stats), passed=dialogues(passed), discarded=dialogues(discarded)
    )
