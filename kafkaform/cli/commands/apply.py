"""`kafkaform apply` and `kafkaform force-unlock`.

Apply is the one command that writes. Everything before the first write runs
through a read-only admin (validate, observe, plan, fingerprint check), the
cluster id guard and the apply lock come before any write, and the result is
reported action by action (`kafkaform.apply`).
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from kafkaform import lock
from kafkaform.actions import Plan
from kafkaform.apply import ApplyRefused, ApplyReport, apply_plan, ensure_cluster_identity
from kafkaform.cli.app import app
from kafkaform.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    BootstrapOpt,
    CommandConfigOpt,
    EnvArg,
    load_desired,
    resolve_environment,
)
from kafkaform.cluster.port import ClusterAdmin
from kafkaform.errors import KafkaformError
from kafkaform.model import DesiredState
from kafkaform.progress import Reporter, make_reporter
from kafkaform.reassign import ReassignmentOptions
from kafkaform.units import normalize_config_value, parse_duration_ms
from kafkaform.waiting import idle
from kafkaform.wording import listed


class Exit(KafkaformError):
    """Stop the command with this exit code after its message was printed."""

    def __init__(self, code: int, message: str = "") -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class LockOptions:
    wait: timedelta = timedelta(0)
    stale_after: timedelta = lock.DEFAULT_STALE_AFTER


def say(message: str = "") -> None:
    print(message, flush=True)


def connect(
    desired: DesiredState, bootstrap: str | None, command_config: Path | None
) -> ClusterAdmin:
    from kafkaform.cluster.connect import open_admin

    return open_admin(
        desired, bootstrap=bootstrap, command_config=command_config, snapshot=None, read_only=False
    )


def connect_guarded(
    desired: DesiredState, bootstrap: str | None, command_config: Path | None
) -> ClusterAdmin:
    """Connect, and refuse a cluster other than the one the environment names."""
    admin = connect(desired, bootstrap, command_config)
    try:
        ensure_cluster_identity(
            desired.cluster.cluster_id,
            admin.describe_cluster(),
            f"environment {desired.environment}",
        )
    except BaseException:
        admin.close()
        raise
    return admin


def plan_live(desired: DesiredState, admin: ClusterAdmin) -> Plan:
    """Observe through a read-only view and plan: no write can happen here."""
    from kafkaform.cli.commands.plan import observe_and_plan
    from kafkaform.cluster.readonly import ReadOnlyAdmin

    return observe_and_plan(desired, ReadOnlyAdmin(admin))


def show_plan(plan: Plan) -> None:
    from kafkaform.render.text import print_plan

    print_plan(plan, sys.stdout, color=sys.stdout.isatty())
    sys.stdout.flush()


def ensure_unchanged(plan: Plan, admin: ClusterAdmin,
                     reporter: Reporter | None = None) -> None:
    """Refuse a plan whose cluster state has changed since it was computed.

    One change is expected, not refused: moves the plan waits for (moves in
    flight, from an interrupted run) that ended meanwhile, at their targets.
    Resuming an interrupted apply on a real cluster, copies keep finishing
    while the plan is made, shown and the lock taken (seen on Kafka 4.4:
    "reassignment ... was removed; re-run plan", and again on the re-run).
    The plan stays right: those partitions are at their target, and the
    executor skips partitions that are.
    """
    from kafkaform.cluster.readonly import ReadOnlyAdmin
    from kafkaform.fingerprint import fingerprint_diff, observed_summary, summary_fingerprint
    from kafkaform.observe import observe

    observed = observe(ReadOnlyAdmin(admin))
    now = observed_summary(observed)
    if summary_fingerprint(now) == plan.observed_fingerprint:
        return
    ended = waits_that_ended(plan, observed, now)
    if ended:
        if reporter is not None:
            reporter.info(f"{len(ended)} move(s) the plan waits for ended while waiting for "
                          f"the lock: {listed(ended)}")
        return
    changes = fingerprint_diff(plan.observed_summary, now) if plan.observed_summary else []
    what = "; ".join(changes) or "its fingerprint differs (the plan file has no summary)"
    raise ApplyRefused(
        f"the cluster changed since this plan was made: {what}; re-run plan (nothing was applied)"
    )


def waits_that_ended(plan: Plan, observed, now: dict) -> list[str]:
    """The plan's in-flight moves that have ended at their targets since, when
    nothing else changed (the summary then equals the plan's); else []."""
    from kafkaform.actions import Phase, Reassign
    from kafkaform.fingerprint import before_moves_ended, summary_fingerprint

    old = plan.observed_summary
    if not old:
        return []
    waits = {(a.topic, m.partition): m for a in plan.phase(Phase.REASSIGN)
             if isinstance(a, Reassign) for m in a.moves if m.in_flight}
    names = {f"{topic}-{p}": (topic, p) for topic, p in waits}
    gone = set(old.get("reassigning", {})) - set(now.get("reassigning", {}))
    if not gone or not gone <= set(names):
        return []
    ended: dict[tuple[str, int], list[int]] = {}
    for name in sorted(gone):
        topic, partition = names[name]
        info = observed.topics.get(topic)
        current = next((p for p in info.partitions if p.partition == partition), None) \
            if info is not None else None
        if current is None or tuple(current.replicas) != tuple(waits[(topic, partition)].after):
            return []
        ended[(topic, partition)] = old["reassigning"][name]
    then = before_moves_ended(now, observed, ended)
    return sorted(gone) if summary_fingerprint(then) == plan.observed_fingerprint else []


def check_saved_plan(plan: Plan, desired: DesiredState, plan_file: Path) -> None:
    """A saved plan must be for this environment, as the files now declare it."""
    from kafkaform.fingerprint import desired_hash

    if plan.environment != desired.environment:
        raise ApplyRefused(
            f"{plan_file} is a plan for environment {plan.environment!r}, not "
            f"{desired.environment!r}; nothing was applied"
        )
    if plan.desired_hash != desired_hash(desired):
        raise ApplyRefused(
            f"the files of environment {desired.environment} changed since {plan_file} was "
            "made, so it is not the plan that was reviewed; re-run plan (nothing was applied)"
        )


def confirm(auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise Exit(
            EXIT_ERROR,
            "refusing to ask for approval: stdin is not a terminal. Review the plan, then "
            "re-run with --auto-approve, or apply a saved plan file (kafkaform plan --out)",
        )
    answer = typer.prompt("Type yes to apply", default="", show_default=False)
    if answer.strip() != "yes":
        raise Exit(EXIT_ERROR, "apply cancelled: nothing was applied")


def execute(
    plan: Plan,
    desired: DesiredState,
    admin: ClusterAdmin,
    reporter: Reporter,
    locking: LockOptions,
    reassignment: ReassignmentOptions | None = None,
) -> ApplyReport:
    """Under the cluster's lock: re-check the cluster is as planned, apply, verify."""
    with lock.holding(
        admin,
        environment=desired.environment,
        stale_after=locking.stale_after,
        wait=locking.wait,
        warn=reporter.warning,
    ):
        # The cluster may have moved while the plan was reviewed or waited for the lock.
        ensure_unchanged(plan, admin, reporter)
        return apply_plan(
            plan, admin, reporter=reporter, desired=desired, reassignment=reassignment
        )


def run_apply(
    env_path: Path,
    *,
    plan_file: Path | None = None,
    auto_approve: bool = False,
    bootstrap: str | None = None,
    command_config: Path | None = None,
    locking: LockOptions = LockOptions(),
    reporter: Reporter | None = None,
    reassignment: ReassignmentOptions | None = None,
) -> ApplyReport | None:
    """The whole apply; None when there was nothing to do. Raises `Exit` to stop."""
    desired = load_desired(env_path)
    admin = connect_guarded(desired, bootstrap, command_config)
    try:
        if plan_file is None:
            plan = plan_live(desired, admin)
        else:
            from kafkaform.planfile import load_plan

            plan = load_plan(plan_file)
            check_saved_plan(plan, desired, plan_file)
        show_plan(plan)
        if plan.errors:
            raise Exit(EXIT_ERROR, "the plan has errors and cannot be applied: nothing was applied")
        if plan.is_empty:
            from kafkaform.reassign.execute import describe_ledger, recorded_throttles

            # An interrupted reassignment whose moves ended since: its
            # throttles are the one thing left to do (apply_plan removes them).
            leftover = recorded_throttles(admin)
            if leftover is None:
                say("Nothing to apply: the cluster already matches the environment.")
                return None
            say("Nothing to apply but kafkaform's replication throttles left by an interrupted "
                f"reassignment on {describe_ledger(leftover)}: apply removes them.")
        if plan_file is None:
            confirm(auto_approve)
        report = execute(
            plan, desired, admin, reporter or make_reporter(), locking, reassignment
        )
    finally:
        admin.close()
    say(outcome_line(report))
    return report


def outcome_line(report: ApplyReport) -> str:
    """The last line of an apply: truthful about what was and was not done."""
    from kafkaform.progress import Status

    done, failed, skipped = (len(report.with_status(s)) for s in Status)
    if report.ok:
        return f"Apply complete: {done} action(s) done, and the cluster matches the environment."
    parts = [f"{done} done", f"{failed} failed", f"{skipped} not attempted"]
    tail = ""
    if report.stopped:
        tail += f" The apply stopped: {report.stopped}."
    if report.not_converged:
        tail += f" {len(report.not_converged)} change(s) did not converge (see the table)."
    return (
        f"Apply FAILED: {', '.join(parts)}.{tail} Fix the cause and run apply again: "
        "it plans only what is left."
    )


@contextmanager
def exit_codes() -> Iterator[None]:
    """Expected failures become one line on stderr and their exit code."""
    try:
        yield
    except Exit as stop:
        if str(stop):
            print(f"error: {stop}", file=sys.stderr)
        raise typer.Exit(stop.code) from None
    except KafkaformError as error:
        print(f"error: {error}", file=sys.stderr)
        raise typer.Exit(EXIT_ERROR) from None


def parse_duration(option: str, value: str) -> timedelta:
    try:
        return timedelta(milliseconds=parse_duration_ms(value))
    except ValueError as error:
        raise typer.BadParameter(f"{error} (e.g. 30s, 10m, 1h)", param_hint=option) from None


# --- moving replicas: the options `apply` and `reassign execute` share ----------

# How reassignments wait between polls; tests replace it to drive a MemoryCluster.
sleep: Callable[[float], None] = idle

_MOVING = "Moving replicas"
ThrottleOpt = Annotated[
    str | None,
    typer.Option(
        "--throttle",
        help="Replication throttle per broker per second while moving replicas (50MiB), or "
        "off. Default: the environment's reassignment.throttle (50MiB without one).",
        rich_help_panel=_MOVING,
    ),
]
BatchSizeOpt = Annotated[
    int | None,
    typer.Option("--batch-size", min=1, rich_help_panel=_MOVING,
                 help="Partitions moved at the same time. Default: the environment's."),
]
MaxMovesOpt = Annotated[
    int | None,
    typer.Option("--max-moves-per-broker", min=1, rich_help_panel=_MOVING,
                 help="Replicas one broker receives at the same time. Default: the "
                 "environment's."),
]
ForceOpt = Annotated[
    bool,
    typer.Option("--force", rich_help_panel=_MOVING,
                 help="Move replicas even while partitions are under-replicated or offline."),
]
AdditionalOpt = Annotated[
    bool,
    typer.Option("--additional", rich_help_panel=_MOVING,
                 help="Move replicas alongside reassignments already in progress."),
]
TimeoutOpt = Annotated[
    str | None,
    typer.Option("--timeout", rich_help_panel=_MOVING,
                 help="Stop waiting for replica moves after this long (2h); they go on, and "
                 "running the command again continues them."),
]
PollIntervalOpt = Annotated[
    float,
    typer.Option("--poll-interval", min=0.1, rich_help_panel=_MOVING,
                 help="Seconds between checks of the moves' progress."),
]


# name: (option, default), in the order --help lists them
_MOVING_OPTIONS: dict[str, tuple[object, object]] = {
    "throttle": (ThrottleOpt, None),
    "batch_size": (BatchSizeOpt, None),
    "max_moves_per_broker": (MaxMovesOpt, None),
    "force": (ForceOpt, False),
    "additional": (AdditionalOpt, False),
    "timeout": (TimeoutOpt, None),
    "poll_interval": (PollIntervalOpt, 5.0),
}


def with_moving_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command the "Moving replicas" options, defined once for `apply`
    and `reassign execute`: typer sees them in the signature, the command
    receives them as one `reassignment: ReassignmentOptions` argument."""
    signature = inspect.signature(command, eval_str=True)
    kept = [p for p in signature.parameters.values() if p.name != "reassignment"]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                          annotation=option)
        for name, (option, default) in _MOVING_OPTIONS.items()
    ]

    @functools.wraps(command)
    def run(*args: object, **kwargs: object) -> None:
        moving = {name: kwargs.pop(name) for name in _MOVING_OPTIONS}
        command(*args, reassignment=reassignment_options(**moving), **kwargs)

    run.__signature__ = signature.replace(parameters=[*kept, *added])  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in [*kept, *added]}
    return run


def reassignment_options(
    *,
    throttle: str | None,
    batch_size: int | None,
    max_moves_per_broker: int | None,
    force: bool,
    additional: bool,
    timeout: str | None,
    poll_interval: float,
) -> ReassignmentOptions:
    """The "Moving replicas" options as the reassignment engine takes them."""
    return ReassignmentOptions(
        throttle_bytes_per_sec=None if throttle is None else parse_throttle(throttle),
        batch_size=batch_size,
        max_moves_per_broker=max_moves_per_broker,
        force=force,
        additional=additional,
        timeout_seconds=parse_duration("--timeout", timeout).total_seconds() if timeout else None,
        poll_seconds=poll_interval,
        sleep=sleep,
    )


def parse_throttle(value: str) -> int:
    if value.lower() in ("off", "none"):
        return 0
    try:
        return int(normalize_config_value("leader.replication.throttled.rate", value))
    except ValueError as error:
        raise typer.BadParameter(f"{error} (e.g. 50MiB, or off)", param_hint="--throttle") \
            from None


PlanFileArg = Annotated[
    Path | None,
    typer.Argument(
        help="A plan saved with `kafkaform plan --out`; applied only if the cluster is unchanged.",
        exists=True,
        dir_okay=False,
        show_default=False,
    ),
]


@app.command()
@with_moving_options
def apply(
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
    *,
    reassignment: ReassignmentOptions,
) -> None:
    """Apply an environment (plan, review, apply) or a saved plan file."""
    locking = LockOptions(
        wait=parse_duration("--lock-timeout", lock_timeout),
        stale_after=parse_duration("--stale-lock-after", stale_lock_after),
    )
    with exit_codes():
        report = run_apply(
            resolve_environment(env),
            plan_file=plan_file,
            auto_approve=auto_approve,
            bootstrap=bootstrap,
            command_config=command_config,
            locking=locking,
            reassignment=reassignment,
        )
    raise typer.Exit(EXIT_OK if report is None or report.ok else EXIT_ERROR)


@app.command("force-unlock")
def force_unlock(
    env: EnvArg,
    bootstrap: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
) -> None:
    """Remove the cluster's apply lock, whoever holds it (when its apply is gone)."""
    with exit_codes():
        desired = load_desired(env)
        admin = connect_guarded(desired, bootstrap, command_config)
        try:
            existed, owner = lock.force_unlock(admin)
        finally:
            admin.close()
    if not existed:
        say("There is no apply lock on this cluster.")
    elif owner is None:
        say(f"Removed the apply lock ({lock.LOCK_TOPIC}); it named no owner.")
    else:
        say(f"Removed the apply lock held by {owner.describe(lock.utc_now())}.")
