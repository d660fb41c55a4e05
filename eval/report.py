"""The human side of a run: a Rich table for the terminal and ``report.html`` (with plots) in the output directory.

Both are rebuilt from ``run.json`` and the results log, so after a resumed or multi-mode run they cover every
mode and every sample in the directory, not just what the last command did.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

from rich.table import Table

from ..graphs.durable import atomic_write_text
from .results import SampleResult, read_run
from .summary import EvalSummary, summarize


def directory_summaries(out: Path) -> list[EvalSummary]:
    """One summary per mode found in ``out``'s results log."""
    run, results = read_run(out)
    settings = run["settings"]
    summaries = []
    for mode in sorted({r.mode for r in results}):
        task_ids = sorted({r.task_id for r in results if r.mode == mode})
        summaries.append(
            summarize(
                results,
                task_ids,
                benchmark=settings["benchmark"],
                model=settings["model"],
                mode=mode,
                samples=settings["samples"],
                hide_examples=settings.get("hide_examples", False),  # runs logged before the setting: shown as is
            )
        )
    return summaries


def summary_table(summaries: list[EvalSummary]) -> Table:
    ks = sorted({k for s in summaries for k in s.pass_at}, key=int)
    title = f"{summaries[0].benchmark} · {summaries[0].model}" if summaries else "evaluation"
    table = Table(title=title + (" · examples hidden" if any(s.hide_examples for s in summaries) else ""))
    for column in ["mode", "tasks", *(f"pass@{k}" for k in ks), "solved", "mean rounds", "unsupported", "incomplete"]:
        table.add_column(column, justify="left" if column == "mode" else "right")
    for s in summaries:
        passes = [f"{s.pass_at[k]:.1%}" if k in s.pass_at else "-" for k in ks]
        table.add_row(
            s.mode,
            str(s.evaluated),
            *passes,
            str(s.solved),
            f"{s.mean_rounds:.2f}",
            str(s.unsupported),
            str(s.incomplete),
        )
    return table


def write_report(out: Path, measured: list[EvalSummary] = ()) -> list[EvalSummary]:
    """``summary.json`` and ``report.html`` for ``out``; returns the summaries it wrote.

    Scores are recomputed from every result in ``out`` (earlier runs included); ``measured`` are the summaries
    of the modes this invocation ran, which alone know their wall time and how many samples ran now.
    """
    run, results = read_run(out)
    timed = {s.mode: s for s in measured}
    summaries = [
        s.model_copy(update={"ran": timed[s.mode].ran, "wall_s": timed[s.mode].wall_s}) if s.mode in timed else s
        for s in directory_summaries(out)
    ]
    atomic_write_text(out / "summary.json", json.dumps([s.model_dump(mode="json") for s in summaries], indent=2) + "\n")
    atomic_write_text(out / "report.html", render_html(run, summaries, results))
    return summaries


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _charts(summaries: list[EvalSummary]) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")  # headless: reports are written on servers and in CI
    from matplotlib import pyplot as plt

    charts = []
    figure, axis = plt.subplots(figsize=(5, 3))
    axis.bar([s.mode for s in summaries], [100 * s.pass_at_1 for s in summaries], color="#2a9d8f")
    axis.set_ylabel("pass@1 (%)")
    axis.set_ylim(0, 100)
    axis.set_title("pass@1 per mode")
    charts.append(("pass@1 per mode", _png(figure)))
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(5, 3))
    width = 0.8 / max(len(summaries), 1)
    for index, s in enumerate(summaries):
        rounds = s.rounds_histogram
        axis.bar([int(k) + index * width for k in rounds], list(rounds.values()), width=width, label=s.mode)
    axis.set_xlabel("execution rounds used")
    axis.set_ylabel("samples")
    axis.set_title("Rounds used")
    axis.legend()
    charts.append(("Rounds used", _png(figure)))
    plt.close(figure)
    return charts


def render_html(run: dict, summaries: list[EvalSummary], results: list[SampleResult]) -> str:
    e = html.escape
    settings = run["settings"]
    head = "".join(
        f"<th>{e(c)}</th>" for c in ("mode", "tasks", "pass@k", "solved", "mean rounds", "unsupported", "incomplete")
    )
    rows = "\n".join(
        f"<tr><td>{e(s.mode)}</td><td>{s.evaluated}</td>"
        f"<td>{e(', '.join(f'pass@{k} {v:.1%}' for k, v in s.pass_at.items()))}</td>"
        f"<td>{s.solved}</td><td>{s.mean_rounds:.2f}</td><td>{s.unsupported}</td><td>{s.incomplete}</td></tr>"
        for s in summaries
    )
    prompt = run.get("prompt") or {}
    prompt_html = "".join(f"<h3>{e(m['role'])}</h3><pre>{e(m['content'])}</pre>" for m in prompt.get("messages", []))
    failures = [r for r in results if r.status == "failed"][:50]
    failure_rows = "\n".join(
        f"<tr><td>{e(r.mode)}</td><td>{e(r.task_id)}</td><td>{r.sample}</td><td>{e(r.outcome)}</td><td><pre>{e(r.feedback[-600:])}</pre></td></tr>"
        for r in failures
    )
    images = "\n".join(
        f'<figure><img alt="{e(t)}" src="data:image/png;base64,{d}"></figure>' for t, d in _charts(summaries)
    )
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>aiev eval</title>'
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 12px;text-align:left;vertical-align:top}"
        "pre{white-space:pre-wrap;background:#f6f6f6;padding:6px}</style></head>\n<body>\n"
        f"<h1>{e(settings['benchmark'])} · {e(settings['model'])}</h1>\n"
        f"<p>samples per task: {settings['samples']}, temperature: {settings['temperature']} "
        f"(codergen revisions: {_revision_temperature(settings)}), "
        f"max rounds (codergen): {settings['max_rounds']}, candidates per programmer turn (codergen): "
        f"{settings.get('candidates', 1)}, max tokens: {settings['max_tokens']}</p>\n"
        f"{_examples_note(settings)}"
        f"<table><tr>{head}</tr>\n{rows}\n</table>\n{images}\n"
        f"<h2>Plain-mode prompt (task {e(str(prompt.get('task_id', '-')))})</h2>\n{prompt_html}\n"
        f"<h2>Failed samples (first {len(failures)})</h2>\n<table><tr><th>mode</th><th>task</th><th>sample</th>"
        f"<th>outcome</th><th>hidden-test output</th></tr>\n{failure_rows}\n</table>\n</body></html>\n"
    )


def _examples_note(settings: dict) -> str:
    if not settings.get("hide_examples"):
        return ""
    return (
        "<p><strong>Examples hidden</strong> (--hide-examples): every prompt was shown without its examples, the "
        "statement alone; CoderGen's tests came from its test writer. The prompt below is as the model saw it.</p>\n"
    )


def _revision_temperature(settings: dict) -> float:
    """Runs logged before the setting existed have none: their revisions used ``temperature``."""
    value = settings.get("revision_temperature")
    return settings["temperature"] if value is None else value
