"""The run report's charts, drawn only from data that exists.

An empty chart tells a reader nothing and looks broken (matplotlib autoscales an empty bar chart to axes of
-0.04..0.04), so each chart is returned only when it has something to show; the caller gets fewer charts,
never blank ones.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from pydantic import BaseModel

PASS_COLOUR = "#2a9d8f"
DISCARD_COLOUR = "#e76f51"


class Chart(BaseModel):
    title: str
    png_base64: str


def charts(stats: dict[str, Any]) -> list[Chart]:
    import matplotlib

    matplotlib.use("Agg")  # headless: report generation must work without a display
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    drawn: list[Chart] = []
    rounds = {int(k): v for k, v in stats["rounds_to_pass"].items() if v}
    if rounds:
        figure, axis = plt.subplots(figsize=(5, 3))
        axis.bar(list(rounds), list(rounds.values()), color=PASS_COLOUR)
        axis.set_xticks(range(1, max(rounds) + 1))  # every round number, so a lone bar at 1 is read as "1 round"
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_xlabel("rounds to pass")
        axis.set_ylabel("samples")
        axis.set_title("Rounds to pass")
        drawn.append(Chart(title="Rounds to pass", png_base64=_png(figure)))
        plt.close(figure)

    outcomes = {"passed": stats["passed"], **stats["discard_reasons"]}
    outcomes = {name: count for name, count in outcomes.items() if count}
    if outcomes:
        figure, axis = plt.subplots(figsize=(5, 3))
        colours = [PASS_COLOUR if name == "passed" else DISCARD_COLOUR for name in outcomes]
        axis.bar(list(outcomes), list(outcomes.values()), color=colours)
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel("seeds")
        axis.set_title("Outcomes")
        drawn.append(Chart(title="Outcomes", png_base64=_png(figure)))
        plt.close(figure)
    return drawn


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
