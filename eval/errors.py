"""The one error type the evaluation harness raises for user mistakes (bad file, unknown benchmark, mixed runs).

The CLI turns it into one red line and exit code 2; its message always names the input that is wrong.
"""

from __future__ import annotations


class EvalInputError(ValueError):
    """An input to an evaluation run cannot be used as given; the message says which and why."""
