"""`kafkaform schema [NAME] [--out DIR]`: the JSON Schemas, for editors and other tools."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.common import EXIT_OK
from kafkaform.errors import KafkaformError

SUFFIX = ".schema.json"


def schema_files() -> dict[str, Path]:
    """Every schema kafkaform ships, by short name (`topics`, `plan` ...)."""
    from kafkaform.files.schemas import schemas_dir

    return {p.name.removesuffix(SUFFIX): p for p in sorted(schemas_dir().glob(f"*{SUFFIX}"))}


@app.command()
def schema(
    name: Annotated[
        str | None,
        typer.Argument(help="Print this schema (e.g. topics) as JSON; without it, list them.",
                       show_default=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write every schema file into this folder.", file_okay=False),
    ] = None,
) -> None:
    """Export the JSON Schemas of the file formats (for editors and linters)."""
    files = schema_files()
    if name is not None:
        if name.removesuffix(SUFFIX) not in files:
            raise KafkaformError(f"no schema {name!r}: one of {', '.join(files)}")
        sys.stdout.write(files[name.removesuffix(SUFFIX)].read_text(encoding="utf-8"))
        raise typer.Exit(EXIT_OK)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    for short, path in files.items():
        data = json.loads(path.read_text(encoding="utf-8"))
        if out is not None:
            (out / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
            typer.echo(f"wrote {out / path.name}")
        else:
            typer.echo(f"{short:<14} {path.name:<27} {data.get('title', '')}")
    raise typer.Exit(EXIT_OK)
