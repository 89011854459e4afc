"""Pieces every placement algorithm shares: racks, load counting, broker ranking.

A broker without a rack (`None`) counts as a rack of its own, and so does a
broker that appears in an assignment but not in `brokers` (a dead or retired
broker): it is never chosen as a target, and only `decommission` moves
replicas off it.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence

from kafkaform.core.wording import plural

Brokers = dict[int, str | None]
Count = Callable[[int], int]
Transfer = Callable[[int, int], bool]
Assignment = list[list[int]]
# Named racks sort before rack-less brokers; both are tuples so keys compare.
RackKey = tuple[int, str | int]


class RackLayout:
    """Which rack each broker is on, and how spread a partition can be."""

    def __init__(self, brokers: Mapping[int, str | None]) -> None:
        self.brokers = dict(brokers)
        self.known = frozenset(self.brokers)
        self._racks: dict[int, RackKey] = {
            b: (0, name) if name is not None else (1, b) for b, name in self.brokers.items()
        }
        self.sizes = Counter(self._racks.values())
        self._max_per_rack: dict[int, int] = {}

    def rack(self, broker: int) -> RackKey:
        return self._racks.get(broker) or (1, broker)

    def rack_counts(self, replicas: Iterable[int]) -> Counter[RackKey]:
        counts: Counter[RackKey] = Counter()
        for broker in replicas:
            counts[self._racks.get(broker) or (1, broker)] += 1
        return counts

    def max_per_rack(self, rf: int) -> int:
        """The fewest replicas any rack must hold: the smallest m such that
        racks capped at m brokers still fit `rf` replicas. Equal to
        ceil(rf / racks) when racks are big enough; 1 when racks >= rf."""
        if rf not in self._max_per_rack:
            m = 1
            while m < rf and sum(min(size, m) for size in self.sizes.values()) < rf:
                m += 1
            self._max_per_rack[rf] = m
        return self._max_per_rack[rf]

    def excess(self, replicas: Sequence[int]) -> int:
        """Replicas above the per-rack cap: each one must move to fix the spread."""
        cap = self.max_per_rack(len(replicas))
        return sum(max(0, n - cap) for n in self.rack_counts(replicas).values())

    def can_take(self, replicas: Sequence[int], leaving: int, arriving: int) -> bool:
        """Whether `arriving` may replace `leaving` in a partition without
        making its rack spread worse: the arriving broker's rack ends with no
        more than the cap, or than the leaving broker's rack had."""
        if arriving in replicas or arriving not in self.known:
            return False
        rack, old_rack = self.rack(arriving), self.rack(leaving)
        if rack == old_rack:
            return True
        on_rack = self.rack_counts(replicas)
        return on_rack[rack] < max(self.max_per_rack(len(replicas)), on_rack[old_rack])


def require_rf(rf: int, brokers: Mapping[int, str | None]) -> None:
    if rf < 1:
        raise ValueError(f"replication factor must be at least 1, got {rf}")
    if rf > len(brokers):
        raise ValueError(f"replication factor {rf} is larger than the "
                         f"{plural(len(brokers), 'broker')}")


def replica_counts(assignment: Iterable[Sequence[int]], known: Iterable[int]) -> Counter[int]:
    """Replicas per known broker (0 for a broker holding none)."""
    counts = dict.fromkeys(known, 0)
    for replicas in assignment:
        for broker in replicas:
            if broker in counts:
                counts[broker] += 1
    return Counter(counts)


def leader_counts(assignment: Iterable[Sequence[int]], known: Iterable[int]) -> Counter[int]:
    """Preferred leaders (first replicas) per known broker."""
    counts = Counter({b: 0 for b in known})
    for replicas in assignment:
        if replicas and replicas[0] in counts:
            counts[replicas[0]] += 1
    return counts


def starting_load(
    assignment: Iterable[Sequence[int]],
    candidates: Iterable[int],
    extra: Mapping[int, int] | None,
) -> Counter[int]:
    """Replica counts of `assignment` on `candidates`, plus load from other topics."""
    load = replica_counts(assignment, candidates)
    for broker, n in (extra or {}).items():
        if broker in load:
            load[broker] += n
    return load


class BrokerChooser:
    """Ranks brokers to receive a replica by (replicas already on that rack in
    the partition, load, broker id) — a rack the partition does not use comes
    first, then the least loaded broker, then the lowest id.

    Brokers sit in one heap per rack (rack-less brokers share one, since any
    of them not in the partition is an unused rack), so a pick costs
    O(racks · log brokers) rather than a scan of every broker.
    """

    _NO_RACK_GROUP: RackKey = (1, -1)

    def __init__(self, layout: RackLayout, load: Counter[int]) -> None:
        self.layout = layout
        self.load = load
        self._version = dict.fromkeys(load, 0)
        self._heaps: dict[RackKey, list[tuple[int, int, int]]] = {}
        for broker in sorted(load):
            self._heaps.setdefault(self._group(broker), []).append((load[broker], broker, 0))
        for heap in self._heaps.values():
            heapq.heapify(heap)

    def _group(self, broker: int) -> RackKey:
        rack = self.layout.rack(broker)
        return rack if rack[0] == 0 else self._NO_RACK_GROUP

    def pick(
        self,
        replicas: Sequence[int],
        leaving: Container[int] = (),
        rack_aware: bool = True,
    ) -> int:
        """The best broker not in `replicas`. Racks of `leaving` replicas (about
        to be replaced) do not count as used; no rack counts unless `rack_aware`."""
        used = (
            self.layout.rack_counts(b for b in replicas if b not in leaving)
            if rack_aware
            else Counter()
        )
        best: tuple[int, int, int] | None = None
        for group, heap in self._heaps.items():
            # A rack-less broker outside the partition is always an unused rack.
            on_rack = 0 if group == self._NO_RACK_GROUP else used[group]
            if best is not None and on_rack > best[0]:
                continue
            broker = self._lightest_outside(heap, replicas)
            if broker is None:
                continue
            key = (on_rack, self.load[broker], broker)
            if best is None or key < best:
                best = key
        if best is None:
            raise ValueError("no broker left to place a replica on")
        return best[2]

    def _lightest_outside(self, heap: list[tuple[int, int, int]], replicas: Sequence[int]):
        skipped = []
        found = None
        while heap:
            load, broker, version = heap[0]
            if version != self._version[broker]:
                heapq.heappop(heap)  # stale entry from an earlier load
            elif broker in replicas:
                skipped.append(heapq.heappop(heap))
            else:
                found = broker
                break
        for entry in skipped:
            heapq.heappush(heap, entry)
        return found

    def adjust(self, broker: int, delta: int) -> None:
        """Record a replica added to (+1) or removed from (-1) a broker."""
        if broker not in self._version:
            return
        self.load[broker] += delta
        self._version[broker] += 1
        heapq.heappush(
            self._heaps[self._group(broker)],
            (self.load[broker], broker, self._version[broker]),
        )

    def place(
        self,
        replicas: list[int],
        position: int | None = None,
        leaving: Container[int] = (),
        rack_aware: bool = True,
    ) -> int:
        """Pick a broker for `replicas`, put it at `position` (replacing that
        replica) or append it, and record the load change."""
        if position is not None:
            leaving = {*leaving, replicas[position]} if leaving else (replicas[position],)
        broker = self.pick(replicas, leaving, rack_aware)
        if position is None:
            replicas.append(broker)
        else:
            self.adjust(replicas[position], -1)
            replicas[position] = broker
        self.adjust(broker, +1)
        return broker


def balance_pairs(
    brokers: Sequence[int],
    count: Count,
    tiebreak: Count | None,
    transfer: Transfer,
    detour: Callable[[list[int]], bool] | None = None,
) -> None:
    """Move units from fuller to emptier brokers while any pair two apart can.

    Brokers are ordered by (count, tiebreak, id), or (count, id) without a
    tiebreak: the giver is the fullest that can give, the taker the emptiest
    it can give to. `detour` is tried when no direct transfer works
    (leadership chains). The tiebreak must not change while balancing (the
    load outside what is being balanced, say): brokers are sorted by it
    once, then by count alone each round, a stable sort keeping ties in
    that order, since this runs once per unit moved."""
    brokers = sorted(brokers, key=lambda b: (0 if tiebreak is None else tiebreak(b), b))
    while True:
        order = sorted(brokers, key=count)
        if not (_first_transfer(order, count, transfer) or (detour and detour(order))):
            return


def _first_transfer(order: list[int], count: Count, transfer: Transfer) -> bool:
    for giver in reversed(order):
        given = count(giver)
        for taker in order:
            if given - count(taker) < 2:
                break
            if transfer(giver, taker):
                return True
    return False
