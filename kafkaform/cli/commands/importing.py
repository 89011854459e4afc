"""`kafkaform import ENV`: write the environment's cluster as YAML files.

Topics (with only their own config overrides) go to `topics.yaml`, ACL
bindings to `acls.yaml`, client quotas to `quotas.yaml` and SCRAM users to
`users.yaml` (those two within the environment's `manage.quotas` /
`manage.users` scope), each with the `$schema` comment editors use. Planning
the imported files against the same cluster shows no changes.
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
    SnapshotOpt,
    connection,
    load_desired,
    resolve_environment,
    runtime,
)
from kafkaform.core.importer import TopicFilter
from kafkaform.files.yamlwrite import write_new
from kafkaform.run.session import import_environment


@app.command("import")
def import_(
    ctx: typer.Context,
    env: EnvArg,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder to write topics.yaml and acls.yaml to (default: the "
                     "environment's folder).", file_okay=False),
    ] = None,
    include: Annotated[
        str | None, typer.Option(help="Import only topics whose whole name matches this regex.")
    ] = None,
    exclude: Annotated[
        str | None, typer.Option(help="Leave out topics whose whole name matches this regex.")
    ] = None,
    internal: Annotated[
        bool, typer.Option("--internal", help="Import internal topics (__*, _schemas ...) too.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    bootstrap_server: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
    snapshot: SnapshotOpt = None,
) -> None:
    """Write the cluster's topics, ACLs, client quotas and SCRAM users as YAML."""
    which = TopicFilter(include=include, exclude=exclude, internal=internal)
    desired = load_desired(env)
    out_dir = out or resolve_environment(env)
    imported = import_environment(runtime(ctx), desired,
                                  connection(bootstrap_server, command_config, snapshot),
                                  out_dir, which)
    out_dir.mkdir(parents=True, exist_ok=True)
    topics_file = out_dir / "topics.yaml"
    write_new(topics_file, imported.topics_yaml, force)
    typer.echo(f"imported {imported.topics} topic(s) to {topics_file}")
    for what, count, text, name in (
        ("client quota entit(ies)", imported.quotas, imported.quotas_yaml, "quotas.yaml"),
        ("SCRAM user(s)", imported.users, imported.users_yaml, "users.yaml"),
    ):
        if count is None:
            typer.echo(f"{name} not written: the cluster does not let them be listed")
        elif text is not None:
            write_new(out_dir / name, text, force)
            typer.echo(f"imported {count} {what} to {out_dir / name}")
    if imported.acls is None:
        typer.echo("ACLs not imported: the cluster does not let them be listed")
        return
    if imported.acls_yaml is None:
        typer.echo("no ACL bindings on the cluster: acls.yaml not written")
        return
    acls_file = out_dir / "acls.yaml"
    write_new(acls_file, imported.acls_yaml, force)
    typer.echo(f"imported {imported.acls} ACL binding(s) to {acls_file}")
