"""`kafkaform fmt [ENV ...] [--check]`: canonical layout of desired-state files."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.common import (
    ENVIRONMENTS_DIR,
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_OK,
    resolve_environment,
)
from kafkaform.errors import KafkaformError

if TYPE_CHECKING:  # kafkaform.files.fmt loads ruamel.yaml: only when fmt runs, not at every start
    from kafkaform.files.fmt import FormatResult


def all_folders() -> list[Path]:
    """Every folder under ./environments/, shared ones (`_base`) included."""
    if not ENVIRONMENTS_DIR.is_dir():
        raise KafkaformError(f"no {ENVIRONMENTS_DIR}/ folder here: name the folders to format")
    return sorted(
        p for p in ENVIRONMENTS_DIR.iterdir() if p.is_dir() and not p.name.startswith(".")
    )


def unified_diff(result: FormatResult) -> str:
    return "".join(difflib.unified_diff(
        result.original.splitlines(keepends=True), (result.formatted or "").splitlines(
            keepends=True), f"{result.path}", f"{result.path} (formatted)"))


@app.command()
def fmt(
    environments: Annotated[
        list[str] | None,
        typer.Argument(help="Environment folders or names (default: every folder under "
                            "./environments/, shared ones included).", show_default=False),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Change nothing; exit 1 if a file would change "
                                           "(a CI gate).")
    ] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Change nothing; print what would change as a "
                                          "unified diff.")
    ] = False,
) -> None:
    """Rewrite desired-state files in the canonical layout, keeping comments.

    Keys in the schemas' order, topics sorted by name, configs sorted; values
    stay as written (7d stays 7d). Formatting never changes what the files mean.
    """
    folders = [resolve_environment(e) for e in environments] if environments else all_folders()
    from kafkaform.core.wording import plural
    from kafkaform.files.fmt import format_file, yaml_files

    results = [format_file(path) for folder in folders for path in yaml_files(folder)]
    broken = [r for r in results if r.formatted is None]
    changed = [r for r in results if r.changed]
    # Like black and ruff format: --diff only shows, as --check only tells.
    dry_run = check or diff
    for result in broken:
        print(result.error, file=sys.stderr)
    for result in changed:
        if diff:
            sys.stdout.write(unified_diff(result))
        if dry_run:
            typer.echo(f"would reformat {result.path}")
        else:
            result.path.write_text(result.formatted or "", encoding="utf-8")
            typer.echo(f"reformatted {result.path}")
    verb = "would be reformatted" if dry_run else "reformatted"
    typer.echo(f"{plural(len(changed), 'file')} {verb}, "
               f"{len(results) - len(changed) - len(broken)} "
               f"already formatted" + (f", {len(broken)} not valid YAML" if broken else ""))
    if broken:
        raise typer.Exit(EXIT_INVALID)
    raise typer.Exit(EXIT_ERROR if check and changed else EXIT_OK)
