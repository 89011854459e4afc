"""Table-driven cases for the per-topic placement changes, worked out by hand."""

import pytest

from kafkaform.core.placement import (
    across_topics,
    count_moves,
    decommission,
    extend_partitions,
    set_replication_factor,
    spread_racks,
    static_assignment,
)

NO_RACKS_3 = {1: None, 2: None, 3: None}
RACKS_ABCA = {1: "a", 2: "b", 3: "c", 4: "a"}
SIX_ON_ABC = {1: "a", 2: "b", 3: "c", 4: "a", 5: "b", 6: "c"}


@pytest.mark.parametrize(
    ("brokers", "current", "rf", "expected"),
    [
        # the missing rack c first (only broker 3), then rack a's emptier broker 4
        (RACKS_ABCA, [[1, 2], [2, 3]], 3, [[1, 2, 3], [2, 3, 4]]),
        # no racks: least loaded, ties to the lower id
        (NO_RACKS_3, [[1], [1], [2]], 2, [[1, 3], [1, 2], [2, 3]]),
        # shrink: drop from the crowded rack a, never the leader; then the busier broker
        (
            {1: "a", 2: "a", 3: "b", 4: "c"},
            [[1, 2, 3, 4], [3, 1, 2, 4]],
            3,
            [[1, 3, 4], [3, 2, 4]],
        ),
        # shrink drops a replica on a broker that is gone before anything else
        (NO_RACKS_3, [[1, 9, 2]], 2, [[1, 2]]),
        # already there: untouched
        (NO_RACKS_3, [[2, 1], [3, 2]], 2, [[2, 1], [3, 2]]),
    ],
)
def test_set_replication_factor(brokers, current, rf, expected):
    assert set_replication_factor(current, rf, brokers) == expected


@pytest.mark.parametrize("rf", [0, 4])
def test_set_replication_factor_rejects_impossible_rf(rf):
    with pytest.raises(ValueError, match="replication factor"):
        set_replication_factor([[1]], rf, NO_RACKS_3)


def test_load_from_other_topics_steers_the_choice():
    # broker 2 holds much of another topic, so broker 3 gets the new replica
    assert set_replication_factor([[1]], 2, NO_RACKS_3, load={2: 5}) == [[1, 3]]


@pytest.mark.parametrize(
    ("brokers", "current", "expected"),
    [
        # RF 3 on 3 racks: one replica per rack; the follower on the crowded rack
        # moves to the empty rack's least loaded broker
        (
            {1: "a", 2: "a", 3: "b", 4: "b", 5: "c", 6: "c"},
            [[1, 2, 3], [3, 4, 5], [5, 1, 3]],
            [[1, 6, 3], [3, 2, 5], [5, 1, 3]],
        ),
        # the leader on the crowded rack stays; its follower moves
        ({1: "a", 2: "a", 3: "b", 5: "c"}, [[1, 2, 5]], [[1, 3, 5]]),
        # 2 racks for RF 4: at most 2 per rack; equal load, so the higher id moves
        ({1: "a", 2: "a", 3: "a", 4: "b", 5: "b"}, [[1, 2, 3, 4]], [[1, 2, 5, 4]]),
        # rack b has one broker: rack a must keep two of three
        ({1: "a", 2: "a", 3: "a", 4: "b"}, [[1, 2, 3]], [[1, 2, 4]]),
        # already spread: nothing moves
        (SIX_ON_ABC, [[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5, 6]]),
    ],
)
def test_spread_racks(brokers, current, expected):
    assert spread_racks(current, brokers) == expected


@pytest.mark.parametrize(
    ("brokers", "current", "remove", "expected"),
    [
        # rack c's other broker takes over, in place (it becomes leader of p2)
        (SIX_ON_ABC, [[1, 2, 3], [4, 5, 6], [3, 4, 5]], {3}, [[1, 2, 6], [4, 5, 6], [6, 4, 5]]),
        # the removed broker is already gone from the cluster
        (NO_RACKS_3, [[1, 9], [9, 2]], {9}, [[1, 3], [1, 2]]),
        # nothing on the removed broker: nothing moves
        (NO_RACKS_3, [[1, 2]], {3}, [[1, 2]]),
    ],
)
def test_decommission(brokers, current, remove, expected):
    assert decommission(current, remove, brokers) == expected


def test_decommission_refuses_when_too_few_brokers_remain():
    with pytest.raises(ValueError, match="2 brokers would remain"):
        decommission([[1, 2, 3]], {3}, NO_RACKS_3)


@pytest.mark.parametrize(
    ("brokers", "current", "new_count", "spread", "expected"),
    [
        # leaders go to brokers leading nothing (4 is emptier), followers spread
        (
            {1: "a", 2: "b", 3: "a", 4: "b"},
            [[1, 2], [2, 3]],
            4,
            True,
            [[4, 1], [3, 4]],
        ),
        # spread: the follower avoids the leader's rack a
        ({1: "a", 2: "a", 3: "b"}, [[3, 1]], 2, True, [[2, 3]]),
        # no spread asked: least loaded, lowest id, even on the same rack
        ({1: "a", 2: "a", 3: "b"}, [[3, 1]], 2, False, [[2, 1]]),
        # same count: nothing to add
        (NO_RACKS_3, [[1, 2]], 1, True, []),
    ],
)
def test_extend_partitions(brokers, current, new_count, spread, expected):
    assert extend_partitions(current, new_count, brokers, spread) == expected


@pytest.mark.parametrize(
    ("current", "new_count", "message"),
    [([[1, 2]], 0, "only grow"), ([], 3, "without partitions")],
)
def test_extend_partitions_rejects(current, new_count, message):
    with pytest.raises(ValueError, match=message):
        extend_partitions(current, new_count, NO_RACKS_3, True)


def test_static_assignment_returns_a_copy():
    given = [[1, 2], [2, 3]]
    result = static_assignment(given, NO_RACKS_3)
    assert result == given
    assert result[0] is not given[0]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ([[1, 7]], r"partition 0: unknown broker 7; brokers are"),
        ([[1, 2], [2, 2]], "partition 1: a broker appears twice"),
        ([[1, 2], [3]], "partition 1: 1 replicas, but partition 0 has 2"),
        ([[]], "partition 0: no replicas"),
    ],
)
def test_static_assignment_rejects(given, message):
    with pytest.raises(ValueError, match=message):
        static_assignment(given, NO_RACKS_3)


def test_across_topics_balances_the_cluster_not_each_topic_alone():
    # Each topic alone would put its new replica on broker 2 (lowest id among
    # equals); sharing load sends the second topic's to broker 3.
    brokers = NO_RACKS_3
    current = {"a": [[1]], "b": [[1]]}
    result = across_topics(
        current, lambda cur, load: set_replication_factor(cur, 2, brokers, load=load)
    )
    assert result == {"a": [[1, 2]], "b": [[1, 3]]}
    assert sum(count_moves(current[t], result[t]) for t in current) == 2
