"""The one way a kafkaform process waits."""

from __future__ import annotations

import gc
import time


def idle(seconds: float) -> None:
    """Sleep, collecting reference cycles first.

    `kafkaform.cli.main` turns the cyclic garbage collector off: reading and
    planning thousands of topics keeps millions of objects alive, and the
    collector's repeated passes over them would double the time. Commands that
    wait (reassignment watches, retries, lock waits) may run for hours, so they
    collect whenever they wait anyway: flat memory at no cost in wall time.
    """
    gc.collect()
    time.sleep(seconds)
