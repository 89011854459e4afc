from typer.testing import CliRunner

from kafkaform.cli import app


def test_cli_help_lists_the_app():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Kafka clusters as code" in result.output


def test_version_command():
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.output.startswith("kafkaform ")


def test_every_command_module_is_registered():
    from pathlib import Path

    from kafkaform.cli import COMMAND_MODULES, commands

    modules = {p.stem for p in Path(commands.__file__).parent.glob("*.py")} - {"__init__"}
    assert modules == set(COMMAND_MODULES)
