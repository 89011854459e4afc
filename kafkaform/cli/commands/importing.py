"""`kafkaform import ENV`: write the environment's cluster as YAML files.

Topics (with only their own config overrides) go to `topics.yaml`, ACL
bindings to `acls.yaml`, each with the `$schema` comment editors use. Planning
the imported files against the same cluster shows no changes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.commands.check import observe_environment
from kafkaform.cli.common import (
    BootstrapOpt,
    CommandConfigOpt,
    EnvArg,
    SnapshotOpt,
    load_desired,
    resolve_environment,
)
from kafkaform.core.importer import TopicFilter, import_acls, import_topics
from kafkaform.errors import KafkaformError

SCHEMA_COMMENT = "# yaml-language-server: $schema="


def with_schema_comment(document: str, schema_file: str, out_dir: Path) -> str:
    """The document, starting with a `$schema` comment that is right for `out_dir`."""
    from kafkaform.files.schemas import schemas_dir

    if document.startswith(SCHEMA_COMMENT):
        document = document.split("\n", 1)[1]
    relative = os.path.relpath(schemas_dir() / schema_file, out_dir.resolve())
    return f"{SCHEMA_COMMENT}{Path(relative).as_posix()}\n{document}"


def write_new(path: Path, text: str, force: bool) -> None:
    if path.exists() and not force:
        raise KafkaformError(f"{path} exists: choose another --out folder or pass --force")
    path.write_text(text, encoding="utf-8")


@app.command("import")
def import_(
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
    """Write the cluster's topics and ACLs as YAML (Topics and Acls documents)."""
    from kafkaform.files.yamlwrite import acls_document, topics_document

    which = TopicFilter(include=include, exclude=exclude, internal=internal)
    desired = load_desired(env)
    observed = observe_environment(
        desired, bootstrap=bootstrap_server, command_config=command_config, snapshot=snapshot
    )
    out_dir = out or resolve_environment(env)
    out_dir.mkdir(parents=True, exist_ok=True)
    topics = import_topics(observed, which)
    topics_file = out_dir / "topics.yaml"
    # Every override is written, even one equal to Kafka's default: leaving it out
    # would make the next plan revert it.
    document = topics_document(topics, omit_kafka_defaults=False)
    write_new(topics_file, with_schema_comment(document, "topics.schema.json", out_dir), force)
    typer.echo(f"imported {len(topics)} topic(s) to {topics_file}")
    if observed.acls is None:
        typer.echo("ACLs not imported: the cluster does not let them be listed")
        return
    bindings = import_acls(observed)
    if not bindings:
        typer.echo("no ACL bindings on the cluster: acls.yaml not written")
        return
    acls_file = out_dir / "acls.yaml"
    write_new(acls_file, with_schema_comment(acls_document(bindings), "acls.schema.json",
                                             out_dir), force)
    typer.echo(f"imported {len(bindings)} ACL binding(s) to {acls_file}")
