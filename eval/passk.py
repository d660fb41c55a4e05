"""The unbiased pass@k estimator of the Codex paper (Chen et al. 2021, section 2.1).

With ``n`` samples of which ``c`` are correct, pass@k = 1 - C(n-c, k) / C(n, k). The binomials overflow
long before realistic ``n``, so the ratio is computed as the product prod_{i=n-c+1}^{n} (1 - k / i),
which is the same number and stays in [0, 1] at every step.
"""

from __future__ import annotations

from collections.abc import Iterable


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of ``k`` samples drawn without replacement from ``n`` (``c`` correct) passes."""
    if not 0 <= c <= n or k < 1 or k > n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    ratio = 1.0
    for i in range(n - c + 1, n + 1):
        ratio *= 1.0 - k / i
    return 1.0 - ratio


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float:
    """pass@k of a benchmark: the mean over tasks of the per-task estimate; ``counts`` holds ``(n, c)`` per task."""
    values = [pass_at_k(n, c, k) for n, c in counts]
    return sum(values) / len(values) if values else 0.0
