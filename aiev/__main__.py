"""``python -m aiev ...``: the CLI by the interpreter's name, for places where the ``aiev`` script is not on PATH
(a ``ray job submit`` entrypoint runs in ``/bin/sh`` with the node's PATH)."""

from aiev.cli import main

main()
