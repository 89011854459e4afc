"""How a kafkaform process treats garbage collection, and the one way it waits.

The one documented place for GC tuning. `kafkaform.cli.main` calls
`tune_garbage_collection()` before any command runs: reading and planning
10,000 topics keeps millions of acyclic objects alive, and the cyclic
collector's repeated passes over them double the time (measured on a
10k-topic no-op plan: 2.9 s with the default thresholds, 1.4 s without).
Reference counting frees everything else.

Commands that wait (reassignment watches, retries, lock waits) may run for
hours, so every wait goes through `idle`, which collects reference cycles
first: flat memory at no cost in wall time. (`gc.freeze()` after loading was
considered: with automatic collection off, the only collections are these,
during waits, where their cost is hidden.)
"""

from __future__ import annotations

import gc
import time


def tune_garbage_collection() -> None:
    """No automatic cyclic collection for the rest of the process (see above)."""
    gc.disable()


def idle(seconds: float) -> None:
    """Sleep, collecting reference cycles first."""
    gc.collect()
    time.sleep(seconds)
