"""The root help `kafkaform/__main__.py` prints without typer, rendered by typer.

`python -m kafkaform.cli.prerender` rewrites the stored renderings in
`kafkaform/data/` (one per program name the usage line can show); `--check`
exits 1 when one differs from what typer renders now (a test runs the check,
so a command whose help changed fails CI until they are rendered again).

Each is typer's own output, from a child process whose standard streams are
pipes (80 columns, no colour) and whose environment has none of the variables
that change the rendering: the case `kafkaform.prerendered` serves.
"""

from __future__ import annotations

import os
import subprocess
import sys

from kafkaform.prerendered import FILES, HELP_FLAGS, RENDERING_VARIABLES, stored_file

# typer's app run with the program name click would detect for that invocation.
RENDER = "import sys; from kafkaform.cli import app; app(sys.argv[2:], prog_name=sys.argv[1])"


def render(program: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in RENDERING_VARIABLES}
    done = subprocess.run([sys.executable, "-c", RENDER, program, *HELP_FLAGS[0]],
                          stdin=subprocess.DEVNULL, capture_output=True, env=environment,
                          check=True, timeout=120)
    return done.stdout.decode("utf-8")


def main(argv: list[str]) -> int:
    stale = []
    for program in FILES:
        text, path = render(program), stored_file(program)
        if os.path.exists(path) and _read(path) == text:
            continue
        if "--check" in argv:
            stale.append(path)
        else:
            with open(path, "w", encoding="utf-8") as stored:
                stored.write(text)
            print(f"wrote {path}")
    if stale:
        print(f"{', '.join(stale)} out of date: run python -m kafkaform.cli.prerender",
              file=sys.stderr)
        return 1
    return 0


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as stored:
        return stored.read()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
