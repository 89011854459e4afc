"""A topic's static assignment, as written in YAML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kafkaform.core.placement.common import Assignment
from kafkaform.core.wording import named


def static_assignment(
    given: Sequence[Sequence[int]], brokers: Mapping[int, str | None]
) -> Assignment:
    """The assignment written in YAML, checked: every partition names at least
    one broker, each broker once, all known, and all partitions the same size."""
    result = []
    for index, replicas in enumerate(given):
        if not replicas:
            raise ValueError(f"partition {index}: no replicas given")
        unknown = sorted(set(replicas) - set(brokers))
        if unknown:
            raise ValueError(
                f"partition {index}: unknown {named('broker', unknown)}; brokers are "
                f"{sorted(brokers)}"
            )
        if len(set(replicas)) != len(replicas):
            raise ValueError(f"partition {index}: a broker appears twice in {list(replicas)}")
        if len(replicas) != len(given[0]):
            raise ValueError(
                f"partition {index}: {len(replicas)} replicas, but partition 0 has"
                f" {len(given[0])}; all partitions need the same replication factor"
            )
        result.append(list(replicas))
    return result
