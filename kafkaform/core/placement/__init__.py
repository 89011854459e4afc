"""Pure replica-placement algorithms over `list[list[int]]` assignments.

An assignment lists, per partition, its replica broker ids, the first being
the preferred leader. Brokers are given as `{broker_id: rack or None}`.

Every algorithm is deterministic, does no I/O and moves the fewest replicas
it can: a replica that already satisfies the goal stays where it is.
"""

from kafkaform.core.placement.bounds import (
    count_leader_changes,
    count_moves,
    lower_bound_decommission,
    lower_bound_rebalance,
    lower_bound_rf_change,
    lower_bound_spread,
)
from kafkaform.core.placement.common import Assignment, Brokers, RackLayout
from kafkaform.core.placement.rebalance import balance_leaders, rebalance
from kafkaform.core.placement.topic import (
    across_topics,
    decommission,
    extend_partitions,
    set_replication_factor,
    spread_racks,
    static_assignment,
)

__all__ = [
    "Assignment",
    "across_topics",
    "balance_leaders",
    "Brokers",
    "RackLayout",
    "count_leader_changes",
    "count_moves",
    "decommission",
    "extend_partitions",
    "lower_bound_decommission",
    "lower_bound_rebalance",
    "lower_bound_rf_change",
    "lower_bound_spread",
    "rebalance",
    "set_replication_factor",
    "spread_racks",
    "static_assignment",
]
