"""Rebalance: replica and leader counts per broker within ±1 of the mean.

Four greedy passes, each moving one unit at a time from a broker holding at
least two more than another, fullest to emptiest first, until no such pair
can exchange anything:

1. replicas, topic by topic (a copy each; never breaking rack spread);
2. replicas across the cluster, only between brokers where the topic's own
   balance survives (the giver holds more of that topic than the taker);
3. leaders, topic by topic, by reordering replicas (no data moves);
4. leaders across the cluster, again keeping each topic's balance.

Moving from a fullest to an emptiest broker is what makes the copy count
minimal (see `bounds.lower_bound_rebalance`). Leadership only changes by
reordering, following chains of swaps when no single swap helps, since
swaps cost nothing. A follower is moved in preference to a leader, so
preferred leaders stay put unless balance needs them to move.

Replicas on brokers missing from `brokers` stay where they are and count
for nothing; new brokers, holding nothing yet, are the emptiest.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence

from kafkaform.placement.common import Count, RackLayout, balance_pairs

# A swap along a leadership chain: (topic, partition, new leader).
Swap = tuple[str, int, int]


def rebalance(
    assignments: Mapping[str, Sequence[Sequence[int]]], brokers: Mapping[int, str | None]
) -> dict[str, list[list[int]]]:
    """Target assignment for every topic (same keys, same partition order)."""
    cluster = _Cluster(assignments, RackLayout(brokers))
    for topic in cluster.topics:
        cluster.balance_topic_replicas(topic)
    cluster.balance_cluster_replicas()
    return _with_balanced_leaders(cluster, assignments)


def balance_leaders(
    assignments: Mapping[str, Sequence[Sequence[int]]], brokers: Mapping[int, str | None]
) -> dict[str, list[list[int]]]:
    """Only reorder replicas so preferred leaders are balanced: no data moves.

    Useful after a change that keeps leaders in place (decommission, rack
    spread, RF change) but leaves new or emptied brokers leading too little."""
    return _with_balanced_leaders(_Cluster(assignments, RackLayout(brokers)), assignments)


def _with_balanced_leaders(
    cluster: _Cluster, assignments: Mapping[str, Sequence[Sequence[int]]]
) -> dict[str, list[list[int]]]:
    for topic in cluster.topics:
        cluster.balance_topic_leaders(topic)
    cluster.balance_cluster_leaders()
    return {topic: cluster.parts[topic] for topic in assignments}


class _Cluster:
    """Mutable working copy of the assignments with per-broker indexes.

    `holders[topic][broker]` and `led[topic][broker]` are insertion-ordered
    sets (dicts) of partition numbers, so scans are deterministic."""

    def __init__(
        self, assignments: Mapping[str, Sequence[Sequence[int]]], layout: RackLayout
    ) -> None:
        self.layout = layout
        self.known = sorted(layout.known)
        self.topics = sorted(assignments)
        self.parts = {t: [list(r) for r in assignments[t]] for t in self.topics}
        self.holders = {t: {b: {} for b in self.known} for t in self.topics}
        self.led = {t: {b: {} for b in self.known} for t in self.topics}
        self.replicas: Counter[int] = Counter(dict.fromkeys(self.known, 0))
        self.leaders: Counter[int] = Counter(dict.fromkeys(self.known, 0))
        for topic in self.topics:
            for index, replicas in enumerate(self.parts[topic]):
                for broker in replicas:
                    if broker in layout.known:
                        self.holders[topic][broker][index] = None
                        self.replicas[broker] += 1
                if replicas and replicas[0] in layout.known:
                    self.led[topic][replicas[0]][index] = None
                    self.leaders[replicas[0]] += 1

    # -- replicas ---------------------------------------------------------

    def balance_topic_replicas(self, topic: str) -> None:
        held = self.holders[topic]
        balance_pairs(
            self.known,
            count=lambda b: len(held[b]),
            tiebreak=lambda b: self.replicas[b] - len(held[b]),
            transfer=lambda giver, taker: self._move_replica(topic, giver, taker),
        )

    def balance_cluster_replicas(self) -> None:
        def transfer(giver: int, taker: int) -> bool:
            return any(
                len(self.holders[t][giver]) > len(self.holders[t][taker])
                and self._move_replica(t, giver, taker)
                for t in self.topics
            )

        balance_pairs(self.known, self.replicas.__getitem__, lambda b: 0, transfer)

    def _move_replica(self, topic: str, giver: int, taker: int) -> bool:
        """Copy one partition of `topic` from `giver` to `taker`, a follower if
        possible, without breaking the partition's rack spread."""
        parts = self.parts[topic]
        chosen = led_by_giver = None
        for index in self.holders[topic][giver]:
            replicas = parts[index]
            if self.layout.can_take(replicas, giver, taker):
                if replicas[0] != giver:
                    chosen = index
                    break
                if led_by_giver is None:
                    led_by_giver = index
        chosen = led_by_giver if chosen is None else chosen
        if chosen is None:
            return False
        replicas = parts[chosen]
        position = replicas.index(giver)
        replicas[position] = taker
        del self.holders[topic][giver][chosen]
        self.holders[topic][taker][chosen] = None
        self.replicas[giver] -= 1
        self.replicas[taker] += 1
        if position == 0:
            self._lead(topic, chosen, giver, taker)
        return True

    # -- leaders ----------------------------------------------------------

    def balance_topic_leaders(self, topic: str) -> None:
        led = self.led[topic]

        def count(b: int) -> int:
            return len(led[b])

        balance_pairs(
            self.known,
            count=count,
            tiebreak=lambda b: self.leaders[b] - len(led[b]),
            transfer=lambda giver, taker: self._swap_leader(topic, giver, taker),
            detour=lambda order: self._leader_chain(order, count, [topic], lambda *_: True),
        )

    def balance_cluster_leaders(self) -> None:
        count = self.leaders.__getitem__

        def keeps_topic_balance(topic: str, giver: int, taker: int) -> bool:
            return len(self.led[topic][giver]) > len(self.led[topic][taker])

        def transfer(giver: int, taker: int) -> bool:
            return any(
                keeps_topic_balance(t, giver, taker) and self._swap_leader(t, giver, taker)
                for t in self.topics
            )

        balance_pairs(
            self.known,
            count,
            lambda b: 0,
            transfer,
            detour=lambda order: self._leader_chain(order, count, self.topics, keeps_topic_balance),
        )

    def _swap_leader(self, topic: str, giver: int, taker: int) -> bool:
        """Make `taker` lead one partition of `topic` that `giver` leads and
        `taker` follows."""
        for index in self.led[topic][giver]:
            if taker in self.parts[topic][index]:
                self._promote(topic, index, taker)
                return True
        return False

    def _leader_chain(
        self,
        order: list[int],
        count: Count,
        topics: Sequence[str],
        edge_ok: Callable[[str, int, int], bool],
    ) -> bool:
        """Breadth-first search for a chain of swaps giver → b1 → … → taker
        ending at a broker leading two fewer; apply the first one found."""
        for giver in reversed(order):
            if count(giver) - count(order[0]) < 2:
                return False
            chain = self._find_chain(giver, count, topics, edge_ok)
            if chain:
                for topic, index, broker in chain:
                    self._promote(topic, index, broker)
                return True
        return False

    def _find_chain(
        self,
        giver: int,
        count: Count,
        topics: Sequence[str],
        edge_ok: Callable[[str, int, int], bool],
    ) -> list[Swap] | None:
        limit = count(giver) - 2
        came_from: dict[int, tuple[int, Swap] | None] = {giver: None}
        queue = deque([giver])
        while queue:
            broker = queue.popleft()
            for topic in topics:
                for index in self.led[topic][broker]:
                    for follower in self.parts[topic][index][1:]:
                        if (
                            follower in came_from
                            or follower not in self.layout.known
                            or not edge_ok(topic, broker, follower)
                        ):
                            continue
                        came_from[follower] = (broker, (topic, index, follower))
                        if count(follower) <= limit:
                            return _unwind(came_from, follower)
                        queue.append(follower)
        return None

    def _promote(self, topic: str, index: int, broker: int) -> None:
        replicas = self.parts[topic][index]
        position = replicas.index(broker)
        old = replicas[0]
        replicas[0], replicas[position] = broker, old
        self._lead(topic, index, old, broker)

    def _lead(self, topic: str, index: int, old: int, new: int) -> None:
        if old in self.layout.known:
            del self.led[topic][old][index]
            self.leaders[old] -= 1
        self.led[topic][new][index] = None
        self.leaders[new] += 1


def _unwind(came_from: dict[int, tuple[int, Swap] | None], end: int) -> list[Swap]:
    chain = []
    step = came_from[end]
    while step is not None:
        previous, swap = step
        chain.append(swap)
        step = came_from[previous]
    chain.reverse()
    return chain
