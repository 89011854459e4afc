"""Reaching given replica counts with the fewest copies: successive shortest
paths (primal-dual) on the network

    partition --(its brokers)--> (topic, broker) --[lo, hi]--> broker --[Lo, Hi]--> group

where a replica moving from broker b to c in a partition costs its copy
delta, the (topic, broker) arcs carry the topic's count on the broker
within its box, the broker arcs the broker's total within its box, and each
group of brokers takes exactly its total (so that brokers whose boxes allow
one more cannot all take it at once).

The start has the fewest copies any placement can have, so no cycle of
moves saves a copy: all reduced costs are >= 0 with zero potentials. Counts
outside their box are clamped to it, which leaves excess and deficit at the
nodes; each phase runs Dijkstra from every excess node (stopping at the
first deficit), raises the potentials, and pushes replicas along paths of
zero reduced cost until none is left. Every partition's chosen brokers stay
a cheapest basis of its matroid for the potentials, so the paths found are
shortest in the full network and the end state has the fewest copies among
all that meet the boxes. Partitions are not nodes here: the moves a
(topic, broker) node offers are found from the partitions holding it
(`State.arcs`), a path never uses a partition twice.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator, Sequence

from kafkaform.core.placement.balance import Move
from kafkaform.core.placement.state import ANY_COST, Part, State

Box = tuple[int, int]


class Unreachable(ValueError):
    """No placement with the replica counts asked for was found: none exists
    (no path reaches a deficit), or no path found could be pushed."""


class _Network:
    def __init__(
        self,
        state: State,
        topic_boxes: Sequence[dict[int, Box]],
        cluster_box: dict[int, Box],
        groups: Sequence[tuple[Sequence[int], int]],
    ) -> None:
        self.state = state
        self.brokers = state.brokers
        self.index = {b: i for i, b in enumerate(self.brokers)}
        width = len(self.brokers)
        self.width = width
        self.topics = len(state.topics)
        self.broker_base = self.topics * width
        self.group_base = self.broker_base + width
        self.topic_boxes = topic_boxes
        self.cluster_box = cluster_box
        self.group_of = {b: g for g, (members, _) in enumerate(groups) for b in members}
        self.members = [list(members) for members, _ in groups]
        size = self.group_base + len(groups)
        self.excess = [0] * size
        self.potential = [0] * size
        # Clamped flows on (topic, broker) -> broker and broker -> group.
        self.flow = [
            {b: min(max(state.count[t][b], topic_boxes[t][b][0]), topic_boxes[t][b][1])
             for b in self.brokers}
            for t in range(self.topics)
        ]
        self.out = {
            b: min(max(state.load[b], cluster_box[b][0]), cluster_box[b][1])
            for b in self.brokers
        }
        for t in range(self.topics):
            for b in self.brokers:
                self.excess[self.node(t, b)] = state.count[t][b] - self.flow[t][b]
        for b in self.brokers:
            settled = sum(self.flow[t][b] for t in range(self.topics))
            fixed = state.load[b] - sum(state.count[t][b] for t in range(self.topics))
            self.excess[self.broker_base + self.index[b]] = settled + fixed - self.out[b]
        for g, (members, total) in enumerate(groups):
            self.excess[self.group_base + g] = sum(self.out[b] for b in members) - total

    def node(self, topic: int, broker: int) -> int:
        return topic * self.width + self.index[broker]

    def decode(self, node: int) -> tuple[int, int | None]:
        """(topic, broker) for a topic node; (-1, broker) for a broker node;
        (-1 - group, None) for a group node."""
        if node >= self.group_base:
            return self.group_base - 1 - node, None
        if node >= self.broker_base:
            return -1, self.brokers[node - self.broker_base]
        return node // self.width, self.brokers[node % self.width]

    # -- arcs ----------------------------------------------------------------

    def arcs(
        self,
        node: int,
        exact: bool,
        avoid: Collection[Part] = (),
        blocked: Collection[int] = (),
    ) -> Iterator[tuple[int, int, Move | None]]:
        """(head, cost, move) for residual arcs out of `node`. With `exact`,
        only arcs of zero reduced cost (for pushing), no move using a
        partition in `avoid` and no move to a node in `blocked`; otherwise
        the cheapest move to each (topic, broker) node (for Dijkstra)."""
        topic, broker = self.decode(node)
        potential = self.potential
        if broker is None:  # a group hands load back to one of its brokers
            for b in self.members[-1 - topic]:
                head = self.broker_base + self.index[b]
                if self.out[b] > self.cluster_box[b][0] and (
                    not exact or potential[head] == potential[node]
                ):
                    yield head, 0, None
        elif topic >= 0:
            assert broker is not None
            yield from self._moves(node, topic, broker, exact, avoid, blocked)
            head = self.broker_base + self.index[broker]
            if self.flow[topic][broker] < self.topic_boxes[topic][broker][1] and (
                not exact or potential[head] == potential[node]
            ):
                yield head, 0, None
        else:
            for t in range(self.topics):
                head = self.node(t, broker)
                if self.flow[t][broker] > self.topic_boxes[t][broker][0] and (
                    not exact or potential[head] == potential[node]
                ):
                    yield head, 0, None
            head = self.group_base + self.group_of[broker]
            if self.out[broker] < self.cluster_box[broker][1] and (
                not exact or potential[head] == potential[node]
            ):
                yield head, 0, None

    def _moves(
        self,
        node: int,
        topic: int,
        broker: int,
        exact: bool,
        avoid: Collection[Part],
        blocked: Collection[int],
    ) -> Iterator[tuple[int, int, Move | None]]:
        state = self.state
        potential = self.potential
        if not exact:
            wanted = {b for b in self.brokers if b != broker}
            for taker, part, cost in state.arcs(topic, broker, wanted, ANY_COST, avoid):
                yield self.node(topic, taker), cost, (part, broker, taker)
            return
        # A zero reduced cost move needs copy delta = potential difference;
        # moves straight to a deficit come first, then to a broker whose
        # total is short (one step from it), which ends most paths at once.
        base = topic * self.width
        excess = self.excess
        brokers_at = self.broker_base
        by_cost: dict[tuple[int, int], set[int]] = {}
        for i, b in enumerate(self.brokers):
            head = base + i
            if b != broker and head not in blocked:
                cost = potential[head] - potential[node]
                if -1 <= cost <= 1:
                    rank = 0 if excess[head] < 0 else 1 if excess[brokers_at + i] < 0 else 2
                    by_cost.setdefault((rank, cost), set()).add(b)
        for (_, cost), wanted in sorted(by_cost.items()):
            for taker, part, _ in state.arcs(topic, broker, wanted, frozenset({cost}), avoid):
                yield base + self.index[taker], cost, (part, broker, taker)

    # -- pushing -----------------------------------------------------------------

    def push(self, tail: int, head: int, move: Move | None) -> None:
        self.excess[tail] -= 1
        self.excess[head] += 1
        if move is not None:
            self.state.move(*move)
            return
        t_topic, t_broker = self.decode(tail)
        h_topic, h_broker = self.decode(head)
        if t_topic >= 0:  # (topic, broker) -> broker: the replica stays
            self.flow[t_topic][t_broker] += 1  # type: ignore[index]
        elif h_topic >= 0:  # broker -> (topic, broker): one of the topic's leaves
            self.flow[h_topic][h_broker] -= 1  # type: ignore[index]
        elif h_broker is None:  # broker -> group
            self.out[t_broker] += 1  # type: ignore[index]
        else:  # group -> broker
            self.out[h_broker] -= 1  # type: ignore[index]

    def run(self) -> None:
        while any(e > 0 for e in self.excess):
            shortest = self._raise_potentials()
            self._push_phase(shortest)

    def _raise_potentials(self) -> list[tuple[int, int, Move | None]]:
        """Dijkstra on reduced costs from every excess node, until a deficit
        node is reached at distance `reach`; potentials grow by
        min(distance, reach) (Goldberg's early stop keeps them valid).
        Returns the shortest path found: every arc on it has zero reduced
        cost afterwards."""
        potential = self.potential
        distance: dict[int, int] = {}
        came_from: dict[int, tuple[int, Move | None]] = {}
        heap = [(0, node) for node, e in enumerate(self.excess) if e > 0]
        done: set[int] = set()
        reach = end = None
        while heap:
            dist, node = heapq.heappop(heap)
            if node in done:
                continue
            done.add(node)
            distance[node] = dist
            if self.excess[node] < 0:
                reach, end = dist, node
                break
            for head, cost, move in self.arcs(node, False):
                if head in done:
                    continue
                candidate = dist + cost + potential[node] - potential[head]
                if candidate < distance.get(head, candidate + 1):
                    distance[head] = candidate
                    came_from[head] = (node, move)
                    heapq.heappush(heap, (candidate, head))
        if reach is None or end is None:
            raise Unreachable("the replica counts asked for cannot be reached")
        for node in range(len(potential)):
            potential[node] += min(distance[node], reach) if node in done else reach
        path = []
        while end in came_from:
            tail, move = came_from[end]
            path.append((tail, end, move))
            end = tail
        return path[::-1]

    def _push_direct(self) -> bool:
        """Zero reduced cost moves straight from an excess (topic, broker)
        node to a deficit one of the same topic, many per pass over the
        giver's partitions: the bulk of a rebalance, found cheaply."""
        state = self.state
        excess = self.excess
        potential = self.potential
        pushed = False
        for topic in range(self.topics):
            base = topic * self.width
            short = {b: -excess[base + i] for i, b in enumerate(self.brokers)
                     if excess[base + i] < 0}
            if not short:
                continue
            for i, giver in enumerate(self.brokers):
                node = base + i
                if excess[node] <= 0:
                    continue
                by_cost: dict[int, dict[int, int]] = {}
                for taker, n in short.items():
                    cost = potential[base + self.index[taker]] - potential[node]
                    if -1 <= cost <= 1 and n > 0:
                        by_cost.setdefault(cost, {})[taker] = n
                for cost, room in sorted(by_cost.items()):
                    before = dict(room)
                    moved = state.push(topic, giver, room, frozenset({cost}), excess[node])
                    if moved:
                        pushed = True
                        excess[node] -= moved
                        for taker, n in before.items():
                            got = n - room.get(taker, 0)
                            excess[base + self.index[taker]] += got
                            short[taker] -= got
        return pushed

    def _push_phase(self, shortest: list[tuple[int, int, Move | None]]) -> None:
        """Push one replica at a time along zero reduced cost paths, depth
        first, from excess to deficit nodes, until none is found. The search
        uses each partition once per path; when that finds nothing, the
        shortest path Dijkstra found is pushed, which may exchange two
        replicas of one partition (a move from broker 1 to 3 and one from
        2 to 4 in [1, 2, 6]), if the partition stays valid after both."""
        dead: set[int] = set()
        pushed = self._push_direct()
        for source in range(len(self.excess)):
            while self.excess[source] > 0 and source not in dead:
                path = self._find_path(source, dead)
                if path is None:
                    dead.add(source)
                    break
                for tail, head, move in path:
                    self.push(tail, head, move)
                pushed = True
        if not pushed:
            if not self._realisable(shortest):
                raise Unreachable("no replica could be moved towards the counts asked for")
            for tail, head, move in shortest:
                self.push(tail, head, move)

    def _realisable(self, path: list[tuple[int, int, Move | None]]) -> bool:
        """Whether the path's moves, made one after another, are each valid."""
        state = self.state
        assert state.log is not None, "reaching boxes runs with the move log on"
        mark = len(state.log)
        try:
            for _, _, move in path:
                if move is not None:
                    part, giver, taker = move
                    if giver not in part.chosen or not state.can_move(part, giver, taker):
                        return False
                    state.move(part, giver, taker)
            return True
        finally:
            state.undo(mark)

    def _find_path(self, source: int, dead: set[int]) -> list | None:
        on_path = {source}
        used: set[Part] = set()
        blocked = _Union(on_path, dead)
        stack = [(source, self.arcs(source, True, used, blocked))]
        path: list[tuple[int, int, Move | None]] = []
        while stack:
            node, arcs = stack[-1]
            for head, _, move in arcs:
                if head in on_path or head in dead:
                    continue
                path.append((node, head, move))
                if self.excess[head] < 0:
                    return path
                on_path.add(head)
                if move is not None:
                    used.add(move[0])
                stack.append((head, self.arcs(head, True, used, blocked)))
                break
            else:
                stack.pop()
                on_path.discard(node)
                dead.add(node)
                if path:
                    _, _, move = path.pop()
                    if move is not None:
                        used.discard(move[0])
        return None


class _Union:
    """Membership in either of two sets that keep changing."""

    def __init__(self, first: set[int], second: set[int]) -> None:
        self.first = first
        self.second = second

    def __contains__(self, item: object) -> bool:
        return item in self.first or item in self.second


def reach_boxes(
    state: State,
    topic_boxes: Sequence[dict[int, Box]],
    cluster_box: dict[int, Box],
    groups: Sequence[tuple[Sequence[int], int]],
) -> None:
    """Move replicas until every topic's count per broker is within its box,
    every broker's total within the cluster box and every group's total
    exact, with the fewest copies."""
    _Network(state, topic_boxes, cluster_box, groups).run()
