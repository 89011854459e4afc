"""One exit-code table for every command: a usage error is never 2.

2 means "changes present" (`plan --detailed-exitcode`, `diff --exit-code`) and
"moves in progress" (`reassign verify`); a typo in a drift check or a verify
loop must not look like either. Usage errors exit 64 (sysexits' EX_USAGE).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cli.app import EXIT_CODES_HELP
from kafkaform.cli.common import EXIT_USAGE

ROOT = Path(__file__).parents[2]


def every_command(group=None, path=()) -> list[tuple[str, ...]]:
    """The path of every command, nested groups included (`reassign verify`)."""
    group = group or typer.main.get_command(app)
    found = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            found += every_command(command, (*path, name))
        else:
            found.append((*path, name))
    return found


COMMANDS = every_command()


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_every_command_is_found():
    assert {("plan",), ("apply",), ("reassign", "verify"), ("import",), ("init",)} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_unknown_option_is_a_usage_error_for_every_command(command):
    result = invoke(*command, "--no-such-option")
    assert result.exit_code == EXIT_USAGE, result.output
    assert "No such option" in result.output


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_help_shows_the_exit_code_table(command):
    result = invoke(*command, "-h")
    assert result.exit_code == 0
    flat = " ".join(result.output.split())
    assert "Exit codes (every command): 0 success" in flat
    assert "64 usage error" in flat


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "dev", "--detailed-exitcod"),                       # a typo in CI
        ("plan", "dev", "--snapshot", "missing.json"),               # no such file
        ("reassign", "verify", "nofile.json"),                       # a verify poll loop
        ("plan",),                                                   # missing argument
        ("plan", "dev", "--format", "yaml"),                         # not a choice
        ("diff", "dev"),                                             # one of two arguments
        ("apply", "dev", "--lock-timeout", "soon"),                  # bad duration
        ("plan", "dev", "--target", "group/x"),                      # bad --target
        ("changed",),                                                # --since or --all
        ("reassign", "generate"),                                    # ENV or --topics-to-move
        ("nosuchcommand",),
        ("reassign",),                                               # a group without command
    ],
    ids=" ".join,
)
def test_usage_errors_exit_64(args):
    result = invoke(*args)
    assert result.exit_code == EXIT_USAGE, result.output


def test_no_arguments_show_the_help_and_exit_64_through_the_console_script():
    """Through `main()` and the installed script, as CI runs it."""
    script = Path(sys.executable).parent / "kafkaform"
    done = subprocess.run([str(script)], capture_output=True, text=True, check=False,
                          env={**os.environ, "COLUMNS": "100"})
    assert done.returncode == EXIT_USAGE
    assert "Usage: kafkaform" in done.stdout + done.stderr
    typo = subprocess.run([str(script), "plan", "dev", "--detailed-exitcod"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert typo.returncode == EXIT_USAGE
    assert "--detailed-exitcode" in typo.stderr  # click's suggestion


def test_version_and_short_help():
    from kafkaform import __version__

    for flag in ("--version", "-V"):
        result = invoke(flag)
        assert result.exit_code == 0 and result.output == f"kafkaform {__version__}\n"
    assert invoke("-h").exit_code == 0
    assert invoke("plan", "-h").exit_code == 0


def test_help_shows_what_values_are_not_python_types():
    for command in (("plan",), ("validate",), ("apply",), ("reassign", "execute"), ()):
        output = invoke(*command, "--help").output
        assert "<bool>" not in output and "<list[" not in output and "<str>" not in output, \
            (command, output)
    plan_help = invoke("plan", "--help").output
    assert "HOST:PORT" in plan_help and "text|json|markdown" in plan_help
    assert "<file>" not in invoke("apply", "--help").output  # PLAN_FILE, an argument
    assert "--out           DIR " in invoke("schema", "--help").output


def test_the_table_in_help_matches_the_docs():
    table = (ROOT / "docs" / "troubleshooting.md").read_text()
    for code in ("`0`", "`1`", "`2`", "`3`", "`64`"):
        assert f"| {code} |" in table
    assert "64 usage error" in EXIT_CODES_HELP
