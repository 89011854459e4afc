"""The typer application every command module registers on.

The root callback puts the run's `Runtime` (how to connect, how to wait) on
the typer context: the real one, unless the caller passed one as `obj`
(`CliRunner().invoke(app, args, obj=Runtime(...))` in the tests), and the
options that hold for every command (`--allow-includes-outside-repo`) in the
context's `meta`, which every command's context shares.
"""

from typing import Annotated

import typer

from kafkaform.cli.common import INCLUDES_OUTSIDE
from kafkaform.run.session import Runtime

app = typer.Typer(
    name="kafkaform",
    help="Kafka clusters as code: validate, plan, apply, reassign, import, check.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    includes_outside: Annotated[
        bool,
        typer.Option("--allow-includes-outside-repo",
                     help="Let `include:` read folders outside the repository (or outside the "
                          "folder above environments/)."),
    ] = False,
) -> None:
    """Kafka clusters as code: validate, plan, apply, reassign, import, check."""
    ctx.ensure_object(Runtime)
    ctx.meta[INCLUDES_OUTSIDE] = includes_outside
