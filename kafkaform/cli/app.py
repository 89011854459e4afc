"""The typer application every command module registers on.

The root callback puts the run's `Runtime` (how to connect, how to wait) on
the typer context: the real one, unless the caller passed one as `obj`
(`CliRunner().invoke(app, args, obj=Runtime(...))` in the tests).
"""

import typer

from kafkaform.run.session import Runtime

app = typer.Typer(
    name="kafkaform",
    help="Kafka clusters as code: validate, plan, apply, reassign, import, check.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Kafka clusters as code: validate, plan, apply, reassign, import, check."""
    ctx.ensure_object(Runtime)
