"""The run report a person reads (issue 13, point 6): dialogues, discards with their error, no empty charts.

The report is built from a real scripted-model run through the pipeline and the local sandbox: one seed passes
in round 1, one ('hard') never does and is discarded after 2 rounds. The programmer's replies carry a planted
``<script>``, since dialogue text is untrusted model output that the page must show, not run.
"""

from __future__ import annotations

import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fake_openai import adder_script
from PIL import Image

from aiev.agents.models import register_model, unregister_model
from aiev.agents.scripted import ScriptedChatModel
from aiev.graphs.pipeline import PipelineConfig, run_pipeline
from aiev.graphs.presets import resolve_context, role_overrides
from aiev.graphs.report import compute_stats, render_html
from aiev.graphs.report_charts import charts

PLANTED = "<script>document.body.setAttribute('data-pwned', 'yes')</script>"
MODEL = "report-adder"


def planting_script(messages) -> str:
    """``adder_script``, with the planted tag appended to every programmer reply (its system prompt names it)."""
    reply = adder_script(messages)
    return f"{reply}\n{PLANTED}" if "expert Python programmer" in messages[0].content else reply


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    seeds = tmp / "seeds.jsonl"
    seeds.write_text('{"id": "easy", "snippet": "x = 1"}\n{"id": "tough", "snippet": "hard = 2"}\n')
    register_model(MODEL, ScriptedChatModel(script=planting_script))
    try:
        context = resolve_context("teaching", overrides={**role_overrides(MODEL), "sandbox": "local", "max_rounds": 2})
        summary = run_pipeline(PipelineConfig(seeds=seeds, out=tmp / "out", context=context, progress=False))
    finally:
        unregister_model(MODEL)
    assert (summary.passed, summary.discarded) == (1, 1)
    return tmp / "out"


class _Outline(HTMLParser):
    """What a reader sees of the page's structure: <details> (and whether open), turn labels, <pre> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.details: list[tuple[str, bool]] = []  # (id, open)
        self.labels: dict[str, list[str]] = {}  # details id -> its turn labels (<h4>) in order
        self.pres: list[str] = []
        self._in: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "details":
            self.details.append((attributes["id"] or "", "open" in attributes))
            self.labels[self.details[-1][0]] = []
        if tag in ("h4", "pre"):
            self._in, self._text = tag, []

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in == "h4":
            self.labels[self.details[-1][0]].append("".join(self._text))
        elif tag == self._in == "pre":
            self.pres.append("".join(self._text))
        if tag == self._in:
            self._in = None


def outline(page: str) -> _Outline:
    parser = _Outline()
    parser.feed(page)
    return parser


def test_each_dialogue_is_collapsed_with_its_turns_labelled_by_speaker(run_dir: Path) -> None:
    page = outline((run_dir / "report.html").read_text())
    assert page.details == [("seed-easy", False), ("seed-tough", False)]
    assert page.labels["seed-easy"] == [
        "Questioner — problem",
        "Programmer — code",
        "Test writer — tests",
        "Interpreter — output, round 1: passed",
        "Programmer — closing answer",
    ]
    assert page.labels["seed-tough"] == [
        "Questioner — problem",
        "Programmer — code",
        "Test writer — tests",
        "Interpreter — output, round 1: failed",
        "Error analyst — analysis (fault: code)",
        "Programmer — revision 1",
        "Interpreter — output, round 2: error",
    ]
    # code and interpreter output are preformatted: the solution, the tests and the traceback
    assert "def add(a, b):\n    return a + b\n" in page.pres
    assert "assert add(2, 3) == 5\nassert add(-1, 1) == 0\n" in page.pres
    assert any(p.startswith("Execution failed with exit code 1.") and "AssertionError" in p for p in page.pres)


def test_model_text_is_escaped_so_a_planted_script_is_inert(run_dir: Path) -> None:
    html = (run_dir / "report.html").read_text()
    assert "<script" not in html  # the page itself has no scripts, so any would be the planted one
    assert html.count("&lt;script&gt;document.body.setAttribute(") == 3  # 2 replies of 'tough', 1 of 'easy'


def test_discards_are_listed_with_reason_and_last_error(run_dir: Path) -> None:
    (discard,) = [json.loads(line) for line in (run_dir / "discards.jsonl").read_text().splitlines()]
    html = (run_dir / "report.html").read_text()
    assert "<h2>Discards (1)</h2>" in html and "<h3>tough: max_rounds</h3>" in html
    assert discard["last_error"].startswith("no passing execution in 2 rounds")
    assert discard["last_error"] in outline(html).pres


def test_a_discard_without_a_dialogue_says_so(run_dir: Path) -> None:
    record = {"seed_id": "crashed", "status": "discarded", "reason": "internal_error", "last_error": "boom"}
    html = render_html(compute_stats([{**record, "rounds": 0}], wall_s=0.0), [record])
    assert "<h3>crashed: internal_error</h3>" in html and "No dialogue was recorded for this seed" in html


def test_charts_are_drawn_only_when_they_have_data(run_dir: Path) -> None:
    records = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    assert [c.title for c in charts(compute_stats(records, 0.0))] == ["Rounds to pass", "Outcomes"]

    discarded_only = [r for r in records if r["status"] != "passed"]
    stats = compute_stats(discarded_only, 0.0)
    assert [c.title for c in charts(stats)] == ["Outcomes"]
    html = render_html(stats, discarded_only)
    assert 'alt="Rounds to pass"' not in html and "No dialogue passed." in html

    assert "<img" not in render_html(compute_stats([], 0.0), [])


@pytest.mark.slow
def test_headless_browser_renders_a_readable_report(run_dir: Path, chromium: str, tmp_path: Path) -> None:
    url = (run_dir / "report.html").resolve().as_uri()
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    png = tmp_path / "report.png"
    shot = subprocess.run(
        [chromium, *flags, f"--screenshot={png}", "--window-size=1200,1600", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    with Image.open(png) as image:
        assert image.size == (1200, 1600)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 100  # text, badges and charts, not a blank page

    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert "Level: easy. Add two integers." in dom and "Level: hard. Add two integers." in dom
    assert "tough: max_rounds" in dom and "AssertionError" in dom
    assert "data-pwned" in dom and 'data-pwned="yes"' not in dom  # shown as text, never executed


def test_a_large_run_shows_a_bounded_number_of_dialogues(run_dir: Path, monkeypatch) -> None:
    from aiev.graphs import report

    records = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    monkeypatch.setattr(report, "MAX_DIALOGUES_SHOWN", 0)
    html = render_html(compute_stats(records, 0.0), records)
    assert "<details" not in html
    assert "all 1 are in samples.jsonl" in html and "all 1 are in discards.jsonl" in html


def test_a_dialogue_title_is_the_first_line_that_says_something() -> None:
    """Small questioners open with a bare "**Problem Statement:**" heading; the collapsed row shows the task instead."""
    from aiev.graphs.report_dialogues import dialogue

    problem = "**Problem Statement:**\n\nWrite `detect_encoding(data)` that returns the *encoding*."
    record = {
        "seed_id": "s",
        "status": "discarded",
        "reason": "max_rounds",
        "messages": [{"type": "human", "data": {"content": problem, "name": "questioner", "type": "human"}}],
    }
    assert dialogue(record).title == "Write detect_encoding(data) that returns the encoding."
