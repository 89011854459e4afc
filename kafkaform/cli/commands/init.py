"""`kafkaform init ENV`: scaffold an empty environment that validates as it is.

An Environment document with the HA defaults (RF 3, min.insync.replicas 2)
and a managed scope that never deletes, and an empty Topics file. To start
from what a cluster already holds, `kafkaform import ENV --bootstrap-server B`
instead.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.common import BootstrapOpt, exit_codes, new_environment_folder, say

# After the `$schema` comment (`kafkaform.files.yamlwrite.with_schema_comment`).
EMPTY_TOPICS = """\
# Topics of this environment (docs/file-format.md), e.g.
#   - {name: orders.created, partitions: 12}
kind: Topics
topics: []
"""


@app.command()
def init(
    env: Annotated[str, typer.Argument(
        metavar="ENV", show_default=False,
        help="The new environment: a name under ./environments/, or a folder path.")],
    bootstrap: BootstrapOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Scaffold an empty environment (Environment and Topics documents) that validates."""
    from kafkaform.core.model import ClusterConnection, DesiredState
    from kafkaform.files.yamlwrite import environment_document, with_schema_comment, write_new

    folder = new_environment_folder(env)
    desired = DesiredState(folder.name, cluster=ClusterConnection(bootstrap=bootstrap))
    with exit_codes():
        folder.mkdir(parents=True, exist_ok=True)
        document = environment_document(desired, topic_defaults=True, notes=[
            f"Environment {folder.name}: how to reach its cluster, topic defaults, HA policies "
            "(docs/policies.md)", "and what kafkaform manages there (docs/file-format.md)."])
        for name, text in (("environment", document), ("topics", EMPTY_TOPICS)):
            write_new(folder / f"{name}.yaml",
                      with_schema_comment(text, f"{name}.schema.json", folder), force)
            say(f"wrote {folder / f'{name}.yaml'}")
    where = "" if bootstrap else " (export KAFKA_BOOTSTRAP=host:port, or set cluster.bootstrap)"
    say(f"Next: add topics to {folder / 'topics.yaml'}, then kafkaform validate {env} && "
        f"kafkaform plan {env}{where}")
