"""Run statistics of a generation run and their HTML rendering.

Computed from the results log alone (the last record per seed), so the figures of a resumed run cover
every seed of the output directory, not just the ones finished by the latest invocation.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

from .durable import atomic_write_text


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
        "mean_rounds": sum(r["rounds"] for r in records) / len(records) if records else 0.0,
        "blamed_tests": sum(len(r.get("blamed_tests", [])) for r in records),
        "vacuous_test_rounds": sum(
            1 for r in records for e in r.get("executions", []) if e.get("skipped") == "vacuous_tests"
        ),
        "tokens": {"input": tokens.get("input_tokens", 0), "output": tokens.get("output_tokens", 0)},
        "time": {
            "seed_seconds_total": round(seed_seconds, 3),
            "mean_seconds_per_seed": round(seed_seconds / len(records), 3) if records else 0.0,
            "wall_seconds_last_run": round(wall_s, 3),
        },
    }


def write_stats(out: Path, stats: dict[str, Any]) -> None:
    atomic_write_text(out / "stats.json", json.dumps(stats, indent=2) + "\n")
    atomic_write_text(out / "report.html", render_html(stats))


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _charts(stats: dict[str, Any]) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")  # headless: report generation must work without a display
    from matplotlib import pyplot as plt

    charts = []
    figure, axis = plt.subplots(figsize=(5, 3))
    rounds = stats["rounds_to_pass"]
    axis.bar([int(k) for k in rounds], list(rounds.values()), color="#2a9d8f")
    axis.set_xlabel("rounds to pass")
    axis.set_ylabel("samples")
    axis.set_title("Rounds to pass")
    charts.append(("Rounds to pass", _png(figure)))
    plt.close(figure)

    outcomes = {"passed": stats["passed"], **stats["discard_reasons"]}
    figure, axis = plt.subplots(figsize=(5, 3))
    axis.bar(list(outcomes), list(outcomes.values()), color=["#2a9d8f"] + ["#e76f51"] * (len(outcomes) - 1))
    axis.set_ylabel("seeds")
    axis.set_title("Outcomes")
    charts.append(("Outcomes", _png(figure)))
    plt.close(figure)
    return charts


def render_html(stats: dict[str, Any]) -> str:
    rows = [
        ("seeds", stats["seeds"]),
        ("passed", stats["passed"]),
        ("discarded", stats["discarded"]),
        ("pass rate", f"{stats['pass_rate']:.1%}"),
        ("multi-round share of samples", f"{stats['multi_round_share']:.1%}"),
        ("mean rounds", f"{stats['mean_rounds']:.2f}"),
        ("tests blamed by the analyst", stats["blamed_tests"]),
        ("rounds whose tests were refused as vacuous", stats["vacuous_test_rounds"]),
        ("tokens in / out", f"{stats['tokens']['input']} / {stats['tokens']['output']}"),
        ("seed seconds (total)", stats["time"]["seed_seconds_total"]),
        ("wall seconds (last run)", stats["time"]["wall_seconds_last_run"]),
    ]
    table = "\n".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    images = "\n".join(
        f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,{data}"></figure>'
        for title, data in _charts(stats)
    )
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>AIEV-Instruct run</title>'
        "<style>body{font-family:sans-serif;margin:2em}th{text-align:left;padding-right:2em}</style></head>\n"
        f"<body><h1>AIEV-Instruct run</h1>\n<table>\n{table}\n</table>\n{images}\n</body></html>\n"
    )
