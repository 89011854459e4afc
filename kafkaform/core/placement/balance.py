"""Evening out replica counts by paths of single moves, topic by topic, then
across the cluster.

Per topic the objective is the sum of squared replica counts per broker,
which is minimal exactly when every broker is within ±1 of the mean if that
is reachable, and as close as the racks allow otherwise. The counts a
topic's partitions can reach form the integer points of a sum of matroid
base polytopes, so a count vector is optimal as soon as no broker holding
two more than another can pass it one replica, directly or along a path of
moves in distinct partitions (breadth-first, so the path is realisable).

Across the cluster the objective is the same on total replicas per broker,
among states where every topic stays optimal: a topic may only pass a
replica from a broker to one holding exactly one fewer of it, which leaves
its own sum of squares unchanged. A chain of such hand-overs through several
topics moves one replica's worth of load from a full broker to an empty one.

`costs` restricts the moves: `FREE` keeps the number of copies (the plan's
default: balance only where it costs nothing), `ANY_COST` allows every move
(to find the balance a rebalance must reach).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from kafkaform.core.placement.common import unwind
from kafkaform.core.placement.state import Costs, Part, State

Move = tuple[Part, int, int]
# How a search reached a node: (previous node, the move taken or None).
CameFrom = dict[object, tuple[object, Move | None] | None]


def balance_topics(state: State, costs: Costs) -> None:
    for topic in range(len(state.topics)):
        _push_down(state, topic, costs)
        while _improve(state, state.count[topic].__getitem__,
                       lambda sources, target, t=topic: topic_path(state, t, sources, target,
                                                                   costs)):
            _push_down(state, topic, costs)


def _push_down(state: State, topic: int, costs: Costs) -> None:
    """Direct moves from the fullest brokers to the emptiest, as many at a
    time as keep improving: each lowers the sum of squares, so they are
    steps the path search would take too, only cheaper to find."""
    count = state.count[topic]
    while True:
        order = sorted(state.brokers, key=count.__getitem__)
        moved = 0
        for giver in reversed(order):
            high = count[giver]
            room = {c: high - 1 - count[c] for c in order if count[c] <= high - 2}
            if not room:
                break
            moved += state.push(topic, giver, room, costs, high, evening=True)
        if not moved:
            return


def balance_cluster(state: State, costs: Costs) -> None:
    while _improve(state, state.load.__getitem__,
                   lambda sources, target: cluster_path(state, sources, target, costs)):
        pass


def _improve(
    state: State,
    count: Callable[[int], int],
    search: Callable[[list[int], Callable[[int], bool]], list[Move] | None],
) -> bool:
    """Apply one path from the fullest brokers that can give to a broker
    holding two fewer; False when there is none."""
    levels = sorted({count(b) for b in state.brokers}, reverse=True)
    for level in levels:
        if level - levels[-1] < 2:
            return False
        sources = [b for b in state.brokers if count(b) == level]
        path = search(sources, lambda c, level=level: count(c) <= level - 2)
        if path:
            for move in path:
                state.move(*move)
            return True
    return False


def _parts_on_path(came_from: CameFrom, node: object) -> set[Part]:
    return {move[0] for move in unwind(came_from, node)}


def topic_path(
    state: State,
    topic: int,
    sources: Iterable[int],
    is_target: Callable[[int], bool],
    costs: Costs,
) -> list[Move] | None:
    """Shortest path of moves of `topic` replicas from a source broker to a
    target broker, each move in another partition."""
    came_from: CameFrom = {b: None for b in sources}
    queue = deque(came_from)
    while queue:
        broker = queue.popleft()
        wanted = {b for b in state.brokers if b not in came_from}
        avoid = _parts_on_path(came_from, broker)
        for taker, part, _ in state.arcs(topic, broker, wanted, costs, avoid):
            came_from[taker] = (broker, (part, broker, taker))
            if is_target(taker):
                return unwind(came_from, taker)
            queue.append(taker)
    return None


def cluster_path(
    state: State,
    sources: Iterable[int],
    is_target: Callable[[int], bool],
    costs: Costs,
) -> list[Move] | None:
    """Shortest chain of topic hand-overs from a source broker to a target
    broker that leaves every topic's sum of squares unchanged.

    Nodes are brokers and (topic, level, broker): a broker may start handing
    over a replica of any topic it holds, at that topic's count `level` on
    it; moves of that topic carry it on; it may stop at a broker holding
    `level - 1` of the topic, which then goes on as a broker node."""
    came_from: CameFrom = {b: None for b in sources}
    queue: deque[object] = deque(came_from)
    while queue:
        node = queue.popleft()
        if isinstance(node, int):
            for topic in range(len(state.topics)):
                level = state.count[topic][node]
                start = (topic, level, node)
                if level and start not in came_from:
                    came_from[start] = (node, None)
                    queue.append(start)
            continue
        topic, level, broker = node  # type: ignore[misc]
        wanted = {b for b in state.brokers if (topic, level, b) not in came_from}
        avoid = _parts_on_path(came_from, node)
        for taker, part, _ in state.arcs(topic, broker, wanted, costs, avoid):
            reached = (topic, level, taker)
            came_from[reached] = (node, (part, broker, taker))
            queue.append(reached)
            if state.count[topic][taker] == level - 1 and taker not in came_from:
                came_from[taker] = (reached, None)
                if is_target(taker):
                    return unwind(came_from, taker)
                queue.append(taker)
    return None
