"""The typer application every command module registers on."""

import typer

app = typer.Typer(
    name="kafkaform",
    help="Kafka clusters as code: validate, plan, apply, reassign, import, check.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Kafka clusters as code: validate, plan, apply, reassign, import, check."""
