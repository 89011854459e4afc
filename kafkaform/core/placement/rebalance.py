"""Preferred leaders within ±1 per broker by reordering replicas (no copy).

Two greedy passes, each moving one leadership at a time from a broker
leading at least two more than another, fullest to emptiest first, until
no such pair can exchange anything:

1. leaders, topic by topic;
2. leaders across the cluster.

Leadership only changes by reordering, following chains of swaps when no
single swap helps, since swaps cost nothing. Preferred leaders stay put
unless balance needs them to move.

Leader balance is a flow problem (each partition sends one unit of
leadership to one of its replicas), and the chains are its augmenting
paths, so both passes reach spread <= 1 whenever reordering alone can:
a pass only stops when no broker two above another can pass leadership to
it along any chain, which proves no reordering does better (the per-topic
sum of squared leader counts is then minimal). Per-topic balance wins over
cluster-wide balance: pass 2 only hands a topic's leadership to a broker
leading exactly one fewer of that topic, which keeps the topic's sum of
squares, so every topic stays as balanced as pass 1 left it and the
cluster evens out only as far as that allows.

That rule also makes the result a fixed point: balancing it again finds no
chain in either pass, so a plan applied leaves no leader reorder to plan.
A looser rule (any count within the topic's range) let pass 2 push a topic
whose spread cannot reach 1 off its optimum; the next run's pass 1 put it
back, and `apply` never converged on Apache Kafka ("reassign 1 partition
(0 replica moves) is still planned after apply").

Replicas on brokers missing from `brokers` never become leaders and count
for nothing.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence

from kafkaform.core.placement.common import Count, RackLayout, balance_pairs, unwind

# A swap along a leadership chain: (topic, partition, new leader).
Swap = tuple[str, int, int]
# How a search reached a node: (previous node, the swap taken or None), None at the root.
CameFrom = dict[object, tuple[object, Swap | None] | None]


def balance_leaders(
    assignments: Mapping[str, Sequence[Sequence[int]]],
    brokers: Mapping[int, str | None],
    *,
    load: Mapping[int, int] | None = None,
) -> dict[str, list[list[int]]]:
    """Only reorder replicas so preferred leaders are balanced: no data moves.

    `load` counts the partitions other topics' brokers lead, so that the
    cluster-wide pass evens out the whole cluster rather than these topics."""
    cluster = _Cluster(assignments, RackLayout(brokers))
    for broker, n in (load or {}).items():
        if broker in cluster.leaders:
            cluster.leaders[broker] += n
    return _with_balanced_leaders(cluster, assignments)


def _with_balanced_leaders(
    cluster: _Cluster, assignments: Mapping[str, Sequence[Sequence[int]]]
) -> dict[str, list[list[int]]]:
    for topic in cluster.topics:
        cluster.balance_topic_leaders(topic)
    cluster.balance_cluster_leaders()
    return {topic: cluster.parts[topic] for topic in assignments}


class _Cluster:
    """Mutable working copy of the assignments with per-broker indexes.

    `led[topic][broker]` is an insertion-ordered set (dict) of partition
    numbers, so scans are deterministic.

    Two more indexes keep the cluster-wide leader pass from scanning every
    topic at each step: `leading[broker]` holds the ranks (positions in
    `topics`) of the topics the broker leads a partition of, and
    `follows[leader, follower]` lists, in rank order, one topic rank per
    partition `leader` leads with `follower` among its other replicas (only
    known leaders are indexed). Both are kept up to date by `_index` and
    `_lead`, the only places replicas change."""

    def __init__(
        self, assignments: Mapping[str, Sequence[Sequence[int]]], layout: RackLayout
    ) -> None:
        self.layout = layout
        self.known = sorted(layout.known)
        self.topics = sorted(assignments)
        self.rank = {t: i for i, t in enumerate(self.topics)}
        self.parts = {t: [list(r) for r in assignments[t]] for t in self.topics}
        self.led = {t: {b: {} for b in self.known} for t in self.topics}
        self.leaders: Counter[int] = Counter(dict.fromkeys(self.known, 0))
        self.leading: dict[int, set[int]] = {b: set() for b in self.known}
        self.changes: Counter[int] = Counter()  # leaderships gained or lost
        self.follows: dict[tuple[int, int], list[int]] = {}
        known, follows = layout.known, self.follows
        for rank, topic in enumerate(self.topics):
            led = self.led[topic]
            for index, replicas in enumerate(self.parts[topic]):
                if replicas and replicas[0] in known:
                    leader = replicas[0]
                    led[leader][index] = None
                    self.leaders[leader] += 1
                    self.leading[leader].add(rank)
                    # `_index`, appending: ranks come in order, so each list stays sorted.
                    for follower in replicas[1:]:
                        follows.setdefault((leader, follower), []).append(rank)

    # -- leaders ----------------------------------------------------------

    def balance_topic_leaders(self, topic: str) -> None:
        led = self.led[topic]
        counts = [len(led[b]) for b in self.known]
        if not counts or max(counts) - min(counts) < 2:
            return  # no pair two apart: what `balance_pairs` would find, found sooner

        def count(b: int) -> int:
            return len(led[b])

        balance_pairs(
            self.known,
            count=count,
            tiebreak=lambda b: self.leaders[b] - len(led[b]),
            transfer=lambda giver, taker: self._swap_leader(topic, giver, taker),
            detour=lambda order: self._apply_chain(
                order, count, lambda giver: self._find_topic_chain(giver, topic)
            ),
        )

    def balance_cluster_leaders(self) -> None:
        """Even out leaders across topics, each topic handing a leadership
        only to a broker leading one fewer of it (its balance unchanged)."""
        count = self.leaders.__getitem__
        led = [self.led[t] for t in self.topics]  # by rank, for the hot loop below

        # A pair that could not swap can only start to once giver or taker
        # has gained or lost a leadership: remember when each pair failed.
        failed: dict[tuple[int, int], tuple[int, int]] = {}

        def transfer(giver: int, taker: int) -> bool:
            when = (self.changes[giver], self.changes[taker])
            if failed.get((giver, taker)) == when:
                return False
            # Only topics where giver leads a partition taker follows can swap.
            for rank in self.follows.get((giver, taker), ()):
                if len(led[rank][giver]) - len(led[rank][taker]) == 1:
                    return self._swap_leader(self.topics[rank], giver, taker)
            failed[giver, taker] = when
            return False

        def detour(order: list[int]) -> bool:
            return self._apply_chain(order, count, self._find_cluster_chain)

        balance_pairs(self.known, count, None, transfer, detour)

    def _swap_leader(self, topic: str, giver: int, taker: int) -> bool:
        """Make `taker` lead one partition of `topic` that `giver` leads and
        `taker` follows."""
        for index in self.led[topic][giver]:
            if taker in self.parts[topic][index]:
                self._promote(topic, index, taker)
                return True
        return False

    def _apply_chain(
        self, order: list[int], count: Count, find: Callable[[int], list[Swap] | None]
    ) -> bool:
        """Apply the first chain of swaps `find` returns for a giver (fullest
        first) leading at least two more than the emptiest broker."""
        for giver in reversed(order):
            if count(giver) - count(order[0]) < 2:
                return False
            chain = find(giver)
            if chain:
                for topic, index, broker in chain:
                    self._promote(topic, index, broker)
                return True
        return False

    def _find_topic_chain(self, giver: int, topic: str) -> list[Swap] | None:
        """Breadth-first search, within one topic, for swaps giver → b1 → … →
        taker ending at a broker leading two fewer of the topic."""
        led = self.led[topic]
        limit = len(led[giver]) - 2
        came_from: CameFrom = {giver: None}
        queue = deque([giver])
        while queue:
            broker = queue.popleft()
            for index in led[broker]:
                for follower in self.parts[topic][index][1:]:
                    if follower in came_from or follower not in self.layout.known:
                        continue
                    came_from[follower] = (broker, (topic, index, follower))
                    if len(led[follower]) <= limit:
                        return unwind(came_from, follower)
                    queue.append(follower)
        return None

    def _find_cluster_chain(self, giver: int) -> list[Swap] | None:
        """Breadth-first search for swaps passing one leadership from `giver`
        to a broker leading two fewer in all, every topic's balance unchanged.

        The search runs over brokers and (topic, level, broker) nodes: a
        broker leading `level` partitions of topic t may hand one over
        (broker → (t, level, broker)); a partition of t moves leadership
        between two of its replicas ((t, level, a) → (t, level, b)), b's
        count of t unchanged if the chain goes on within t; and a broker
        leading `level - 1` of t may keep the leadership it gained
        ((t, level, b) → b), going on by handing over another topic. Keeping
        a broker's count of a topic unchanged mid-chain is what a per-step
        check cannot express."""
        known = self.layout.known
        limit = self.leaders[giver] - 2
        came_from: CameFrom = {giver: None}
        queue: deque[tuple[str, int, int]] = deque()

        def hand_over(broker: int) -> None:
            for topic in map(self.topics.__getitem__, sorted(self.leading[broker])):
                node = (topic, len(self.led[topic][broker]), broker)
                if node not in came_from:
                    came_from[node] = (broker, None)
                    queue.append(node)

        hand_over(giver)
        while queue:
            node = queue.popleft()
            topic, level, broker = node
            led = self.led[topic]
            for index in led[broker]:
                for follower in self.parts[topic][index][1:]:
                    target = (topic, level, follower)
                    if target in came_from or follower not in known:
                        continue
                    came_from[target] = (node, (topic, index, follower))
                    queue.append(target)
                    if follower not in came_from and len(led[follower]) == level - 1:
                        came_from[follower] = (target, None)
                        if self.leaders[follower] <= limit:
                            return unwind(came_from, follower)
                        hand_over(follower)
        return None

    def _promote(self, topic: str, index: int, broker: int) -> None:
        replicas = self.parts[topic][index]
        position = replicas.index(broker)
        old = replicas[0]
        self._index(topic, index, -1)
        replicas[0], replicas[position] = broker, old
        self._index(topic, index, 1)
        self._lead(topic, index, old, broker)

    def _lead(self, topic: str, index: int, old: int, new: int) -> None:
        if old in self.layout.known:
            del self.led[topic][old][index]
            self.leaders[old] -= 1
            if not self.led[topic][old]:
                self.leading[old].discard(self.rank[topic])
            self.changes[old] += 1
        self.led[topic][new][index] = None
        self.leaders[new] += 1
        self.leading[new].add(self.rank[topic])
        self.changes[new] += 1

    def _index(self, topic: str, index: int, step: int) -> None:
        """Add (step 1) or remove (step -1) a partition in `follows`."""
        replicas = self.parts[topic][index]
        if not replicas or replicas[0] not in self.layout.known:
            return
        rank = self.rank[topic]
        for follower in replicas[1:]:
            shared = self.follows.setdefault((replicas[0], follower), [])
            if step > 0:
                insort(shared, rank)
            else:
                del shared[bisect_left(shared, rank)]

