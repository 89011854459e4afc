"""The `kafkaform` command (`python -m kafkaform` and the installed script).

`kafkaform --version` and the root `--help` are answered here, before the
command line is built: building it imports typer and every command module
(about a fifth of a second, most of a start-up), and rendering help with rich
another tenth. CI scripts ask for the version on every run; the root help is
printed from its stored rendering when typer's would be the same bytes
(`kafkaform.prerendered` says when). Everything else goes to
`kafkaform.cli.main`.
"""

import sys

VERSION_FLAGS = (["--version"], ["-V"])


def main() -> None:
    arguments = sys.argv[1:]
    if arguments in VERSION_FLAGS:
        from kafkaform import __version__

        print(f"kafkaform {__version__}")  # the same line as the root's eager --version
        return
    from kafkaform.prerendered import root_help

    stored = root_help(arguments)
    if stored is not None:
        sys.stdout.write(stored)
        return
    from kafkaform.cli import main as run_command_line

    run_command_line()


if __name__ == "__main__":
    main()
