"""`kafkaform plan ENV`: what apply would change, without changing anything.

Validates the environment (exit 3 on errors), reads the cluster through a
read-only admin (or a snapshot), plans, and prints the plan as text, JSON or
Markdown. Exit 1 when the plan has refusals; with `--detailed-exitcode`, exit
2 when there are changes (as Terraform's `plan -detailed-exitcode`).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.common import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    BootstrapOpt,
    CommandConfigOpt,
    EnvArg,
    SnapshotOpt,
    TargetOpt,
    connection,
    load_desired,
    parse_targets,
    runtime,
)


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


@app.command("plan")
def plan_command(
    ctx: typer.Context,
    env: EnvArg,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Save the plan as JSON for `kafkaform apply ENV PLAN`."),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="How to print the plan.")
    ] = OutputFormat.TEXT,
    detailed_exitcode: Annotated[
        bool,
        typer.Option("--detailed-exitcode",
                     help="Exit 2 when the plan has changes, 0 when it has none."),
    ] = False,
    bootstrap: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
    snapshot: SnapshotOpt = None,
    target: TargetOpt = None,
) -> None:
    """Show what apply would change on the cluster, and change nothing."""
    from kafkaform.files.planfile import save_plan
    from kafkaform.render.json import render_json
    from kafkaform.render.markdown import render_markdown
    from kafkaform.render.text import print_plan, wants_colour
    from kafkaform.run.session import plan_environment

    targets = parse_targets(target)
    desired = load_desired(env)
    result = plan_environment(runtime(ctx), desired,
                              connection(bootstrap, command_config, snapshot), targets)

    if output_format is OutputFormat.TEXT:
        print_plan(result, sys.stdout, color=wants_colour(sys.stdout))
    else:
        render = render_json if output_format is OutputFormat.JSON else render_markdown
        sys.stdout.write(render(result))
        for problem in result.errors:
            print(f"error: {problem.render()}", file=sys.stderr)
    if result.errors:
        raise typer.Exit(EXIT_ERROR)
    if out is not None:
        save_plan(result, out)
        print(f"Saved the plan to {out}; apply it with: kafkaform apply {env} {out}",
              file=sys.stderr)
    raise typer.Exit(EXIT_CHANGES if detailed_exitcode and not result.is_empty else EXIT_OK)
