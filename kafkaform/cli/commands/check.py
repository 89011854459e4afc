"""`kafkaform check ENV`: is the cluster healthy? A table (or JSON), exit 0 healthy / 1 not."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    BootstrapOpt,
    CommandConfigOpt,
    EnvArg,
    SnapshotOpt,
    connection,
    load_desired,
    runtime,
)


class HealthFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@app.command()
def check(
    ctx: typer.Context,
    env: EnvArg,
    bootstrap_server: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
    snapshot: SnapshotOpt = None,
    output_format: Annotated[
        HealthFormat, typer.Option("--format", help="text: a table; json: every signal and "
                                   "the partitions behind it, for monitoring scripts.")
    ] = HealthFormat.TEXT,
) -> None:
    """Cluster health: brokers and racks, controller, offline, under-replicated and
    under-min-ISR partitions, reassignments in progress. Exit 0 healthy, 1 not.

    From a snapshot, a broker named in replica lists but missing from its
    `brokers` is down."""
    from kafkaform.core.health import assess
    from kafkaform.render.health import print_health, render_health_json
    from kafkaform.run.session import observe_cluster

    desired = load_desired(env)
    observed = observe_cluster(
        runtime(ctx), desired, connection(bootstrap_server, command_config, snapshot)
    )
    report = assess(observed)
    if output_format is HealthFormat.JSON:
        sys.stdout.write(render_health_json(report))
    else:
        print_health(report)
    raise typer.Exit(EXIT_OK if report.healthy else EXIT_ERROR)
