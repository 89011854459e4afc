"""Options, exit codes and helpers shared by the commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kafkaform.core.model import DesiredState
from kafkaform.errors import KafkaformError

# Exit codes (DESIGN.md), as Terraform's `plan -detailed-exitcode`.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_INVALID = 3

ENVIRONMENTS_DIR = Path("environments")

EnvArg = Annotated[
    str,
    typer.Argument(
        help="Environment: a folder path, or a name under ./environments/.",
        show_default=False,
    ),
]
BootstrapOpt = Annotated[
    str | None,
    typer.Option(
        "--bootstrap-server",
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


def resolve_environment(arg: str) -> Path:
    """An environment argument is a folder, or a name under ./environments/."""
    path = Path(arg)
    if path.is_dir():
        return path
    named = ENVIRONMENTS_DIR / arg
    if named.is_dir():
        return named
    raise KafkaformError(
        f"environment {arg!r} not found: no folder {path} and no {named}"
    )


def print_error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def load_desired(env: str | Path) -> DesiredState:
    """Validate an environment, printing its problems; exit 3 when it is invalid.

    Warnings are printed as well: a command that goes on should still show them.
    """
    from kafkaform.files.validate import validate_environment  # jsonschema: only when needed

    path = env if isinstance(env, Path) else resolve_environment(env)
    result = validate_environment(path)
    for problem in result.problems:
        print(problem.render(), file=sys.stderr)
    if not result.ok or result.desired is None:
        print_error(f"environment {path} is invalid: the cluster was not contacted")
        raise typer.Exit(EXIT_INVALID)
    return result.desired
