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
    finally:
        _leave_process_group()
    return 0


def _leave_process_group() -> None:
    """Tear the collective backend down explicitly: left to interpreter exit, its threads can abort the process
    ("terminate called without an active exception") after a successful run, turning success into a failure code."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.barrier()  # no rank tears down while another still talks to it
        dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
