"""The one error type of the training area: a user input (file, option, model path) that cannot be used.

The CLI prints it as one red line and exits with code 2; anything else escaping is a bug and keeps its traceback.
"""

from __future__ import annotations


class TrainingInputError(ValueError):
    """A training input is unusable; the message names the input and what is wrong with it."""


class TrainingStepError(RuntimeError):
    """A long step (the launched SFT run) failed; its own output says why, and a rerun resumes it."""
