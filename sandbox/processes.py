"""Whether a process of this machine is still running: how leftovers are told from live work.

A ``kill -9`` runs no cleanup, so whatever a process made to be removed when it is done (a pre-started sandbox
container, a staging directory) is named for its process, and a later process removes only the leftovers of
processes that are gone.
"""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """True while process ``pid`` exists on this machine (also when it belongs to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
