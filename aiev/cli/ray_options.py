"""The options that send ``aiev generate`` and ``aiev eval`` to a Ray cluster, shared by both commands."""

from __future__ import annotations

from typing import Annotated

import typer

from aiev.graphs.batch import RayOptions

from .output import errors

UseRay = Annotated[
    bool,
    typer.Option(
        "--ray",
        help="Run on a Ray cluster: the one in RAY_ADDRESS (as under `ray job submit`, or `ray start`'s address), "
        "else a new Ray on this machine. A cluster with token auth needs RAY_AUTH_TOKEN. Results are written here, "
        "as without Ray.",
    ),
]
RayAddress = Annotated[
    str | None,
    typer.Option("--ray-address", help="With --ray (implied): the cluster to join (auto, HOST:PORT, ray://HOST:PORT)."),
]
RayWorkers = Annotated[
    int | None,
    typer.Option("--ray-workers", min=1, help="With --ray: worker actors (default one per node); --concurrency is "
                 "split over them."),
]  # fmt: skip
ExecutionsPerNode = Annotated[
    int | None,
    typer.Option("--executions-per-node", min=1, help="With --ray: programs run at once per node, over all its "
                 "workers (default: no cap)."),
]  # fmt: skip


def ray_options(
    use_ray: bool, address: str | None, workers: int | None, executions_per_node: int | None
) -> RayOptions | None:
    """``RayOptions`` when ``--ray`` (or ``--ray-address``) was given, else None; the Ray-only settings without
    ``--ray`` are a mistake worth saying, not a silent no-op."""
    if not use_ray and address is None:
        if workers is not None or executions_per_node is not None:
            raise typer.BadParameter("--ray-workers and --executions-per-node need --ray")
        return None
    errors.print(
        "sandbox: each Ray worker runs programs in its own node's engine "
        "(Docker where it answers, the local engine otherwise, as --sandbox says)",
        highlight=False,
    )
    return RayOptions(address=address, workers=workers, executions_per_node=executions_per_node)
