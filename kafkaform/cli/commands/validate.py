"""`kafkaform validate [ENV ...]`: check files before anything touches a cluster."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.common import (
    ENVIRONMENTS_DIR,
    EXIT_INVALID,
    EXIT_OK,
    complete_environment,
    resolve_environment,
    validated,
)
from kafkaform.errors import KafkaformError

if TYPE_CHECKING:
    from kafkaform.core.model import PartitionSizing
    from kafkaform.files.validate import ValidationResult


def default_environments() -> list[Path]:
    """Every folder under ./environments/ except shared ones (`_base` ...)."""
    from kafkaform.files.changed import environment_folders

    if not ENVIRONMENTS_DIR.is_dir():
        raise KafkaformError(f"no {ENVIRONMENTS_DIR}/ folder here: name the environments to check")
    folders = environment_folders(ENVIRONMENTS_DIR)
    if not folders:
        raise KafkaformError(f"no environment folders under {ENVIRONMENTS_DIR}/")
    return folders


def describe_sizing(sizing: PartitionSizing, partitions: int) -> str:
    return (f"partitions {partitions} = ceil({sizing.throughput:g} / {sizing.per_partition:g}"
            f" x {sizing.factor:g})")


def report(result: ValidationResult) -> list[str]:
    """The lines printed for one environment: problems, then a summary."""
    from kafkaform.core.wording import plural

    lines = [problem.render() for problem in result.problems]
    errors, warnings = len(result.errors), len(result.warnings)
    if result.desired is None:
        lines.append(f"{result.path}: invalid, {plural(errors, 'error')}, "
                     f"{plural(warnings, 'warning')}")
        return lines
    desired = result.desired
    lines.append(f"{result.path}: ok, {plural(len(desired.topics), 'topic')}, "
                 f"{plural(len(desired.acls), 'ACL binding')}, {plural(warnings, 'warning')}")
    lines.extend(
        f"  {topic.name}: {describe_sizing(topic.sizing, topic.partitions)}"
        for topic in desired.topics.values() if topic.sizing is not None
    )
    return lines


@app.command()
def validate(
    environments: Annotated[
        list[str] | None,
        typer.Argument(
            help="Environment folders or names under ./environments/ "
                 "(default: every folder there not starting with '_').",
            show_default=False,
            autocompletion=complete_environment,
        ),
    ] = None,
) -> None:
    """Check desired-state files: schemas, Kafka rules and HA policies.

    Prints every problem as `file:line: key.path: message`; exits 3 if any is
    an error, 0 otherwise.
    """
    from kafkaform.core.wording import plural

    folders = (
        [resolve_environment(name) for name in environments]
        if environments else default_environments()
    )
    results = [validated(folder) for folder in folders]
    for result in results:
        for line in report(result):
            typer.echo(line)
    errors = sum(len(r.errors) for r in results)
    warnings = sum(len(r.warnings) for r in results)
    typer.echo(f"{plural(len(results), 'environment')} checked: "
               f"{plural(errors, 'error')}, {plural(warnings, 'warning')}")
    raise typer.Exit(EXIT_INVALID if errors else EXIT_OK)
