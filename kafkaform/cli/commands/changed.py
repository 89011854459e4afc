"""`kafkaform changed --since REF`: the environments a branch touches, for pipelines."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.common import ENVIRONMENTS_DIR, EXIT_OK, UsageError


class ListFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@app.command()
def changed(
    since: Annotated[
        str | None,
        typer.Option("--since", help="Git ref to compare with (merge base with HEAD), "
                                     "e.g. origin/main; uncommitted files count too."),
    ] = None,
    all_environments: Annotated[
        bool, typer.Option("--all", help="List every environment (for nightly drift checks).")
    ] = False,
    environments_dir: Annotated[
        Path, typer.Option("--environments-dir", help="Folder holding the environments.",
                           file_okay=False),
    ] = ENVIRONMENTS_DIR,
    output_format: Annotated[
        ListFormat, typer.Option("--format", help="text: one folder per line; json: a list "
                                 "of {name, path, files} (a GitHub Actions matrix).")
    ] = ListFormat.TEXT,
) -> None:
    """List environments whose files, or included folders, changed in git since REF."""
    from kafkaform.files.changed import find_changed

    if (since is None) == (not all_environments):
        raise UsageError("give exactly one of --since REF or --all")
    found = find_changed(environments_dir, since)
    if output_format is ListFormat.JSON:
        typer.echo(json.dumps([env.to_dict() for env in found]))
    else:
        for env in found:
            typer.echo(env.path.as_posix())
    raise typer.Exit(EXIT_OK)
