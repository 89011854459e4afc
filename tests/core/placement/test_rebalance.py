"""Table-driven rebalance and move-bound cases, worked out by hand."""

import pytest

from kafkaform.core.placement import (
    balance_leaders,
    count_leader_changes,
    count_moves,
    lower_bound_decommission,
    lower_bound_rebalance,
    lower_bound_rf_change,
    lower_bound_spread,
    rebalance,
)
from kafkaform.core.placement.bounds import spread_moves

NO_RACKS_3 = {1: None, 2: None, 3: None}
NO_RACKS_4 = {1: None, 2: None, 3: None, 4: None}
SIX_ON_ABC = {1: "a", 2: "b", 3: "c", 4: "a", 5: "b", 6: "c"}


def total_moves(before, after):
    return sum(count_moves(before[t], after[t]) for t in before)


@pytest.mark.parametrize(
    ("brokers", "before", "expected", "moves"),
    [
        # new broker 4 takes a follower from each of the two fullest brokers,
        # then leads the partition it shares with broker 1 (which led two)
        (
            NO_RACKS_4,
            {"t": [[1, 2], [2, 3], [3, 1], [1, 2]]},
            {"t": [[4, 1], [2, 3], [3, 4], [1, 2]]},
            2,
        ),
        # RF 3 on 3 racks: replicas can only move within their rack, so each
        # rack's new broker takes one replica from its rack-mate
        (
            SIX_ON_ABC,
            {"t": [[1, 2, 3], [2, 3, 1], [3, 1, 2]]},
            {"t": [[1, 5, 6], [2, 3, 4], [3, 1, 2]]},
            3,
        ),
        # each topic is within ±1 on its own, the cluster is not: one move
        # from broker 2 (holding more of topic a than broker 3) fixes it
        (
            NO_RACKS_3,
            {"a": [[1], [2]], "b": [[1], [2]]},
            {"a": [[1], [3]], "b": [[1], [2]]},
            1,
        ),
        # balanced already: unchanged
        (NO_RACKS_3, {"t": [[1, 2], [2, 3], [3, 1]]}, {"t": [[1, 2], [2, 3], [3, 1]]}, 0),
    ],
)
def test_rebalance(brokers, before, expected, moves):
    after = rebalance(before, brokers)
    assert after == expected
    assert total_moves(before, after) == moves == lower_bound_rebalance(before, brokers)


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


def test_cluster_leaders_balance_through_a_chain_inside_one_topic():
    # Found by hypothesis. After the replica passes, broker 1 leads topics a
    # and c while 4 leads nothing; c's leadership must go 1 → 2 → 4 within
    # topic c, broker 2's count of c staying the same mid-chain.
    brokers = {b: None for b in range(1, 6)}
    before = {"a": [[1]], "b": [[2]], "c": [[1, 2, 3], [1, 2, 3], [1, 2, 3]]}
    after = rebalance(before, brokers)
    leaders = [parts[0] for topic in sorted(after) for parts in after[topic]]
    assert sorted(leaders) == [1, 2, 3, 4, 5]
    assert sorted(p[0] for p in after["c"]) == [2, 3, 4]
    assert total_moves(before, after) == lower_bound_rebalance(before, brokers)


def test_balance_leaders_keeps_topic_balance_over_cluster_balance():
    # Broker 1 must lead a's and b's first partitions (no other replica) and,
    # for topic c to stay within ±1, one of c's two: 3 leaders against 1 on
    # broker 3. Giving c entirely to 3 would even out the cluster (2, 2, 2),
    # but per-topic balance wins, so nothing changes.
    before = {"a": [[1], [2, 3]], "b": [[1], [2, 3]], "c": [[1, 3], [3, 1]]}
    assert balance_leaders(before, NO_RACKS_3) == before


def test_rebalance_leaves_replicas_on_unknown_brokers_alone():
    before = {"t": [[9, 1], [9, 2], [9, 3]]}
    assert rebalance(before, NO_RACKS_3) == before


def test_rebalance_keeps_topic_order_and_does_not_modify_its_input():
    before = {"b": [[1, 2]], "a": [[1, 2]]}
    after = rebalance(before, NO_RACKS_4)
    assert list(after) == ["b", "a"]
    assert before == {"b": [[1, 2]], "a": [[1, 2]]}


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


def test_scenario_lower_bounds():
    current = [[1, 2], [2, 3], [3]]
    assert lower_bound_rf_change(current, 3) == 1 + 1 + 2
    assert lower_bound_rf_change(current, 1) == 0
    assert lower_bound_decommission(current, {3}) == 2
    # cap 1 per rack: [1,4] crowd rack a by one, [1,4,7] by two (7 is rack a too)
    racks = {1: "a", 2: "b", 3: "c", 4: "a", 7: "a"}
    assert lower_bound_spread([[1, 2, 3], [1, 4, 2], [1, 4, 7]], racks) == 0 + 1 + 2


@pytest.mark.parametrize(
    ("counts", "moves"),
    [
        ([3, 3, 3], 0),
        ([4, 3, 2], 1),
        ([2, 2, 0], 1),  # mean 4/3: one broker may keep 2, the empty one needs 1
        ([6, 0, 0], 4),
        ([5, 5, 5, 0, 0, 0], 6),
        ([], 0),
    ],
)
def test_spread_moves(counts, moves):
    assert spread_moves(counts) == moves


def test_rebalance_bound_is_per_rack_when_racks_lock_replicas():
    # RF 3 on 3 racks, rack a with three brokers, b and c with one: no replica
    # can change rack, so only rack a balances (3,0,0 → 1,1,1: two moves),
    # while a cluster-wide count (3,3,3,0,0) would ask for three.
    brokers = {1: "a", 2: "b", 3: "c", 4: "a", 5: "a"}
    before = {"t": [[1, 2, 3], [1, 2, 3], [1, 2, 3]]}
    after = rebalance(before, brokers)
    assert lower_bound_rebalance(before, brokers) == 2 == total_moves(before, after)
    assert sorted(part[1:] for part in after["t"]) == [[2, 3]] * 3
