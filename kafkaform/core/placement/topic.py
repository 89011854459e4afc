"""Placement changes to one topic's assignment, each moving the fewest replicas.

Every function returns a new assignment (the input is never modified) in
which a partition keeps each replica that already satisfies the goal, in its
position; a replacement takes the position of the replica it replaces, so
the preferred leader only changes when the leader itself has to move.

`load` (keyword) adds replica counts from other topics, so that a caller
changing many topics balances the whole cluster rather than each topic alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from kafkaform.core.placement.common import (
    Assignment,
    BrokerChooser,
    RackLayout,
    balance_pairs,
    leader_counts,
    replica_counts,
    require_rf,
    starting_load,
)
from kafkaform.core.wording import named


def across_topics(
    assignments: Mapping[str, Sequence[Sequence[int]]],
    change: Callable[[Sequence[Sequence[int]], Counter[int]], Assignment],
) -> dict[str, Assignment]:
    """Apply `change(current, load)` to each topic in name order, `load` being
    the replica counts of every other topic (already changed or not), so that
    per-topic choices add up to a balanced cluster."""
    load: Counter[int] = Counter()
    for parts in assignments.values():
        load.update(b for replicas in parts for b in replicas)
    result = {}
    for topic in sorted(assignments):
        current = assignments[topic]
        own = replica_counts(current, load)
        load.subtract(own)
        result[topic] = change(current, load)
        load.update(b for replicas in result[topic] for b in replicas)
    return {topic: result[topic] for topic in assignments}


def set_replication_factor(
    current: Sequence[Sequence[int]],
    rf: int,
    brokers: Mapping[int, str | None],
    *,
    load: Mapping[int, int] | None = None,
) -> Assignment:
    """Grow or shrink every partition to `rf` replicas.

    Growing appends replicas (after the existing ones, so leaders stay) on
    racks the partition does not use yet, then on the least loaded brokers.
    Shrinking drops, never the leader, first replicas on unknown brokers,
    then those on the partition's most crowded rack, then the most loaded.
    """
    require_rf(rf, brokers)
    layout = RackLayout(brokers)
    chooser = BrokerChooser(layout, starting_load(current, brokers, load))
    result = []
    added = []
    for index, replicas in enumerate(current):
        target = list(replicas)
        while len(target) < rf:
            added.append((index, len(target)))
            chooser.place(target)
        while len(target) > rf:
            chooser.adjust(target.pop(_droppable(target, layout, chooser)), -1)
        result.append(target)
    _even_out(result, added, chooser)
    return result


def _droppable(replicas: list[int], layout: RackLayout, chooser: BrokerChooser) -> int:
    """Position of the follower whose removal helps spread and balance most."""
    on_rack = layout.rack_counts(replicas)

    def harm(position: int) -> tuple[bool, int, int, int]:
        broker = replicas[position]
        return (
            broker not in layout.known,
            on_rack[layout.rack(broker)],
            chooser.load.get(broker, 0),
            broker,
        )

    return max(range(1, len(replicas)), key=harm)


def spread_racks(
    current: Sequence[Sequence[int]],
    brokers: Mapping[int, str | None],
    *,
    load: Mapping[int, int] | None = None,
) -> Assignment:
    """Bring each partition to at most `max_per_rack(rf)` replicas per rack
    (distinct racks when there are at least rf racks).

    Only replicas above a rack's cap move — the most loaded follower on the
    crowded rack — each to the least used rack, least loaded broker there.
    """
    layout = RackLayout(brokers)
    chooser = BrokerChooser(layout, starting_load(current, brokers, load))
    result = []
    added = []
    for index, replicas in enumerate(current):
        target = list(replicas)
        while (position := _crowded_follower(target, layout, chooser)) is not None:
            added.append((index, position))
            chooser.place(target, position)
        result.append(target)
    _even_out(result, added, chooser)
    return result


def _crowded_follower(
    replicas: list[int], layout: RackLayout, chooser: BrokerChooser
) -> int | None:
    """Position of the follower to move off a rack above its cap, if any.

    A crowded rack holds at least two replicas, so one is always a follower."""
    cap = layout.max_per_rack(len(replicas))
    on_rack = layout.rack_counts(replicas)
    crowded = [p for p in range(1, len(replicas)) if on_rack[layout.rack(replicas[p])] > cap]
    if not crowded:
        return None
    return max(crowded, key=lambda p: (chooser.load[replicas[p]], replicas[p]))


def decommission(
    current: Sequence[Sequence[int]],
    remove: set[int] | frozenset[int],
    brokers: Mapping[int, str | None],
    *,
    load: Mapping[int, int] | None = None,
) -> Assignment:
    """Replace every replica on a broker in `remove`, in its position (a removed
    leader's replacement becomes the leader), preferring the racks the
    partition lacks, then the least loaded broker. The removed brokers may be
    listed in `brokers` or already gone from it."""
    remaining = {b: rack for b, rack in brokers.items() if b not in remove}
    widest = max((len(r) for r in current), default=0)
    if widest > len(remaining):
        raise ValueError(
            f"cannot remove brokers {sorted(remove)}: {len(remaining)} brokers would remain"
            f" for partitions with {widest} replicas"
        )
    layout = RackLayout(remaining)
    chooser = BrokerChooser(layout, starting_load(current, remaining, load))
    result = []
    added = []
    for index, replicas in enumerate(current):
        target = list(replicas)
        for position, broker in enumerate(replicas):
            if broker in remove:
                added.append((index, position))
                chooser.place(target, position, leaving=remove)
        result.append(target)
    _even_out(result, added, chooser)
    return result


def extend_partitions(
    current: Sequence[Sequence[int]],
    new_count: int,
    brokers: Mapping[int, str | None],
    spread: bool,
    *,
    load: Mapping[int, int] | None = None,
) -> Assignment:
    """Replica lists for partitions `len(current)` .. `new_count - 1` only.

    The replication factor is the topic's widest partition. Each new leader is
    the broker leading fewest partitions (then fewest replicas, lowest id);
    followers go to the least loaded brokers, on unused racks when `spread`.
    """
    if not current:
        raise ValueError("cannot add partitions to a topic without partitions")
    if new_count < len(current):
        raise ValueError(f"partitions can only grow: {len(current)} -> {new_count}")
    rf = max(len(r) for r in current)
    require_rf(rf, brokers)
    layout = RackLayout(brokers)
    chooser = BrokerChooser(layout, starting_load(current, brokers, load))
    leaders = leader_counts(current, brokers)
    added = []
    for _ in range(new_count - len(current)):
        leader = min(brokers, key=lambda b: (leaders[b], chooser.load[b], b))
        leaders[leader] += 1
        chooser.adjust(leader, +1)
        replicas = [leader]
        while len(replicas) < rf:
            chooser.place(replicas, rack_aware=spread)
        added.append(replicas)
    followers = [(index, position) for index in range(len(added)) for position in range(1, rf)]
    _even_out(added, followers, chooser, rack_aware=spread)
    return added


def _even_out(
    assignment: Assignment,
    added: list[tuple[int, int]],
    chooser: BrokerChooser,
    rack_aware: bool = True,
) -> None:
    """Re-target the replicas a change added, (partition, position) pairs,
    from fuller to emptier brokers. One pick at a time cannot see ahead; this
    flattens the load without copying anything more, and never makes a
    partition's rack spread worse."""
    layout = chooser.layout
    placed: dict[int, dict[tuple[int, int], None]] = {b: {} for b in chooser.load}
    for slot in added:
        placed[assignment[slot[0]][slot[1]]][slot] = None

    def transfer(giver: int, taker: int) -> bool:
        for slot in placed[giver]:
            replicas = assignment[slot[0]]
            allowed = (
                layout.can_take(replicas, giver, taker) if rack_aware else taker not in replicas
            )
            if allowed:
                replicas[slot[1]] = taker
                del placed[giver][slot]
                placed[taker][slot] = None
                chooser.adjust(giver, -1)
                chooser.adjust(taker, +1)
                return True
        return False

    balance_pairs(sorted(placed), chooser.load.__getitem__, None, transfer)


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
