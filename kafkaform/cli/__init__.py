"""Command-line entry point.

Each module in `kafkaform.cli.commands` registers its commands on `app`; they
are imported in the order `--help` lists them, the order of everyday use.
`main` turns every `KafkaformError` into one line on stderr and exit 1, so a
user never sees a traceback for a failure they can act on.
"""

from __future__ import annotations

import importlib
import signal
import sys

from kafkaform.cli.app import app
from kafkaform.cli.common import EXIT_ERROR, print_error
from kafkaform.errors import KafkaformError
from kafkaform.run.process import tune_garbage_collection

COMMAND_MODULES = (
    "validate", "plan", "apply", "check", "init", "importing", "snapshot", "reassign",
    "fmt", "diff", "changed", "schema", "demo", "local_broker", "version",
)
for _module in COMMAND_MODULES:
    importlib.import_module(f"kafkaform.cli.commands.{_module}")


class Terminated(KeyboardInterrupt):
    """SIGTERM: what a CI runner sends a job it cancels or that timed out.

    Handled as Ctrl-C is, so `finally` blocks run: the apply lock is
    released and an interrupted reassignment says how to continue. Python's
    default for SIGTERM is to die on the spot, which left the lock behind
    for an hour (`--stale-lock-after`) or a `force-unlock`.
    """


_TERMINATED: list[int] = []


def was_terminated() -> bool:
    """Whether a SIGTERM arrived in this process (its interrupt may have been lost)."""
    return bool(_TERMINATED)


def _terminated(signum: int, frame: object) -> None:
    _TERMINATED.append(signum)
    raise Terminated()


def main() -> None:
    signal.signal(signal.SIGTERM, _terminated)
    tune_garbage_collection()  # why: kafkaform.run.process
    try:
        app()
    except KafkaformError as error:
        print_error(str(error))
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        print_error("interrupted")
        sys.exit(130)
    except SystemExit as done:
        # typer turns an interrupt into exit 130; a SIGTERM exits 143 (128 + 15).
        if _TERMINATED and done.code == 130:
            sys.exit(128 + signal.SIGTERM)
        raise


__all__ = ["app", "main"]
