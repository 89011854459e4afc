"""The typer application every command module registers on.

A command takes the run's `Runtime` (how to connect, how to wait) from the
typer context (`kafkaform.cli.common.runtime`): the real one, unless the
caller passed one as `obj` (`CliRunner().invoke(app, args, obj=Runtime(...))`
in the tests). The options that hold for every command
(`--allow-includes-outside-repo`) go in the context's `meta`, which every
command's context shares.

`KafkaformGroup` is the one place where the command line as a whole is
shaped: a usage error (an unknown option, a missing argument, a file
argument that does not exist, no arguments at all) exits `EXIT_USAGE`, never
the 2 click uses, which means "changes present" here; every `--help` ends
with the exit-code table; and option values are shown as readable metavars
(`--out FILE`, not `--out <path>`).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from kafkaform import __version__
from kafkaform.cli.common import EXIT_OK, EXIT_USAGE, INCLUDES_OUTSIDE, UsageError

EXIT_CODES_HELP = (
    "Exit codes (every command): 0 success, no changes · 1 error · 2 changes present "
    "(plan --detailed-exitcode, diff --exit-code) or moves in progress (reassign verify) · "
    "3 invalid files · 64 usage error (unknown option, missing argument, no such file)."
)

# Metavars by click's type name (`int range` for `min=`/`max=`), where an option names none.
_TYPE_METAVARS = {"int": "N", "int range": "N", "float": "NUMBER", "float range": "NUMBER",
                  "file": "FILE", "directory": "DIR", "path": "PATH"}
HELP_OPTION_NAMES = ["-h", "--help"]


class KafkaformGroup(TyperGroup):
    """The root (and `reassign`) command group: usage exit code, help epilog, metavars."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for command in [self, *self.commands.values()]:
            readable_help(command)

    def make_context(self, *args: object, **kwargs: object) -> typer.Context:
        readable_help(self)  # typer adds the root's completion options after __init__
        with usage_exit_code():
            return super().make_context(*args, **kwargs)  # type: ignore[arg-type]

    def invoke(self, ctx: typer.Context) -> object:
        # Subcommands parse their arguments in here, and a command's own
        # BadParameter (a bad duration ...) surfaces here too.
        with usage_exit_code():
            return super().invoke(ctx)


@contextmanager
def usage_exit_code() -> Iterator[None]:
    """A click usage error exits EXIT_USAGE (click's default 2 means "changes" here)."""
    try:
        yield
    except UsageError as error:
        error.exit_code = EXIT_USAGE
        raise


def readable_help(command: object) -> None:
    """The exit-code table as the epilog; metavars that say what a value is (`FILE`,
    `N`, `text|json`; nothing for a flag) instead of its Python type (`<path>`,
    `<bool>`, `<list[str]>`), unless the option names its own."""
    if not command.epilog:  # type: ignore[attr-defined]
        command.epilog = EXIT_CODES_HELP  # type: ignore[attr-defined]
    # click makes the help option on first use and keeps it: make it now, to name it too.
    context = typer.Context(command, help_option_names=HELP_OPTION_NAMES)  # type: ignore[arg-type]
    help_option = command.get_help_option(context)  # type: ignore[attr-defined]
    for param in [*command.params, *([help_option] if help_option else [])]:  # type: ignore
        if param.metavar is None:
            param.metavar = _metavar(param)
        if getattr(param, "param_type_name", "") == "argument":
            # An argument's metavar names it; typer's help would add its type (`<str>`,
            # `<file>`) from the type's own metavar: a copy that has none, for display only.
            param.type = _without_metavar(param.type)  # type: ignore[attr-defined]


def _without_metavar(kind: Any) -> Any:
    shown = copy.copy(kind)
    shown.get_metavar = lambda param, ctx: ""
    return shown


def _metavar(param: object) -> str:
    if getattr(param, "is_flag", False):
        return ""
    name = (getattr(param, "name", None) or "value").upper()
    if getattr(param, "param_type_name", "") == "argument":
        return name + ("..." if getattr(param, "nargs", 1) != 1 else "")
    kind = param.type  # type: ignore[attr-defined]  (a list option: its items' type)
    if getattr(kind, "choices", None):
        return "|".join(str(getattr(c, "value", c)) for c in kind.choices)
    return _TYPE_METAVARS.get(kind.name, name)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"kafkaform {__version__}")
        raise typer.Exit(EXIT_OK)


app = typer.Typer(
    name="kafkaform",
    help="Kafka clusters as code: validate, plan, apply, reassign, import, check.",
    epilog=EXIT_CODES_HELP,
    cls=KafkaformGroup,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": HELP_OPTION_NAMES},
)


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", is_eager=True, callback=_show_version,
                     help="Print kafkaform's version and exit."),
    ] = False,
    no_color: Annotated[
        bool,
        typer.Option("--no-color", help="Plain text without colours, even on a terminal "
                                        "(as NO_COLOR=1)."),
    ] = False,
    includes_outside: Annotated[
        bool,
        typer.Option("--allow-includes-outside-repo",
                     help="Let `include:` read folders outside the repository (or outside the "
                          "folder above environments/)."),
    ] = False,
) -> None:
    """Kafka clusters as code: validate, plan, apply, reassign, import, check."""
    if no_color:
        # The one switch every renderer (and rich itself) reads: https://no-color.org
        os.environ["NO_COLOR"] = "1"
    ctx.meta[INCLUDES_OUTSIDE] = includes_outside
