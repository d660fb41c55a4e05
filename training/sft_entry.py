"""The program each DeepSpeed rank runs: ``deepspeed ... --module aiev.training.sft_entry <settings flags>``."""

from __future__ import annotations

import os
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


def _exit(code: int) -> None:
    """Leave without interpreter finalization. Even after ``destroy_process_group``, a native thread of the
    collective stack (DeepSpeed's shared-memory comm op, Gloo) can still be joinable when the interpreter tears
    down, and its destructor aborts the rank ("terminate called without an active exception", exit 250 after a
    finished run: seen in fresh-clone CI). Everything the run owes is on disk by now (the trainer saves
    synchronously), so only the output streams need flushing."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit(main(sys.argv[1:]))
