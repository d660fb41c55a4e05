"""aiev.eval: sandboxed pass@k on benchmarks and on held-out AIEV-Instruct samples, in plain or CoderGen mode.

``evaluate(tasks, model, mode)`` is the API the training loop calls; ``load_benchmark(name, data)`` and
``tasks_from_records`` (``aiev.eval.heldout``) produce the tasks.
"""

from __future__ import annotations

from .benchmarks import load_benchmark
from .errors import EvalInputError
from .runner import evaluate
from .summary import EvalSummary
from .task import EvalTask

__all__ = ["EvalInputError", "EvalSummary", "EvalTask", "evaluate", "load_benchmark"]
