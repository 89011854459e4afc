"""One placement problem: every change a plan asks for, solved together.

`place` takes the current assignment of the topics that may change and what
they must become — replication factor, rack spread, brokers to leave, the
brokers allowed, rebalance or not — and returns the target assignment. It
is the only placement entry point of `plan`, `apply`, `reassign generate`
and the benchmark, so all of them get the same result.

Objectives, in order:

1. validity: each partition on the replication factor's number of distinct
   allowed brokers (replicas on brokers that are neither allowed nor
   leaving, such as a broker that is down, stay and count);
2. racks: a rack-spread partition spans min(replicas, racks) racks; any
   other partition spans as many as the copies made anyway allow (see
   `state.spans_needed`). Nothing stricter, such as even counts per rack,
   is ever bought with copies;
3. without rebalance: the fewest copies, then replicas per broker as even as
   those copies allow, per topic first, then cluster-wide (sum of squares:
   within ±1 of the mean wherever that is reachable);
4. with rebalance: replicas per broker as even as any placement allows, per
   topic first, then cluster-wide; then the fewest copies that reach it;
5. leaders: reordering only (no copy), within ±1 per topic and then across
   the topics changed (`rebalance.balance_leaders`).

How: every partition first keeps as many of its replicas as the racks allow
and takes new ones where the topic, then the cluster, holds fewest: that is
the fewest copies. Without rebalance, moves that cost nothing then even out
the counts (`balance`). With rebalance, the counts every balanced placement
has are found first (balancing freely on the side, then reading off which
counts each broker can have among the best), and `mincost` reaches them
from the fewest-copies start with the fewest copies. No replica is placed
and then moved again: what is returned is one target per partition.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from kafkaform.core.placement.balance import (
    balance_cluster,
    balance_topics,
    cluster_path,
    topic_path,
)
from kafkaform.core.placement.mincost import Box, Unreachable, reach_boxes
from kafkaform.core.placement.rebalance import balance_leaders
from kafkaform.core.placement.state import (
    ANY_COST,
    FREE,
    Chooser,
    Part,
    State,
    keepable,
    spans_needed,
)


def place(
    assignments: Mapping[str, Sequence[Sequence[int]]],
    brokers: Mapping[int, str | None],
    *,
    replication: Mapping[str, int] | None = None,
    spread: Collection[str] = (),
    leaving: Collection[int] = (),
    rebalance: bool = False,
    load: Mapping[int, int] | None = None,
    leaders: Mapping[int, int] | None = None,
) -> dict[str, list[list[int]]]:
    """Target assignment for every topic (same keys, same partition order).

    `brokers` are the brokers replicas may be on, with their racks; replicas
    on `leaving` brokers all move. `replication` gives a topic's new
    replication factor (default: each partition keeps its size); topics in
    `spread` must span min(replicas, racks) racks. `load` and `leaders`
    count the replicas and preferred leaders of topics outside the problem
    per broker, so the cluster-wide balance includes them.
    """
    replication = replication or {}
    leaving = frozenset(leaving)
    brokers = {b: rack for b, rack in brokers.items() if b not in leaving}
    names = sorted(assignments)
    state = State(names, _rack_ids(brokers), load or {})
    for topic, name in enumerate(names):
        _add_topic(state, topic, assignments[name], replication.get(name), name in spread,
                   leaving)
    _keep(state)
    _fill(state)
    if rebalance:
        _rebalance(state)
    else:
        balance_topics(state, FREE)
        balance_cluster(state, FREE)
    placed = {name: [_ordered(p) for p in state.parts[t]] for t, name in enumerate(names)}
    ordered = balance_leaders(placed, brokers, load=leaders)
    return {name: ordered[name] for name in assignments}


def extend_partitions(
    current: Sequence[Sequence[int]], new_count: int, brokers: Mapping[int, str | None]
) -> list[list[int]]:
    """Replica lists for partitions `len(current)` .. `new_count - 1` only, at
    the topic's widest replication factor, spread over racks, evening out the
    whole topic (its existing partitions stay as they are, since moving them
    would copy), then their leaders with the existing ones' as load."""
    if not current:
        raise ValueError("cannot add partitions to a topic without partitions")
    if new_count < len(current):
        raise ValueError(f"partitions can only grow: {len(current)} -> {new_count}")
    rf = max(len(r) for r in current)
    grown = [*current, *([] for _ in range(new_count - len(current)))]
    placed = place({"": grown}, brokers, replication={"": rf}, spread={""})[""]
    added = {"": [sorted(r) for r in placed[len(current):]]}
    leaders = Counter(r[0] for r in current if r)
    return balance_leaders(added, brokers, load=leaders)[""]


def rack_information(brokers: Mapping[int, str | None]) -> tuple[list[int], list[int]]:
    """(brokers with a rack, brokers without), each sorted."""
    racked = sorted(b for b, rack in brokers.items() if rack is not None)
    return racked, sorted(b for b, rack in brokers.items() if rack is None)


def _rack_ids(brokers: Mapping[int, str | None]) -> dict[int, int]:
    """A number per rack; a broker without a rack is a rack of its own."""
    named: dict[str, int] = {}
    ids = {}
    for broker in sorted(brokers):
        rack = brokers[broker]
        ids[broker] = named.setdefault(rack, len(named)) if rack is not None else -1 - broker
    return ids


def _add_topic(
    state: State,
    topic: int,
    partitions: Sequence[Sequence[int]],
    rf: int | None,
    spread: bool,
    leaving: frozenset[int],
) -> None:
    """The topic's partitions, each with every replica on an allowed broker
    chosen (`State.add` inlined: this runs once per replica of the problem)."""
    rack_of, racks_in_all = state.rack, state.rack_count
    held, count, load = state.held[topic], state.count[topic], state.load
    parts = state.parts[topic]
    for replicas in partitions:
        home = [b for b in replicas if b in rack_of]
        part = Part(topic, replicas, home)
        size = len(replicas) if rf is None else rf
        if len(home) < len(replicas):
            # Replicas on brokers outside the problem that are not leaving (a
            # broker that is down) stay, unless the partition shrinks: they go first.
            elsewhere = [b for b in replicas if b not in rack_of and b not in leaving]
            part.fixed = elsewhere[: max(0, size - len(home))]
            size -= len(part.fixed)
        if size > len(rack_of):
            raise ValueError(f"replication factor {size + len(part.fixed)} is more than the "
                             f"{len(rack_of)} brokers")
        part.size = size
        racks = part.racks
        for broker in home:
            rack = rack_of[broker]
            racks[rack] = racks.get(rack, 0) + 1
            held[broker][part] = None
            count[broker] += 1
            load[broker] += 1
        part.need = spans_needed(size, racks_in_all, len(racks), len(home), spread)
        parts.append(part)


def _fits(state: State, part: Part, kept: int, racks: int) -> bool:
    """Whether `kept` chosen brokers on `racks` racks can still be completed."""
    return kept <= part.size and (
        racks + min(part.size - kept, state.rack_count - racks) >= part.need
    )


def _keep(state: State) -> None:
    """Every partition keeps the most replicas it can (the fewest copies),
    preferring brokers that hold the fewest of the topic, then in all."""
    load, rack_of, racks_in_all = state.load, state.rack, state.rack_count
    for topic, parts in enumerate(state.parts):
        count = state.count[topic]
        for part in parts:
            size, need, spans, held = part.size, part.need, len(part.racks), len(part.home)
            # Keeping all is the common case: `_fits` inlined, for speed.
            if held <= size and spans + min(size - held, racks_in_all - spans) >= need:
                continue
            most = keepable(size, need, spans, held)
            kept: list[int] = []
            racks: set[int] = set()
            for _, _, broker in sorted((count[b], load[b], b) for b in part.home):
                rack = rack_of[broker]
                if len(kept) < most and _fits(state, part, len(kept) + 1,
                                              len(racks) + (rack not in racks)):
                    kept.append(broker)
                    racks.add(rack)
            assert len(kept) == most, "keeping replicas is a matroid: greedy reaches the most"
            for broker in part.home.difference(kept):
                state.remove(part, broker)


def _fill(state: State) -> None:
    """New replicas where the topic, then the cluster, holds fewest."""
    rack_of = state.rack

    def fits(part: Part, broker: int) -> bool:
        spans = len(part.racks) + (rack_of[broker] not in part.racks)
        return _fits(state, part, len(part.chosen) + 1, spans)

    for topic, parts in enumerate(state.parts):
        chooser = None
        for part in parts:
            while len(part.chosen) < part.size:
                chooser = chooser or Chooser(state, topic)
                chooser.add(part, fits)


def _rebalance(state: State) -> None:
    """The best balance with the fewest copies that reach it: within ±1 when
    reachable, else the best boxes. Should the search for the copies ever
    fail, the freely balanced placement is returned: as balanced, valid,
    perhaps a copy or two more (tests/core/placement/test_optimal.py holds
    the search to the exact optimum; a user's plan never fails on it)."""
    state.log = []
    try:
        reach_boxes(state, *_even_boxes(state))
    except Unreachable:
        state.undo(0)
        try:
            reach_boxes(state, *_best_boxes(state))
        except Unreachable:
            state.undo(0)
            balance_topics(state, ANY_COST)
            balance_cluster(state, ANY_COST)
    state.log = None


def _even_boxes(
    state: State,
) -> tuple[list[dict[int, Box]], dict[int, Box], list[tuple[list[int], int]]]:
    """Within ±1 of the mean per topic and cluster-wide: the best balance
    when it is reachable, which `reach_boxes` finds out."""
    def even(total: int) -> dict[int, Box]:
        low, extra = divmod(total, len(state.brokers))
        return dict.fromkeys(state.brokers, (low, low + (extra > 0)))

    topic_boxes = [even(sum(count.values())) for count in state.count]
    total = sum(state.load.values())
    return topic_boxes, even(total), [(state.brokers, total)]


def _best_boxes(
    state: State,
) -> tuple[list[dict[int, Box]], dict[int, Box], list[tuple[list[int], int]]]:
    """The counts each broker can have in a best balanced placement, per
    topic and cluster-wide: balance freely (undone afterwards), then read
    off, for each broker, whether it can hand one replica to a broker
    holding one fewer (so it may hold one fewer) or take one from a broker
    holding one more, without leaving the best balance. Counts of the best
    placements lie within one of each other for each broker (they round
    the same fractional optimum), so these are exact boxes. Brokers whose
    boxes are alike must also keep the total they share, or some could all
    take their upper end: cluster-wide that is a group in the flow; per
    topic, the racks that make boxes differ fix those totals already (no
    group there: the topic's counts end at brokers, which the cluster's
    groups need), which tests/core/placement/test_optimal.py checks against
    the exact optimum."""
    assert state.log is not None
    mark = len(state.log)
    balance_topics(state, ANY_COST)
    balance_cluster(state, ANY_COST)
    topic_boxes = [
        _boxes(state, state.count[t].__getitem__,
               lambda sources, target, t=t: topic_path(state, t, sources, target, ANY_COST))
        for t in range(len(state.topics))
    ]
    cluster_box = _boxes(state, state.load.__getitem__,
                         lambda sources, target: cluster_path(state, sources, target, ANY_COST))
    # Brokers with the same box share one total: with counts n or n + 1
    # each, the sum of squares only depends on how many hold n + 1, and
    # moving load between boxes changes it.
    groups: dict[Box, list[int]] = {}
    for broker, box in cluster_box.items():
        groups.setdefault(box, []).append(broker)
    totals = [(members, sum(state.load[b] for b in members)) for members in groups.values()]
    state.undo(mark)
    return topic_boxes, cluster_box, totals


def _boxes(state: State, count, search) -> dict[int, Box]:
    """[low, high] per broker around the balanced `count`: one lower if a
    path (`search`) hands a replica to a broker holding one fewer, one
    higher if a broker holding one more can hand one to it."""
    counts = {b: count(b) for b in state.brokers}
    low, high = min(counts.values()), max(counts.values())
    if high - low <= 1:
        return dict.fromkeys(counts, (low, high))
    boxes = {b: [n, n] for b, n in counts.items()}
    for broker, n in counts.items():
        path = search([broker], lambda c, n=n: counts[c] == n - 1)
        if path:
            boxes[broker][0] = n - 1
            boxes[path[-1][2]][1] = n
    # A broker's upper end also comes from any broker one above that reaches it.
    for broker, n in counts.items():
        if boxes[broker][1] == n:
            for giver, m in counts.items():
                if m == n + 1 and search([giver], lambda c, b=broker: c == b):
                    boxes[broker][1] = m
                    break
    return {b: (lo, hi) for b, (lo, hi) in boxes.items()}


def _ordered(part: Part) -> list[int]:
    """The chosen brokers in the partition's old order: a new broker takes
    the place of the replica it replaces (the first new one takes the
    leader's place if the leader left), the rest are appended."""
    added = sorted(part.chosen - part.home)
    if not added and not part.fixed:
        return [b for b in part.original if b in part.chosen]
    kept = set(part.chosen) | set(part.fixed)
    result = []
    for broker in part.original:
        if broker in kept:
            result.append(broker)
        elif added:
            result.append(added.pop(0))
    return result + added
