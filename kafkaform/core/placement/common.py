"""Pieces the placement modules share: racks, and moving units between brokers.

A broker without a rack (`None`) counts as a rack of its own, and so does a
broker that appears in an assignment but not in `brokers` (a dead or retired
broker).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

Brokers = dict[int, str | None]
Count = Callable[[int], int]
Transfer = Callable[[int, int], bool]
Assignment = list[list[int]]
# A named rack, or a rack-less broker's own.
RackKey = tuple[int, str | int]


class RackLayout:
    """Which rack each broker is on, and how many racks a partition misses."""

    def __init__(self, brokers: Mapping[int, str | None]) -> None:
        self.known = frozenset(brokers)
        self._racks: dict[int, RackKey] = {
            b: (0, name) if name is not None else (1, b) for b, name in brokers.items()
        }
        self.count = len(set(self._racks.values()))

    def rack(self, broker: int) -> RackKey:
        return self._racks.get(broker) or (1, broker)

    def spans(self, replicas: Sequence[int]) -> int:
        return len({self.rack(b) for b in replicas})

    def missing(self, replicas: Sequence[int]) -> int:
        """Racks short of spread: a partition spans min(replicas, racks)
        distinct racks when spread (docs/file-format.md, `placement`). The
        one definition the planner, the benchmark and the rackSpread policy
        share."""
        return max(0, min(len(replicas), self.count) - self.spans(replicas))


def unwind(came_from: Mapping[object, tuple[object, object] | None], end: object) -> list:
    """The steps on a search's path from its root to `end`, in order:
    `came_from[node]` is (previous node, the step taken or None), None at
    the root."""
    path = []
    step = came_from[end]
    while step is not None:
        previous, taken = step
        if taken is not None:
            path.append(taken)
        step = came_from[previous]
    path.reverse()
    return path


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
