"""`kafkaform --help` without typer: the root help, rendered by typer beforehand.

Building the command line (typer, rich, every command module) and rendering
its help take about 0.3 s, six times a bare interpreter's start; the root help
changes only when a command or a root option does. So `python -m
kafkaform.cli.prerender` has typer render it into `kafkaform/data/` (a test
fails when it is stale), and `kafkaform/__main__.py` prints that file for
exactly `--help` / `-h`, when typer would print the same bytes:

- The program name click puts in the usage line is one rendered: `kafkaform`
  (the installed script) or `python -m kafkaform`.
- The width is 80 columns: rich takes the first of stdin, stdout and stderr
  that is a terminal and uses its width, 80 when none is (a pipe, a file, a CI
  log). A terminal of another width gets typer's rendering at its own width.
- No colour: stdout is not a terminal (rich colours only a terminal) and no
  variable in RENDERING_VARIABLES is set. Any of them (set at all, whatever
  the value) sends the command to typer: they change the width (COLUMNS,
  TERMINAL_WIDTH), force or drop colour (FORCE_COLOR, PY_COLORS,
  GITHUB_ACTIONS, TTY_COMPATIBLE, NO_COLOR, _TYPER_FORCE_DISABLE_TERMINAL)
  or rich itself (TYPER_USE_RICH).
- stdout encodes UTF-8 (rich draws the boxes in ASCII otherwise), and it is
  not Windows (whose console rich renders a column narrower).

Everything else (a terminal, `kafkaform plan --help`, `--no-color --help`) is
typer's, as before. This module imports nothing beyond `os` and `sys`: it
runs before anything else is loaded.
"""

from __future__ import annotations

import os
import sys

# The program name click shows in the usage line -> the file holding that rendering.
FILES = {"kafkaform": "root-help.txt", "python -m kafkaform": "root-help-python-m.txt"}
HELP_FLAGS = (["--help"], ["-h"])
WIDTH = 80  # rich's width when no standard stream is a terminal
RENDERING_VARIABLES = (
    "COLUMNS", "TERMINAL_WIDTH", "NO_COLOR", "FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS",
    "TTY_COMPATIBLE", "TYPER_USE_RICH", "_TYPER_FORCE_DISABLE_TERMINAL",
)


def stored_file(program: str) -> str:
    return os.path.join(os.path.dirname(__file__), "data", FILES[program])


def root_help(arguments: list[str]) -> str | None:
    """The stored root help when typer would print the same for these arguments, else None."""
    if arguments not in HELP_FLAGS:
        return None
    program = program_name()
    if (program not in FILES or os.name == "nt" or sys.stdout.isatty()
            or terminal_width() != WIDTH
            or not (sys.stdout.encoding or "").lower().startswith("utf")
            or any(name in os.environ for name in RENDERING_VARIABLES)):
        return None
    with open(stored_file(program), encoding="utf-8") as stored:
        return stored.read()


def program_name() -> str:
    """The name click's usage line shows (click.utils._detect_program_name): the
    script's file name, or `python -m PACKAGE` when run with `python -m`."""
    package = getattr(sys.modules["__main__"], "__package__", None)
    if not package:
        return os.path.basename(sys.argv[0])
    module = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    return "python -m " + (package if module == "__main__" else f"{package}.{module}")


def terminal_width() -> int:
    """The width rich gives its console (rich.console.Console.size): that of the
    first standard stream that is a terminal, 80 when none is (or it says 0)."""
    for stream in (0, 1, 2):
        try:
            return os.get_terminal_size(stream).columns or WIDTH
        except (AttributeError, ValueError, OSError):
            continue
    return WIDTH
