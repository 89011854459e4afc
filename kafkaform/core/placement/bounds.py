"""Counting replica moves, and the fewest any placement needs.

A move is one replica copied to a broker that did not hold it: for a
partition, the brokers in the target that are not in the current list.
Reordering replicas (a leadership change) and dropping replicas cost no copy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from kafkaform.core.placement.state import keepable, spans_needed


def count_moves(before: Sequence[Sequence[int]], after: Sequence[Sequence[int]]) -> int:
    """Replicas that must be copied to go from `before` to `after`, partition by
    partition (partitions only in `after` are new, not moved)."""
    return sum(len(set(new) - set(old)) for old, new in zip(before, after, strict=False))


def count_leader_changes(before: Sequence[Sequence[int]], after: Sequence[Sequence[int]]) -> int:
    """Partitions whose preferred leader differs."""
    return sum(1 for old, new in zip(before, after, strict=False) if old[:1] != new[:1])


def lower_bound(
    assignments: Mapping[str, Sequence[Sequence[int]]],
    brokers: Mapping[int, str | None],
    *,
    replication: Mapping[str, int] | None = None,
    spread: Collection[str] = (),
    leaving: Collection[int] = (),
    rebalance: bool = False,
    load: Mapping[int, int] | None = None,
) -> int:
    """Fewest copies `place` can need for the same request (same arguments).

    Every partition must copy what it cannot keep (replicas on leaving
    brokers, missing replicas, replicas the racks rule out): exact without
    rebalance. With rebalance, each topic's replicas per broker end within
    [lo, hi] of its mean, so a topic copies at least what its brokers hold
    above hi beyond what it adds, and at least what they lack below lo;
    likewise cluster-wide. When racks lock replicas in place (rack spread
    with as many replicas as racks: one per rack in every partition), the
    mean is each rack's, and so are lo and hi; otherwise ±1 of the
    cluster's mean is assumed reachable.
    """
    replication = replication or {}
    allowed = {b: r for b, r in brokers.items() if b not in set(leaving)}
    rack_of = {b: r if r is not None else ("own", b) for b, r in allowed.items()}
    racks = len(set(rack_of.values()))
    fixed = Counter({b: (load or {}).get(b, 0) for b in allowed})
    racks_of: dict[object, list[int]] = {}
    for broker, rack in rack_of.items():
        racks_of.setdefault(rack, []).append(broker)
    by_rack = list(racks_of.values())
    total = 0
    held_all: Counter[int] = Counter()
    partitions = placed_all = 0
    all_locked = True
    for name, parts in assignments.items():
        mandatory = placed = 0
        held: Counter[int] = Counter()
        locked = name in spread
        for replicas in parts:
            rf = replication.get(name, len(replicas))
            home = [b for b in replicas if b in allowed]
            home_racks = len({rack_of[b] for b in home})
            need = spans_needed(rf, racks, home_racks, len(home), name in spread)
            mandatory += rf - keepable(rf, need, home_racks, len(home))
            held.update(home)
            placed += rf
            locked = locked and rf == racks
        if rebalance:
            groups = by_rack if locked else [list(allowed)]
            targets = [len(parts)] * len(groups) if locked else [placed]
            mandatory = max(mandatory, _copies_to_even(held, groups, targets, Counter()))
        total += mandatory
        held_all.update(held)
        partitions += len(parts)
        placed_all += placed
        all_locked = all_locked and locked
    if rebalance:
        groups = by_rack if all_locked else [list(allowed)]
        targets = [partitions] * len(groups) if all_locked else [placed_all]
        total = max(total, _copies_to_even(held_all, groups, targets, fixed))
    return total


def _copies_to_even(
    held: Counter[int], groups: list[list[int]], targets: list[int], fixed: Counter[int]
) -> int:
    """Copies that bring each group of brokers (a rack when racks lock
    replicas in place, else all) to `target` replicas within ±1 of the mean
    (`fixed` counting towards it): what cannot stay below the ceiling must
    be added, and what is missing below the floor must be copied in."""
    added = missing = 0
    for members, target in zip(groups, targets, strict=True):
        low, high = _even(target + sum(fixed[b] for b in members), len(members))
        added += max(0, target - sum(min(held[b], high - fixed[b]) for b in members))
        missing += sum(max(0, low - fixed[b] - held[b]) for b in members)
    return max(added, missing)


def _even(total: int, brokers: int) -> tuple[int, int]:
    low, extra = divmod(total, brokers)
    return low, low + (extra > 0)
