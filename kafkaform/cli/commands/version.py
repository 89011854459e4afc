"""`kafkaform version`."""

import typer

from kafkaform import __version__
from kafkaform.cli.app import app


@app.command()
def version() -> None:
    """Print kafkaform's version."""
    typer.echo(f"kafkaform {__version__}")
