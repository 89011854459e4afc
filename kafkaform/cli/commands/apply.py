"""`kafkaform apply` and `kafkaform force-unlock`.

Apply is the one command that writes. Everything before the first write runs
through a read-only admin (validate, observe, plan, fingerprint check), the
cluster id guard and the apply lock come before any write, and the result is
reported action by action (`kafkaform.run.session.apply_environment`).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    NOTHING_TO_APPLY,
    BootstrapOpt,
    CommandConfigOpt,
    EnvArg,
    Exit,
    TargetOpt,
    UsageError,
    connection,
    exit_codes,
    load_desired,
    parse_duration,
    parse_targets,
    resolve_environment,
    run_apply,
    runtime,
    say,
    with_moving_options,
)
from kafkaform.errors import KafkaformError

if TYPE_CHECKING:
    from kafkaform.run.apply import ApplyReport
    from kafkaform.run.reassign.options import ReassignmentOptions

PlanFileArg = Annotated[
    Path | None,
    typer.Argument(
        help="A plan saved with `kafkaform plan --out`; applied only if planning again gives it.",
        exists=True,
        dir_okay=False,
        show_default=False,
    ),
]


class ResultFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@app.command()
@with_moving_options
def apply(
    ctx: typer.Context,
    env: EnvArg,
    plan_file: PlanFileArg = None,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Apply without asking (for CI/CD).")
    ] = False,
    bootstrap: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
    lock_timeout: Annotated[
        str,
        typer.Option(
            "--lock-timeout", help="How long to wait when another apply holds the lock (30s, 10m)."
        ),
    ] = "0s",
    stale_lock_after: Annotated[
        str,
        typer.Option(
            "--stale-lock-after", help="A lock older than this is taken over (its apply died)."
        ),
    ] = "1h",
    output_format: Annotated[
        ResultFormat,
        typer.Option("--format", help="How to report the result: text, or one JSON document "
                                      "on stdout (the rest goes to stderr)."),
    ] = ResultFormat.TEXT,
    target: TargetOpt = None,
    *,
    reassignment: ReassignmentOptions,
) -> None:
    """Apply an environment (plan, review, apply) or a saved plan file.

    With --target, only those resources are planned, applied and verified;
    the rest of the environment is left as it is.
    """
    if target and plan_file is not None:
        raise UsageError("a saved plan carries its own targets (plan --target ... --out); "
                         "leave out --target")
    from kafkaform.run.session import LockOptions

    targets = parse_targets(target)
    locking = LockOptions(
        wait=parse_duration("--lock-timeout", lock_timeout),
        stale_after=parse_duration("--stale-lock-after", stale_lock_after),
    )
    path = resolve_environment(env)

    def attempt() -> ApplyReport | None:
        return run_apply(
            runtime(ctx),
            path,
            plan_file=plan_file,
            auto_approve=auto_approve,
            connection=connection(bootstrap, command_config),
            locking=locking,
            reassignment=reassignment,
            targets=targets,
        )

    with exit_codes():
        report = attempt() if output_format is ResultFormat.TEXT else as_json(str(path), attempt)
    raise typer.Exit(EXIT_OK if report is None or report.ok else EXIT_ERROR)


def as_json(environment: str, attempt: Callable[[], ApplyReport | None]) -> ApplyReport | None:
    """Run the apply with everything it prints on stderr, then its result as one JSON
    document on stdout (`render_apply_result`), a refusal too."""
    from kafkaform.render.json import render_apply_result
    from kafkaform.render.outcome import outcome_line

    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        try:
            report = attempt()
        except KafkaformError as error:
            if not isinstance(error, Exit):
                out.write(render_apply_result(environment, last_line=f"error: {error}",
                                              refusal=error))
            raise
    last = outcome_line(report) if report is not None else NOTHING_TO_APPLY
    out.write(render_apply_result(environment, report=report, last_line=last))
    return report


@app.command("force-unlock")
def force_unlock(
    ctx: typer.Context,
    env: EnvArg,
    bootstrap: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
) -> None:
    """Remove the cluster's apply lock, whoever holds it (when its apply is gone)."""
    from kafkaform.run import lock
    from kafkaform.run.session import force_unlock as remove_lock

    with exit_codes():
        existed, owner = remove_lock(
            runtime(ctx), load_desired(env), connection(bootstrap, command_config)
        )
    if not existed:
        say("There is no apply lock on this cluster.")
    elif owner is None:
        say(f"Removed the apply lock ({lock.LOCK_TOPIC}); it named no owner.")
    else:
        # What it adds about the holder it removed, as far as this machine can tell.
        forced = {
            lock.Holder.GONE: "; its process had ended.",
            lock.Holder.UNKNOWN: ".",
            lock.Holder.RUNNING: "; warning: its process is still running on this machine, "
                                 "and may go on writing while another apply runs.",
        }
        say(f"Removed the apply lock held by {owner.describe(runtime(ctx).clock())}"
            f"{forced[lock.Machine.here().holder(owner)]}")
