"""`kafkaform reassign generate | execute | verify | cancel`.

The files are `kafka-reassign-partitions.sh`'s own JSON, so each step can be
done by kafkaform or by the official tool. `generate` only reads the cluster
(it works against brokers without the reassignment APIs, such as Tansu);
`execute`, `verify` and `cancel` check for those APIs before doing anything.
See docs/reassignment.md.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kafkaform.cli.app import KafkaformGroup, app
from kafkaform.cli.common import (
    EXIT_CHANGES,
    EXIT_ERROR,
    BootstrapOpt,
    CommandConfigOpt,
    Exit,
    SnapshotOpt,
    UsageError,
    connection,
    exit_codes,
    load_desired,
    runtime,
    say,
    with_moving_options,
)

if TYPE_CHECKING:
    from kafkaform.core.actions import Reassign
    from kafkaform.core.model import DesiredState
    from kafkaform.core.reassign.jsonfile import Assignment
    from kafkaform.run.reassign import ReassignmentOptions, ReassignmentReport
    from kafkaform.run.session import Connection, Runtime

reassign_app = typer.Typer(
    help="Move partition replicas with kafka-reassign-partitions.sh's JSON: "
         "generate, execute (throttled, batched), verify, cancel.",
    no_args_is_help=True,
    cls=KafkaformGroup,
)
app.add_typer(reassign_app, name="reassign")

ReassignmentFileArg = Annotated[
    Path,
    typer.Argument(help="Reassignment JSON (kafka-reassign-partitions.sh format).",
                   exists=True, dir_okay=False, show_default=False),
]
EnvOpt = Annotated[
    str | None,
    typer.Option("--env", help="Take the connection (and reassignment settings) from this "
                               "environment."),
]


# --- generate ------------------------------------------------------------------


@reassign_app.command("generate")
def generate(
    ctx: typer.Context,
    env: Annotated[str | None, typer.Argument(
        help="Environment whose plan's replica moves to write.", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write the reassignment JSON here (default: print it).")] = None,
    rollback: Annotated[Path | None, typer.Option(
        "--rollback", help="Also write the current assignment of the moved partitions here.")
    ] = None,
    topics_to_move: Annotated[Path | None, typer.Option(
        "--topics-to-move", exists=True, dir_okay=False,
        help='Topics file as the official tool takes it: {"version":1,"topics":[{"topic":"a"}]}.')
    ] = None,
    broker_list: Annotated[str | None, typer.Option(
        "--broker-list", help="With --topics-to-move: the brokers the topics must end up on, "
                              "e.g. 1,2,3.")] = None,
    bootstrap: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
    snapshot: SnapshotOpt = None,
) -> None:
    """Write the reassignment JSON: an environment's planned moves, or topics onto brokers.

    Only reads the cluster, so it also works where kafkaform cannot execute
    (then run the file with kafka-reassign-partitions.sh --execute).
    """
    from kafkaform.core.reassign.jsonfile import parse_broker_list, parse_topics_to_move
    from kafkaform.run.session import moves_onto_brokers

    with exit_codes():
        if (env is None) == (topics_to_move is None):
            raise UsageError("give either ENV or --topics-to-move FILE --broker-list IDS")
        if (topics_to_move is None) != (broker_list is None):
            raise UsageError("--topics-to-move and --broker-list go together")
        where = connection(bootstrap, command_config, snapshot)
        if env is not None:
            actions = _planned_moves(runtime(ctx), env, where)
        else:
            assert topics_to_move is not None and broker_list is not None
            names = parse_topics_to_move(topics_to_move.read_text(), str(topics_to_move))
            brokers = parse_broker_list(broker_list)
            actions = moves_onto_brokers(runtime(ctx), where, names, brokers)
        _write_generated(actions, out, rollback)


def _planned_moves(runtime: Runtime, env: str, where: Connection) -> list[Reassign]:
    from kafkaform.core.actions import Phase, Reassign
    from kafkaform.run.session import planned_moves

    desired = load_desired(env)
    result = planned_moves(runtime, desired, where)
    for problem in (*result.errors, *result.warnings):
        print(problem.render(), file=sys.stderr)
    if result.errors:
        raise Exit(EXIT_ERROR, f"the plan for {desired.environment} has errors: nothing written")
    return [a for a in result.phase(Phase.REASSIGN) if isinstance(a, Reassign)]


def _write_generated(actions: list[Reassign], out: Path | None, rollback: Path | None) -> None:
    from kafkaform.core.reassign.jsonfile import dump_reassignment, origins_of, targets_of
    from kafkaform.core.wording import plural

    targets = targets_of(actions)
    copies = sum(a.replica_moves for a in actions)
    # With nothing to move, --out still gets a file (an empty list): an old
    # file left in place would make `generate && execute` run old moves again.
    summary = (f"{plural(len(targets), 'partition')} of {plural(len(actions), 'topic')} move, "
               f"{plural(copies, 'replica copy', 'replica copies')}") if targets \
        else "No partition needs to move"
    if out is None:
        sys.stdout.write(dump_reassignment(targets))
        print(summary, file=sys.stderr)
    else:
        out.write_text(dump_reassignment(targets))
        say(f"{summary}: wrote {out}")
    if rollback is not None:
        rollback.write_text(dump_reassignment(origins_of(actions)))
        say(f"Current assignment (for rollback): wrote {rollback}")


# --- execute, verify, cancel -----------------------------------------------------


def _environment(env: str | None) -> DesiredState | None:
    return load_desired(env) if env is not None else None


def _load(file: Path) -> Assignment:
    from kafkaform.core.reassign.jsonfile import parse_reassignment

    return parse_reassignment(file.read_text(), str(file))


@reassign_app.command("execute")
@with_moving_options
def execute(
    ctx: typer.Context,
    file: ReassignmentFileArg,
    env: EnvOpt = None,
    bootstrap: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
    *,
    reassignment: ReassignmentOptions,
) -> None:
    """Move partitions to the file's replicas: throttled, in batches, verified, cleaned up.

    Re-running after an interruption continues: partitions already moved are
    skipped and moves still running are waited on, not restarted.
    """
    from kafkaform.core.wording import plural
    from kafkaform.render.progress import make_reporter
    from kafkaform.run.session import execute_reassignment

    with exit_codes():
        targets = _load(file)
        report = execute_reassignment(
            runtime(ctx), _environment(env), connection(bootstrap, command_config), targets,
            origin=file, reporter=make_reporter(), reassignment=reassignment)
        _print_report(report)
        if not report.ok:
            raise Exit(EXIT_ERROR, f"{plural(len(report.failed), 'partition')} did not reach "
                                   "their "
                                   f"target; see above, then `kafkaform reassign verify {file}`")


def _print_report(report: ReassignmentReport) -> None:
    from kafkaform.core.wording import plural

    say(f"Moved {plural(len(report.moved), 'partition')} in "
        f"{plural(report.batches, 'batch', 'batches')}; "
        f"{len(report.already_at_target)} were already at their target.")
    for tp, reason in report.failed.items():
        say(f"  failed: {tp}: {reason}")


@reassign_app.command("verify")
def verify(
    ctx: typer.Context,
    file: ReassignmentFileArg,
    env: EnvOpt = None,
    bootstrap: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
) -> None:
    """Report each partition; once all are complete, remove kafkaform's throttles.

    Each partition is complete, in progress or failed. When all are complete,
    the throttles kafkaform set (never another tool's) are removed and the
    moved partitions' preferred leaders elected. Exit 0 when complete, 2 while
    moves are in progress, 1 when a partition failed.
    """
    from kafkaform.core.wording import plural
    from kafkaform.run.session import verify_reassignment_file

    with exit_codes():
        targets = _load(file)
        result = verify_reassignment_file(
            runtime(ctx), _environment(env), connection(bootstrap, command_config), targets)
        say("Status of partition reassignment:")
        for line in result.lines():
            say(f"  {line}")
        if result.cleanup is not None:
            if result.cleanup.throttles_kept:
                say(f"kafkaform's throttles kept: {result.cleanup.throttles_kept}")
            else:
                say("Removed the replication throttles kafkaform set (if any).")
            if result.cleanup.leaders_elected:
                say("Elected the preferred leader of "
                    f"{plural(len(result.cleanup.leaders_elected), 'partition')}.")
            for tp, error in sorted(result.cleanup.election_errors.items()):
                say(f"  preferred leader election for {tp} failed: {error}")
            return
        statuses = {s.value for s, _ in result.statuses.values()}
        if "failed" in statuses:
            raise Exit(EXIT_ERROR, "some partitions are neither moving nor at their target")
        raise Exit(EXIT_CHANGES)


@reassign_app.command("cancel")
def cancel(
    ctx: typer.Context,
    file: ReassignmentFileArg,
    env: EnvOpt = None,
    bootstrap: BootstrapOpt = None,
    command_config: CommandConfigOpt = None,
) -> None:
    """Revert the file's moves still in flight and remove kafkaform's throttles.

    Partitions that already reached their target stay there; to move them
    back, execute the rollback file.
    """
    from kafkaform.core.wording import plural
    from kafkaform.run.session import cancel_reassignment_file

    with exit_codes():
        targets = _load(file)
        result = cancel_reassignment_file(
            runtime(ctx), _environment(env), connection(bootstrap, command_config), targets,
            origin=file)
        if result.cancelled:
            say(f"Cancelled {plural(len(result.cancelled), 'move')} in flight: "
                + ", ".join(map(str, result.cancelled)))
        else:
            say("None of the file's partitions is being moved.")
        if result.cleanup.throttles_kept:
            say(f"kafkaform's throttles kept: {result.cleanup.throttles_kept}")
        else:
            say("Removed the replication throttles kafkaform set (if any).")
        if result.errors:
            raise Exit(EXIT_ERROR, "could not cancel: " + "; ".join(
                f"{tp}: {e}" for tp, e in sorted(result.errors.items())))
