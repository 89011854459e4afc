"""`kafkaform import ENV`: write the environment's cluster as YAML files.

Topics (with only their own config overrides) go to `topics.yaml`, ACL
bindings to `acls.yaml`, client quotas to `quotas.yaml` and SCRAM users to
`users.yaml` (those three within the environment's `manage.acls` /
`manage.quotas` / `manage.users` scope), each with the `$schema` comment
editors use. Planning
the imported files against the same cluster shows no changes.

When ENV does not exist yet (no folder, or a folder without an Environment
document), `import ENV --bootstrap-server B` adopts the cluster: it creates
the environment with an Environment document too (the bootstrap, the
cluster id, a managed scope covering exactly what was imported, the policies
relaxed to what the cluster satisfies), so `validate` passes and `plan
--detailed-exitcode` exits 0 right away, with no edits.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.common import (
    BootstrapOpt,
    CommandConfigOpt,
    EnvArg,
    SnapshotOpt,
    UsageError,
    connection,
    exit_codes,
    load_desired,
    new_environment_folder,
    runtime,
    say,
)

if TYPE_CHECKING:
    from kafkaform.core.importer import TopicFilter
    from kafkaform.run.session import Connection, Imported


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
        str | None, typer.Option(metavar="REGEX",
                                 help="Import only topics whose whole name matches this regex.")
    ] = None,
    exclude: Annotated[
        str | None, typer.Option(metavar="REGEX",
                                 help="Leave out topics whose whole name matches this regex.")
    ] = None,
    internal: Annotated[
        bool, typer.Option("--internal", help="Import internal topics (__*, _schemas ...) too.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    bootstrap_server: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
    snapshot: SnapshotOpt = None,
) -> None:
    """Write the cluster's topics, ACLs, client quotas and SCRAM users as YAML; a new ENV
    adopts the whole cluster.

    For an environment that does not exist yet, `--bootstrap-server` (or
    `--snapshot`) names the cluster, and the environment is created with an
    Environment document that validates and plans no change as it is.
    """
    from kafkaform.core.importer import TopicFilter
    from kafkaform.run.session import import_environment

    which = TopicFilter(include=include, exclude=exclude, internal=internal)
    where = connection(bootstrap_server, command_config, snapshot)
    folder = new_environment_folder(env)
    with exit_codes():
        if not _has_environment(folder):
            _adopt(ctx, env, folder, out, which, where, force)
            return
        imported = import_environment(runtime(ctx), load_desired(folder), where,
                                      out or folder, which)
        _write(imported, out or folder, force)


def _has_environment(folder: Path) -> bool:
    from kafkaform.files.load import load_environment

    return folder.is_dir() and load_environment(folder).environment is not None


def _adopt(ctx: typer.Context, env: str, folder: Path, out: Path | None, which: TopicFilter,
           where: Connection, force: bool) -> None:
    if where.bootstrap is None and where.snapshot is None:
        raise UsageError(
            f"environment {env!r} does not exist yet: to adopt a cluster into it, name the "
            f"cluster: kafkaform import {env} --bootstrap-server HOST:PORT "
            f"(kafkaform init {env} starts an empty one)")
    if out is not None:
        raise UsageError("--out is for an existing environment; a new one is written to "
                         f"{folder}")
    from kafkaform.files.yamlwrite import write_new, yaml_scalar
    from kafkaform.run.session import adopt_cluster

    adopted = adopt_cluster(runtime(ctx), folder.name, where, folder, which)
    adoption = adopted.adoption
    folder.mkdir(parents=True, exist_ok=True)
    write_new(folder / "environment.yaml", adopted.environment_yaml, force)
    say(f"Adopted cluster {adoption.cluster_id} as environment {folder.name}: "
        f"wrote {folder / 'environment.yaml'}")
    _write(adopted.imported, folder, force)
    if adoption.relaxed:
        say("Policies relaxed to what the cluster satisfies (the HA defaults would fail "
            "validation; each is commented in environment.yaml):")
        for r in adoption.relaxed:
            say(f"  {r.policy}: {yaml_scalar(r.value)} (the HA default is "
                f"{yaml_scalar(r.default)}; {r.because})")
    else:
        say("The cluster meets every HA policy default: none relaxed.")
    again = f" --command-config {where.command_config}" if where.command_config else ""
    say(f"Next: kafkaform validate {env} && kafkaform plan {env}{again} --detailed-exitcode "
        "(exit 0: the files match the cluster)")


def _write(imported: Imported, out_dir: Path, force: bool) -> None:
    from kafkaform.core.wording import plural
    from kafkaform.files.yamlwrite import write_new

    out_dir.mkdir(parents=True, exist_ok=True)
    topics_file = out_dir / "topics.yaml"
    write_new(topics_file, imported.topics_yaml, force)
    say(f"imported {plural(imported.topics, 'topic')} to {topics_file}")
    for count, what, text, name in (
        (imported.quotas, ("client quota entity", "client quota entities"),
         imported.quotas_yaml, "quotas.yaml"),
        (imported.users, ("SCRAM user", "SCRAM users"), imported.users_yaml, "users.yaml"),
    ):
        if count is None:
            say(f"{name} not written: the cluster does not let them be listed")
        elif text is None:
            say(f"no {what[1]} on the cluster (within the managed scope): {name} not written")
        else:
            write_new(out_dir / name, text, force)
            say(f"imported {plural(count, *what)} to {out_dir / name}")
    if imported.acls is None:
        say("ACLs not imported: the cluster does not let them be listed")
        return
    if imported.acls_yaml is None:
        say("no ACL bindings on the cluster: acls.yaml not written")
        return
    acls_file = out_dir / "acls.yaml"
    write_new(acls_file, imported.acls_yaml, force)
    say(f"imported {plural(imported.acls, 'ACL binding')} to {acls_file}")
