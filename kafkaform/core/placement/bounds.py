"""Counting replica moves, and the fewest moves each kind of change needs.

A move is one replica copied to a broker that did not hold it: for a
partition, the brokers in the target that are not in the current list.
Reordering replicas (a leadership change) and dropping replicas cost no copy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from kafkaform.core.placement.common import RackKey, RackLayout, replica_counts


def count_moves(before: Sequence[Sequence[int]], after: Sequence[Sequence[int]]) -> int:
    """Replicas that must be copied to go from `before` to `after`, partition by
    partition (partitions only in `after` are new, not moved)."""
    return sum(len(set(new) - set(old)) for old, new in zip(before, after, strict=False))


def count_leader_changes(before: Sequence[Sequence[int]], after: Sequence[Sequence[int]]) -> int:
    """Partitions whose preferred leader differs."""
    return sum(1 for old, new in zip(before, after, strict=False) if old[:1] != new[:1])


def lower_bound_rf_change(current: Sequence[Sequence[int]], rf: int) -> int:
    """Every missing replica is one copy, and is also enough: exact."""
    return sum(max(0, rf - len(replicas)) for replicas in current)


def lower_bound_decommission(current: Sequence[Sequence[int]], remove: Iterable[int]) -> int:
    """Every replica on a removed broker needs a new home: exact."""
    removed = set(remove)
    return sum(1 for replicas in current for b in replicas if b in removed)


def lower_bound_spread(current: Sequence[Sequence[int]], brokers: Mapping[int, str | None]) -> int:
    """Replicas above their rack's cap, summed over partitions. Exact: one move
    takes a replica off a crowded rack, and the under-cap racks always have
    room for all of them (the cap is chosen so that they fit)."""
    layout = RackLayout(brokers)
    return sum(layout.excess(replicas) for replicas in current)


def lower_bound_rebalance(
    assignments: Mapping[str, Sequence[Sequence[int]]], brokers: Mapping[int, str | None]
) -> int:
    """Fewest moves that can put every topic, and the cluster, within ±1 of the mean.

    For counts c over n brokers with floor/ceil means q and q': a move lowers
    one broker by one, so brokers above q' need at least A = Σ max(0, c - q')
    moves and brokers below q need D = Σ max(0, q - c); max(A, D) is also
    sufficient without other constraints (moving from a fullest to an emptiest
    broker lowers max(A, D) by one every time). Moves belong to one topic, so
    topics need Σ_topic max(A, D); the cluster needs its own max(A, D); the
    bound is the larger of the two.

    Racks: when every partition of a topic already fills each rack to its cap
    ("rack-locked", e.g. RF 3 on 3 racks), no replica can change rack without
    breaking the spread, so each rack balances on its own and the bound is
    summed per rack (and so for the cluster when all topics are rack-locked).

    The bound is exact for one topic without racks (and for rack-locked
    topics); with several topics, or racks that only partly constrain moves,
    it can be below the true minimum.
    """
    layout = RackLayout(brokers)
    per_topic = 0
    cluster = Counter({b: 0 for b in brokers})
    all_locked = True
    for parts in assignments.values():
        counts = replica_counts(parts, brokers)
        cluster.update(counts)
        locked = rack_locked(parts, layout)
        all_locked = all_locked and locked
        per_topic += _balance_moves(counts, layout, locked)
    whole = _balance_moves(cluster, layout, all_locked and bool(assignments))
    return max(per_topic, whole)


def rack_locked(parts: Iterable[Sequence[int]], layout: RackLayout) -> bool:
    """No replica of these partitions can move to another rack without
    making its spread worse: every partition is spread, and every named rack
    holds its cap (or all its brokers)."""
    if any(rack[0] != 0 for rack in layout.sizes):
        return False  # a rack-less broker is a free rack of its own
    for replicas in parts:
        cap = layout.max_per_rack(len(replicas))
        on_rack = layout.rack_counts(replicas)
        if any(on_rack[rack] != min(cap, size) for rack, size in layout.sizes.items()):
            return False
    return True


def _balance_moves(counts: Counter[int], layout: RackLayout, per_rack: bool) -> int:
    if not per_rack:
        return spread_moves(list(counts.values()))
    groups: dict[RackKey, list[int]] = {}
    for broker, n in counts.items():
        groups.setdefault(layout.rack(broker), []).append(n)
    return sum(spread_moves(group) for group in groups.values())


def spread_moves(counts: Sequence[int]) -> int:
    """max(A, D): fewest single moves bringing `counts` within ±1 of their mean."""
    if not counts:
        return 0
    low, extra = divmod(sum(counts), len(counts))
    high = low + (1 if extra else 0)
    above = sum(max(0, c - high) for c in counts)
    below = sum(max(0, low - c) for c in counts)
    return max(above, below)
