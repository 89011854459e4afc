"""Command-line entry point.

Each module in `kafkaform.cli.commands` registers its commands on `app`; they
are imported in the order `--help` lists them, the order of everyday use.
`main` turns every `KafkaformError` into one line on stderr and exit 1, so a
user never sees a traceback for a failure they can act on.
"""

from __future__ import annotations

import importlib
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


def main() -> None:
    tune_garbage_collection()  # why: kafkaform.run.process
    try:
        app()
    except KafkaformError as error:
        print_error(str(error))
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        print_error("interrupted")
        sys.exit(130)


__all__ = ["app", "main"]
