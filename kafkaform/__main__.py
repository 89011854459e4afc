"""The `kafkaform` command (`python -m kafkaform` and the installed script).

`kafkaform --version` is answered here, before the command line is built:
building it imports typer and every command module (about a fifth of a
second, most of a start-up), and CI scripts ask for the version on every run.
Everything else goes to `kafkaform.cli.main`.
"""

import sys

VERSION_FLAGS = (["--version"], ["-V"])


def main() -> None:
    if sys.argv[1:] in VERSION_FLAGS:
        from kafkaform import __version__

        print(f"kafkaform {__version__}")  # the same line as the root's eager --version
        return
    from kafkaform.cli import main as run_command_line

    run_command_line()


if __name__ == "__main__":
    main()
