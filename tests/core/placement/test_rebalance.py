"""Leader balancing and move counting, on cases worked out by hand."""

import pytest

from kafkaform.core.placement import balance_leaders, count_leader_changes, count_moves

NO_RACKS_3 = {1: None, 2: None, 3: None}


def total_moves(before, after):
    return sum(count_moves(before[t], after[t]) for t in before)


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        # broker 1 leads all three: it hands one to 2, then one to 3
        ({"t": [[1, 2], [1, 3], [1, 2]]}, {"t": [[2, 1], [3, 1], [1, 2]]}),
        # no partition led by 1 has 3 as follower: a chain 1 -> 2 -> 3 does it
        ({"t": [[1, 2], [1, 2], [2, 3]]}, {"t": [[2, 1], [1, 2], [3, 2]]}),
    ],
)
def test_balance_leaders_only_reorders(before, expected):
    after = balance_leaders(before, NO_RACKS_3)
    assert after == expected
    assert total_moves(before, after) == 0
    assert count_leader_changes(before["t"], after["t"]) == 2


def test_balance_leaders_keeps_topic_balance_over_cluster_balance():
    # Broker 1 must lead a's and b's first partitions (no other replica) and,
    # for topic c to stay within ±1, one of c's two: 3 leaders against 1 on
    # broker 3. Giving c entirely to 3 would even out the cluster (2, 2, 2),
    # but per-topic balance wins, so nothing changes.
    before = {"a": [[1], [2, 3]], "b": [[1], [2, 3]], "c": [[1, 3], [3, 1]]}
    assert balance_leaders(before, NO_RACKS_3) == before


@pytest.mark.parametrize(
    ("before", "after", "moves", "leader_changes"),
    [
        ([[1, 2, 3]], [[3, 2, 1]], 0, 1),  # reordering copies nothing
        ([[1, 2, 3]], [[1, 2]], 0, 0),  # dropping copies nothing
        ([[1, 2]], [[1, 2, 3]], 1, 0),
        ([[1, 2], [2, 3]], [[4, 5], [2, 3, 1]], 3, 1),
        ([[1]], [[1], [2, 3]], 0, 0),  # a new partition is not a move
    ],
)
def test_count_moves_and_leader_changes(before, after, moves, leader_changes):
    assert count_moves(before, after) == moves
    assert count_leader_changes(before, after) == leader_changes
