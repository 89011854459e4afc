"""The root help printed without typer is typer's, byte for byte (`kafkaform.prerendered`).

`tests/cli/test_startup.py` checks when the stored rendering is printed (no
typer loaded) and when typer renders; here, that what is printed is what
typer prints for the same invocation, through both entry points (the
installed script and `python -m kafkaform`), and that the stored renderings
are those typer makes of the current command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kafkaform.cli import prerender
from kafkaform.prerendered import FILES, RENDERING_VARIABLES, stored_file

PLAIN = {k: v for k, v in os.environ.items() if k not in RENDERING_VARIABLES}
SCRIPT = Path(sys.executable).with_name("kafkaform")  # the installed entry point
ENTRY_POINTS = {"kafkaform": [str(SCRIPT)], "python -m kafkaform": [sys.executable, "-m",
                                                                    "kafkaform"]}


def run(command: list[str], env: dict[str, str]) -> bytes:
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                          timeout=60, check=True)
    return done.stdout


def test_every_stored_program_name_has_an_entry_point():
    assert set(ENTRY_POINTS) == set(FILES)
    assert SCRIPT.exists(), "kafkaform is not installed in this interpreter's environment"


@pytest.mark.parametrize("flag", ["--help", "-h"])
@pytest.mark.parametrize("program", sorted(FILES))
def test_the_stored_help_is_what_typer_prints(program: str, flag: str):
    """COLUMNS=80 sends the help to typer, at the width it has without a terminal."""
    fast = run([*ENTRY_POINTS[program], flag], PLAIN)
    typer = run([*ENTRY_POINTS[program], flag], {**PLAIN, "COLUMNS": "80"})
    assert fast == typer
    with open(stored_file(program), "rb") as stored:
        assert fast == stored.read()
    assert fast.decode().splitlines()[1].strip().startswith(f"Usage: {program} [OPTIONS]")


def test_a_commands_help_is_not_the_root_help():
    command = run([*ENTRY_POINTS["kafkaform"], "plan", "--help"], PLAIN)
    assert command.decode().splitlines()[1].strip().startswith("Usage: kafkaform plan")


def test_the_stored_help_is_up_to_date():
    for program in FILES:
        with open(stored_file(program), encoding="utf-8") as stored:
            assert stored.read() == prerender.render(program), (
                f"{stored_file(program)} is stale: run python -m kafkaform.cli.prerender")
    assert prerender.main(["--check"]) == 0


def test_the_check_fails_when_a_command_is_described_otherwise(monkeypatch, tmp_path):
    """As after a change to a command's help that was not rendered again."""
    stale = tmp_path / "root-help.txt"
    with open(stored_file("kafkaform"), encoding="utf-8") as stored:
        stale.write_text(stored.read().replace("Check desired-state files", "Check files"),
                         encoding="utf-8")
    monkeypatch.setattr(prerender, "stored_file",
                        lambda program: str(stale) if program == "kafkaform"
                        else stored_file(program))
    assert prerender.main(["--check"]) == 1
