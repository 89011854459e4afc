"""`kafkaform snapshot ENV --out snapshot.json`: the observed cluster, saved.

Every read-only command takes `--snapshot FILE` instead of a live cluster, so
pipelines that cannot reach production plan against last night's snapshot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.common import (
    BootstrapOpt,
    CommandConfigOpt,
    EnvArg,
    connection,
    load_desired,
    runtime,
)


@app.command()
def snapshot(
    ctx: typer.Context,
    env: EnvArg,
    out: Annotated[
        Path, typer.Option(help="The JSON file to write (schemas/snapshot.schema.json).",
                           dir_okay=False)
    ],
    bootstrap_server: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
) -> None:
    """Save the live cluster's observed state as a snapshot JSON file."""
    from kafkaform.core.wording import plural
    from kafkaform.files.snapshot import write_snapshot
    from kafkaform.run.session import observe_cluster

    desired = load_desired(env)
    observed = observe_cluster(runtime(ctx), desired, connection(bootstrap_server, command_config))
    write_snapshot(observed, out)
    typer.echo(
        f"wrote {out}: {plural(len(observed.cluster.brokers), 'broker')}, "
        f"{plural(len(observed.topics), 'topic')}"
    )
