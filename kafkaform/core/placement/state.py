"""The working state of one placement problem: every partition's chosen
brokers, indexed per topic and broker, and the single-replica moves between
them.

A partition's choice is a set of brokers (order comes last, from the leader
pass). Its feasible sets are the bases of a matroid: `size` brokers among the
allowed ones spanning at least `need` racks. That is what makes the searches
in `balance` and `mincost` exact: for a matroid, a set is the best one for
any per-broker weights exactly when no single exchange improves it, and
exchanges in different partitions never interfere, so a path of moves
through distinct partitions is always realisable.

A move replaces broker `b` by broker `c` in one partition. It costs a copy
when `c` did not hold the partition before (`c` not in `home`) and saves one
when it takes the place of a replica that was copied (`b` not in `home`):
the copy delta is -1, 0 or +1.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Container, Iterator, Mapping, Sequence


class Part:
    """One partition's working state."""

    __slots__ = ("chosen", "fixed", "home", "need", "original", "racks", "size", "topic")

    def __init__(self, topic: int, original: Sequence[int], home: list[int]) -> None:
        self.topic = topic
        self.original = original  # read only
        self.home = frozenset(home)  # original replicas on allowed brokers
        self.fixed: list[int] = []  # replicas kept on brokers outside the problem
        self.size = 0  # replicas to choose among the allowed brokers
        self.need = 0  # distinct racks those must span
        self.chosen = set(home)
        self.racks: dict[int, int] = {}  # rack -> chosen replicas on it


class State:
    """Chosen brokers of every partition, with per-topic and cluster counts.

    `held[t][b]` is the insertion-ordered set of topic t's partitions that
    have broker b chosen; `count[t][b]` its size; `load[b]` every replica on
    b, including `fixed_load` from topics outside the problem. `log`, when
    not None, records moves so they can be undone."""

    def __init__(
        self,
        topics: Sequence[str],
        brokers: Mapping[int, int],
        fixed_load: Mapping[int, int],
    ) -> None:
        self.topics = list(topics)
        self.brokers = sorted(brokers)
        self.rack = dict(brokers)
        self.rack_count = len(set(brokers.values()))
        self.parts: list[list[Part]] = [[] for _ in self.topics]
        self.held: list[dict[int, dict[Part, None]]] = [
            {b: {} for b in self.brokers} for _ in self.topics
        ]
        self.count: list[dict[int, int]] = [dict.fromkeys(self.brokers, 0) for _ in self.topics]
        self.load = {b: fixed_load.get(b, 0) for b in self.brokers}
        self.log: list[tuple[Part, int, int]] | None = None

    # -- changing the state ----------------------------------------------

    def add(self, part: Part, broker: int) -> None:
        part.chosen.add(broker)
        rack = self.rack[broker]
        part.racks[rack] = part.racks.get(rack, 0) + 1
        self.held[part.topic][broker][part] = None
        self.count[part.topic][broker] += 1
        self.load[broker] += 1

    def remove(self, part: Part, broker: int) -> None:
        part.chosen.discard(broker)
        rack = self.rack[broker]
        if part.racks[rack] == 1:
            del part.racks[rack]
        else:
            part.racks[rack] -= 1
        del self.held[part.topic][broker][part]
        self.count[part.topic][broker] -= 1
        self.load[broker] -= 1

    def move(self, part: Part, giver: int, taker: int) -> None:
        self.remove(part, giver)
        self.add(part, taker)
        if self.log is not None:
            self.log.append((part, giver, taker))

    def undo(self, mark: int) -> None:
        """Revert the logged moves after position `mark`."""
        assert self.log is not None
        while len(self.log) > mark:
            part, giver, taker = self.log.pop()
            self.remove(part, taker)
            self.add(part, giver)

    # -- moves -------------------------------------------------------------

    def can_move(self, part: Part, giver: int, taker: int) -> bool:
        """Whether `taker` may replace `giver` (chosen) in `part`."""
        if taker in part.chosen:
            return False
        rack, old = self.rack[taker], self.rack[giver]
        if rack == old:
            return True
        spans = len(part.racks) - (part.racks[old] == 1) + (rack not in part.racks)
        return spans >= part.need

    def arcs(
        self,
        topic: int,
        giver: int,
        wanted: set[int],
        costs: Costs,
        avoid: Container[Part] = (),
    ) -> Iterator[tuple[int, Part, int]]:
        """(taker, partition, copy delta) for single moves of a `topic` replica
        off `giver` onto brokers in `wanted`, each taker once, with the
        smallest delta in `costs` any partition but those in `avoid` offers.
        `wanted` is consumed."""
        held = self.held[topic][giver]
        for cost in sorted(costs):
            for part in held:
                if not wanted:
                    return
                if part in avoid:
                    continue
                copied = giver not in part.home
                if cost == -1:  # a copied replica makes way for one that was there
                    takers = part.home & wanted if copied else ()
                elif cost == 0:
                    takers = wanted - part.home if copied else part.home & wanted
                else:
                    takers = () if copied else wanted - part.home
                for taker in takers:
                    if self.can_move(part, giver, taker):
                        wanted.discard(taker)
                        yield taker, part, cost

    def push(
        self,
        topic: int,
        giver: int,
        room: dict[int, int],
        costs: Costs,
        limit: int,
        evening: bool = False,
    ) -> int:
        """Move up to `limit` replicas of `topic` off `giver`, each straight
        to a broker with `room` left (used up as it goes), with a copy delta
        in `costs`, in one pass over the giver's partitions; with `evening`
        only while the giver holds two more of the topic than the taker.
        Returns how many moved."""
        moved = 0
        count = self.count[topic]
        for part in list(self.held[topic][giver]):
            if evening:  # the giver only loses and takers only gain here
                for taker in [t for t in room if count[giver] - count[t] < 2]:
                    del room[taker]
            if moved == limit or not room:
                break
            copied = giver not in part.home
            for taker in room:
                if ((taker not in part.home) - copied) in costs and self.can_move(
                    part, giver, taker
                ):
                    self.move(part, giver, taker)
                    moved += 1
                    room[taker] -= 1
                    if not room[taker]:
                        del room[taker]
                    break
        return moved


Costs = frozenset[int]
ANY_COST: Costs = frozenset({-1, 0, 1})
FREE: Costs = frozenset({0})  # moves that keep the number of copies


def spans_needed(size: int, racks: int, home_racks: int, home_size: int, spread: bool) -> int:
    """Distinct racks a partition of `size` replicas must span.

    Spread: min(size, racks). Otherwise as many as the copies made anyway
    allow: the racks its current replicas span, plus one per replica added
    (each can go to a rack the partition lacks), never more than spread."""
    full = min(size, racks)
    if spread:
        return full
    return min(full, home_racks + max(0, size - home_size))


def keepable(size: int, need: int, home_racks: int, home_size: int) -> int:
    """The most current replicas a partition can keep while `size` brokers
    spanning `need` racks stay reachable: every kept replica beyond one per
    rack takes a place a replica on a missing rack would need."""
    return max(0, min(size, home_size, size - need + home_racks))


class Chooser:
    """Brokers of one topic by (topic count, cluster load, id), lowest
    first: the greedy choice for a new replica. A heap holding each broker
    once, at its current counts: only `add` changes them while it is used."""

    def __init__(self, state: State, topic: int) -> None:
        self.state = state
        self.topic = topic
        self.heap = [self._key(b) for b in state.brokers]
        heapq.heapify(self.heap)

    def _key(self, broker: int) -> tuple[int, int, int]:
        return (self.state.count[self.topic][broker], self.state.load[broker], broker)

    def add(self, part: Part, fits: Callable[[Part, int], bool]) -> None:
        """Add to `part` the lowest broker it lacks that `fits` allows."""
        heap = self.heap
        skipped = []
        while heap:
            entry = heapq.heappop(heap)
            broker = entry[2]
            if broker not in part.chosen and fits(part, broker):
                break
            skipped.append(entry)
        else:
            raise ValueError("no broker left to place a replica on")
        self.state.add(part, broker)
        for entry in skipped:
            heapq.heappush(heap, entry)
        heapq.heappush(heap, self._key(broker))
