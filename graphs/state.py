"""The AIEV-Instruct graph state: the role nodes' keys plus what only the data-generation graph tracks."""

from __future__ import annotations

from ..agents.context import Stage
from ..agents.state import BlamedTest, Fault, RoleState, Seed, Verdict


class State(RoleState, total=False):
    """One AIEV-Instruct dialogue. ``messages`` is the training sample; the rest is metadata about it."""

    stage: Stage  # which model generation produced this sample (teacher or the student itself)


__all__ = ["BlamedTest", "Fault", "Seed", "Stage", "State", "Verdict"]
