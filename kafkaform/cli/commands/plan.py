"""`kafkaform plan ENV`: what apply would change, without changing anything.

Validates the environment (exit 3 on errors), reads the cluster through a
read-only admin (or a snapshot), plans, and prints the plan as text, JSON or
Markdown. Exit 1 when the plan has refusals; with `--detailed-exitcode`, exit
2 when there are changes (as Terraform's `plan -detailed-exitcode`).
"""

from __future__ import annotations

import os
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
    load_desired,
)
from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.actions import Phase, Plan
from kafkaform.core.model import DesiredState
from kafkaform.core.observed import Api
from kafkaform.core.planner import Targets, plan, with_sizes
from kafkaform.errors import ClusterError
from kafkaform.files.planfile import save_plan
from kafkaform.render.json import render_json
from kafkaform.render.markdown import render_markdown
from kafkaform.render.text import print_plan
from kafkaform.run.connect import open_admin
from kafkaform.run.observe import observe


def observe_and_plan(
    desired: DesiredState, admin: ClusterAdmin, targets: Targets | None = None
) -> Plan:
    """Observe and plan; when replicas move, add their sizes from DescribeLogDirs.

    The sizes are asked for only then (one request per broker, the reply
    lists every replica) and only where the cluster supports it; a refusal
    leaves them unknown, which the plan shows.
    """
    result = plan(desired, observe(admin), targets)
    if not result.phase(Phase.REASSIGN) or Api.DESCRIBE_LOG_DIRS not in admin.capabilities():
        return result
    try:
        return with_sizes(result, admin.describe_log_dirs())
    except ClusterError:
        return result


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


@app.command("plan")
def plan_command(
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
    target: Annotated[
        list[str] | None,
        typer.Option("--target",
                     help="Plan only this resource: topic/NAME, acl/PRINCIPAL or broker-configs "
                          "(repeatable)."),
    ] = None,
) -> None:
    """Show what apply would change on the cluster, and change nothing."""
    targets = Targets.parse(target) if target else None
    desired = load_desired(env)
    admin = open_admin(desired, bootstrap=bootstrap,
                       command_config=command_config, snapshot=snapshot, read_only=True)
    try:
        result = observe_and_plan(desired, admin, targets)
    finally:
        admin.close()

    if output_format is OutputFormat.TEXT:
        print_plan(result, sys.stdout, color=sys.stdout.isatty() and "NO_COLOR" not in os.environ)
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
