"""`kafkaform check ENV`: is the cluster healthy? A table (or JSON), exit 0 healthy / 1 not."""

from __future__ import annotations

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
from kafkaform.core.health import assess
from kafkaform.render.health import health_json, print_health
from kafkaform.run.session import observe_cluster


class CheckFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@app.command()
def check(
    ctx: typer.Context,
    env: EnvArg,
    output_format: Annotated[
        CheckFormat,
        typer.Option("--format", help="text: a table (at most five partitions per line); "
                     "json: every finding, every partition listed."),
    ] = CheckFormat.TEXT,
    bootstrap_server: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
    snapshot: SnapshotOpt = None,
) -> None:
    """Cluster health: brokers and racks, controller, offline, under-replicated and
    under-min-ISR partitions, reassignments in progress. Exit 0 healthy, 1 not."""
    desired = load_desired(env)
    observed = observe_cluster(
        runtime(ctx), desired, connection(bootstrap_server, command_config, snapshot)
    )
    report = assess(observed)
    if output_format is CheckFormat.JSON:
        print(health_json(report))
    else:
        print_health(report)
    raise typer.Exit(EXIT_OK if report.healthy else EXIT_ERROR)
