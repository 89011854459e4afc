"""What the commands share: options, exit codes and their mapping, loading an environment.

Exit codes (docs/troubleshooting.md), as Terraform's `plan -detailed-exitcode`:
0 success and no changes, 1 error, 2 changes present (or moves in progress),
3 validation failed, 64 a usage error (`kafkaform.cli.app` maps click's). A
command runs its work inside `exit_codes()`: an `Exit` stops it with its code,
any other `KafkaformError` is one `error:` line and exit 1.

Every command module imports this one when the command line is built, for
`--version` and `--help` as much as for `apply`, so it imports nothing but
typer at the top: what a command needs from run/, render/, files/ and core/
(and through them jsonschema, rich and the Kafka clients) is imported inside
the functions that use it, when a command runs (`tests/cli/test_startup.py`).
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.main import get_current_context  # typer's click: the running command's context

from kafkaform.errors import KafkaformError

if TYPE_CHECKING:
    from kafkaform.core.actions import Plan
    from kafkaform.core.model import DesiredState
    from kafkaform.core.planner import Targets
    from kafkaform.run.apply import ApplyReport
    from kafkaform.run.reassign.options import ReassignmentOptions
    from kafkaform.run.session import Connection, LockOptions, Runtime

if TYPE_CHECKING:
    from kafkaform.files.validate import ValidationResult

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_INVALID = 3
# sysexits.h's EX_USAGE: the command line itself was wrong (click would exit 2).
EXIT_USAGE = 64

ENVIRONMENTS_DIR = Path("environments")

# typer vendors click (typer._click); its UsageError is reached through a public name.
# Raised for a command line that cannot work (options that exclude each other ...):
# typer prints it with the usage line, and it exits EXIT_USAGE (`kafkaform.cli.app`).
UsageError: type[Exception] = typer.BadParameter.__mro__[1]


class Exit(KafkaformError):
    """Stop the command with this exit code after its message was printed."""

    def __init__(self, code: int, message: str = "") -> None:
        self.code = code
        super().__init__(message)


@contextmanager
def exit_codes() -> Iterator[None]:
    """Expected failures become one line on stderr and their exit code."""
    try:
        yield
    except Exit as stop:
        if str(stop):
            print_error(str(stop))
        raise typer.Exit(stop.code) from None
    except KafkaformError as error:
        print_error(str(error))
        raise typer.Exit(EXIT_ERROR) from None


def print_error(message: str) -> None:
    """One line, whatever the message quotes (`kafkaform.core.quoting`)."""
    from kafkaform.core.quoting import one_line

    print(f"error: {one_line(message)}", file=sys.stderr)


def say(message: str = "") -> None:
    print(message, flush=True)


def runtime(ctx: typer.Context) -> Runtime:
    """The run's Runtime: the one the caller passed as `obj`, else the real one, made
    on the root context so that every command of the run shares it."""
    from kafkaform.run.session import Runtime

    return ctx.find_root().ensure_object(Runtime)


# --- the environment ----------------------------------------------------------------

def environment_names() -> list[str]:
    """The environments under ./environments/ (shared folders such as `_base` left out)."""
    from kafkaform.files.changed import environment_folders

    if not ENVIRONMENTS_DIR.is_dir():
        return []
    return [folder.name for folder in environment_folders(ENVIRONMENTS_DIR)]


def complete_environment(incomplete: str) -> list[str]:
    """Shell completion: the environment names under ./environments/."""
    return [name for name in environment_names() if name.startswith(incomplete)]


EnvArg = Annotated[
    str,
    typer.Argument(
        help="Environment: a folder path, or a name under ./environments/.",
        show_default=False,
        metavar="ENV",
        autocompletion=complete_environment,
    ),
]


def resolve_environment(arg: str) -> Path:
    """An environment argument is a folder, or a name under ./environments/."""
    path = Path(arg)
    if path.is_dir():
        return path
    named = ENVIRONMENTS_DIR / arg
    if named.is_dir():
        return named
    raise KafkaformError(f"environment {arg!r} not found: no folder {path} and no {named}"
                         + _known_environments(arg))


def new_environment_folder(arg: str) -> Path:
    """Where an environment that may not exist yet lives: the folder, when the argument
    names one or is a path; otherwise a name under ./environments/."""
    path = Path(arg)
    if path.is_dir() or len(path.parts) > 1:
        return path
    return ENVIRONMENTS_DIR / arg


def _known_environments(arg: str) -> str:
    """What there is instead: the closest names, and every environment here."""
    from kafkaform.core.wording import did_you_mean

    names = environment_names()
    if not names:
        return (f" (there is no {ENVIRONMENTS_DIR}/ folder here: run kafkaform where it is, "
                "give the folder's path, or create one with `kafkaform init NAME`)")
    suggestion = did_you_mean(arg, names)
    return f"; {suggestion + ' ' if suggestion else ''}environments here: {', '.join(names)}"


# ctx.meta key: `--allow-includes-outside-repo` was given (`kafkaform.cli.app`).
INCLUDES_OUTSIDE = "kafkaform.includes_outside"


def validated(path: Path) -> ValidationResult:
    """`validate_environment`, with includes kept inside the repository unless the
    command line (`kafkaform --allow-includes-outside-repo ...`) allowed otherwise."""
    from kafkaform.files.validate import validate_environment  # jsonschema: only when needed

    context = get_current_context(silent=True)
    outside = bool(context is not None and context.meta.get(INCLUDES_OUTSIDE))
    return validate_environment(path, includes_outside=outside)


def load_desired(env: str | Path) -> DesiredState:
    """Validate an environment, printing its problems; exit 3 when it is invalid.

    Warnings are printed as well: a command that goes on should still show them.
    """
    path = env if isinstance(env, Path) else resolve_environment(env)
    result = validated(path)
    for problem in result.problems:
        print(problem.render(), file=sys.stderr)
    if not result.ok or result.desired is None:
        print_error(f"environment {path} is invalid: the cluster was not contacted")
        raise typer.Exit(EXIT_INVALID)
    return result.desired


# --- the connection -------------------------------------------------------------------

BootstrapOpt = Annotated[
    str | None,
    typer.Option(
        "--bootstrap-server",
        metavar="HOST:PORT",
        help="host:port[,host:port...] to connect to, overriding the environment file.",
    ),
]
CommandConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--command-config",
        help="Client properties file (as Kafka's CLI tools take), e.g. TLS/SASL settings.",
        exists=True,
        dir_okay=False,
    ),
]
SnapshotOpt = Annotated[
    Path | None,
    typer.Option(
        "--snapshot",
        help="Read the cluster from a snapshot JSON file instead of a live cluster.",
        exists=True,
        dir_okay=False,
    ),
]


def connection(
    bootstrap: str | None, command_config: Path | None, snapshot: Path | None = None
) -> Connection:
    from kafkaform.run.session import Connection

    return Connection(bootstrap=bootstrap, command_config=command_config, snapshot=snapshot)


def complete_target(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of `--target`: the resources of the environment on the line
    (nothing when it does not load: completion never prints errors)."""
    from kafkaform.core.planner import Targets
    from kafkaform.files.load import load_environment

    # `plan prod --target <TAB>`: the option's missing value stops click's parsing
    # before it reaches the arguments, so the environment is still among the leftovers.
    env = ctx.params.get("env") or next(iter(ctx.args), None)
    if env is None:
        return []
    try:
        desired = load_environment(resolve_environment(str(env))).desired
    except (KafkaformError, OSError):
        return []
    if desired is None:
        return []
    candidates = [f"topic/{name}" for name in sorted(desired.topics)]
    candidates += sorted({f"acl/{binding.principal}" for binding in desired.acls})
    candidates.append(Targets.BROKER_CONFIGS)
    candidates += [f"user/{name}" for name in sorted(desired.users)]
    candidates += sorted({f"quota/{name}" for entity in desired.quotas for name in entity.names})
    return [c for c in candidates if c.startswith(incomplete)]


TargetOpt = Annotated[
    list[str] | None,
    typer.Option("--target", metavar="RESOURCE", autocompletion=complete_target,
                 help="Only this resource: topic/NAME, acl/PRINCIPAL, broker-configs, "
                      "user/NAME (a SCRAM user) or quota/NAME (the client quotas naming a "
                      "user or client id) (repeatable); the rest of the environment is left "
                      "as it is."),
]


def parse_targets(specs: list[str] | None) -> Targets | None:
    """`--target` values; a malformed one is a usage error."""
    from kafkaform.core.planner import Targets

    if not specs:
        return None
    try:
        return Targets.parse(specs)
    except KafkaformError as error:
        raise typer.BadParameter(str(error).removeprefix("--target "), param_hint="--target") \
            from None


def parse_duration(option: str, value: str) -> timedelta:
    from kafkaform.core.units import parse_duration_ms

    try:
        return timedelta(milliseconds=parse_duration_ms(value))
    except ValueError as error:
        raise typer.BadParameter(f"{error} (e.g. 30s, 10m, 1h)", param_hint=option) from None


# --- moving replicas: the options `apply` and `reassign execute` share ----------

_MOVING = "Moving replicas"
ThrottleOpt = Annotated[
    str | None,
    typer.Option(
        "--throttle",
        metavar="RATE",
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
    typer.Option("--timeout", rich_help_panel=_MOVING, metavar="DURATION",
                 help="Stop waiting for replica moves after this long (2h); they go on, and "
                 "running the command again continues them."),
]
PollIntervalOpt = Annotated[
    float,
    typer.Option("--poll-interval", min=0.1, rich_help_panel=_MOVING, metavar="SECONDS",
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
    receives them as one `reassignment: ReassignmentOptions` argument.

    Only the options typer reads are evaluated (PEP 563 keeps annotations as
    strings): the command's module need not import ReassignmentOptions, which
    loads the reassignment engine, to be listed by `--help`."""
    signature = inspect.signature(command)
    kept = [
        p.replace(annotation=eval(p.annotation, command.__globals__))  # as eval_str=True does
        if isinstance(p.annotation, str) else p
        for p in signature.parameters.values() if p.name != "reassignment"
    ]
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
    """The "Moving replicas" options as the reassignment engine takes them (the
    session puts them on the run's clock)."""
    from kafkaform.run.reassign.options import ReassignmentOptions

    return ReassignmentOptions(
        throttle_bytes_per_sec=None if throttle is None else parse_throttle(throttle),
        batch_size=batch_size,
        max_moves_per_broker=max_moves_per_broker,
        force=force,
        additional=additional,
        timeout_seconds=parse_duration("--timeout", timeout).total_seconds() if timeout else None,
        poll_seconds=poll_interval,
    )


def parse_throttle(value: str) -> int:
    from kafkaform.core.units import normalize_config_value

    if value.lower() in ("off", "none"):
        return 0
    try:
        return int(normalize_config_value("leader.replication.throttled.rate", value))
    except ValueError as error:
        raise typer.BadParameter(f"{error} (e.g. 50MiB, or off)", param_hint="--throttle") \
            from None


# --- applying: what `apply` and `demo` share ---------------------------------------

# A fresh plan, empty and without errors: a saved one too (it must be the fresh one).
NOTHING_TO_APPLY = "Nothing to apply: the cluster already matches the environment."


def show_plan(plan: Plan) -> None:
    from kafkaform.render.text import print_plan, wants_colour

    print_plan(plan, sys.stdout, color=wants_colour(sys.stdout))
    sys.stdout.flush()


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


def run_apply(
    runtime: Runtime,
    env_path: Path,
    *,
    plan_file: Path | None = None,
    auto_approve: bool = False,
    connection: Connection | None = None,
    locking: LockOptions | None = None,
    reassignment: ReassignmentOptions | None = None,
    targets: Targets | None = None,
) -> ApplyReport | None:
    """The whole apply, shown as it goes; None when there was nothing to do."""
    from kafkaform.render.outcome import outcome_line
    from kafkaform.render.progress import make_reporter
    from kafkaform.run.session import Connection, LockOptions, apply_environment

    desired = load_desired(env_path)
    report = apply_environment(
        runtime, desired, connection or Connection(),
        reporter=make_reporter(),
        show=show_plan,
        approve=functools.partial(confirm, auto_approve),
        plan_file=plan_file,
        locking=locking or LockOptions(),
        reassignment=reassignment,
        targets=targets,
    )
    if report is None:
        say(NOTHING_TO_APPLY)
        return None
    say(outcome_line(report))
    return report
