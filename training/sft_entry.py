"""The program each DeepSpeed rank runs: ``deepspeed ... --module aiev.training.sft_entry <settings flags>``."""

from __future__ import annotations

import sys

from .errors import TrainingInputError
from .sft import train
from .sft_settings import from_flags


def main(argv: list[str]) -> int:
    try:
        train(from_flags(argv))
    except TrainingInputError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
