"""`kafkaform diff ENV_A ENV_B`: how two environments' desired states differ."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.common import (
    EXIT_CHANGES,
    EXIT_INVALID,
    EXIT_OK,
    resolve_environment,
    validated,
)

if TYPE_CHECKING:
    from kafkaform.core.model import DesiredState


class DiffFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


def load_valid(env: str) -> DesiredState | None:
    """The environment's desired state; its errors printed and None when invalid."""
    result = validated(resolve_environment(env))
    for problem in result.errors:
        print(problem.render(), file=sys.stderr)
    return result.desired if result.ok else None


@app.command()
def diff(
    env_a: Annotated[str, typer.Argument(help="The environment to compare from (e.g. staging).",
                                         show_default=False)],
    env_b: Annotated[str, typer.Argument(help="The environment to compare to (e.g. prod).",
                                         show_default=False)],
    output_format: Annotated[
        DiffFormat, typer.Option("--format", help="How to print the differences.")
    ] = DiffFormat.TEXT,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 2 when the environments differ.")
    ] = False,
) -> None:
    """Show what differs between two environments' files: topics, configs, ACLs, broker configs.

    Reads only the files (no cluster). Shown as what would change going from
    ENV_A to ENV_B, in the plan's layout. Exit 3 if either is invalid.
    """
    from kafkaform.core.envdiff import diff_environments
    from kafkaform.render.envdiff import render_json, render_markdown, render_text

    renderers = {DiffFormat.TEXT: render_text, DiffFormat.JSON: render_json,
                 DiffFormat.MARKDOWN: render_markdown}
    a, b = load_valid(env_a), load_valid(env_b)
    if a is None or b is None:
        raise typer.Exit(EXIT_INVALID)
    result = diff_environments(a, b)
    sys.stdout.write(renderers[output_format](result))
    raise typer.Exit(EXIT_CHANGES if exit_code and not result.is_empty else EXIT_OK)
