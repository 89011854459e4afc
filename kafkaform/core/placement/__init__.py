"""Pure replica-placement algorithms over `list[list[int]]` assignments.

An assignment lists, per partition, its replica broker ids, the first being
the preferred leader. Brokers are given as `{broker_id: rack or None}`.

`place` solves every change a plan asks for as one problem (see
`kafkaform.core.placement.solve` for the objectives and their order); everything
is deterministic and does no I/O.
"""

from kafkaform.core.placement.bounds import count_leader_changes, count_moves, lower_bound
from kafkaform.core.placement.common import Assignment, Brokers, RackLayout
from kafkaform.core.placement.rebalance import balance_leaders
from kafkaform.core.placement.solve import extend_partitions, place, rack_information
from kafkaform.core.placement.topic import static_assignment

__all__ = [
    "Assignment",
    "Brokers",
    "RackLayout",
    "balance_leaders",
    "count_leader_changes",
    "count_moves",
    "extend_partitions",
    "lower_bound",
    "place",
    "rack_information",
    "static_assignment",
]
