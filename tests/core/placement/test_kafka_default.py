"""Kafka's AdminUtils assignment, checked against the tables in Kafka's own tests
(AdminTest.testReplicaAssignment, AdminRackAwareTest)."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kafkaform.core.placement.kafka_default import assign_replicas, rack_alternated_brokers

FIVE_BROKERS_NO_RACKS = {b: None for b in range(5)}
SIX_BROKERS_THREE_RACKS = {0: "rack1", 1: "rack3", 2: "rack3", 3: "rack2", 4: "rack2", 5: "rack1"}


def test_rack_unaware_matches_kafka_admin_test():
    assert assign_replicas(10, 3, FIVE_BROKERS_NO_RACKS, start_index=0) == [
        [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 1],
        [0, 2, 3], [1, 3, 4], [2, 4, 0], [3, 0, 1], [4, 1, 2],
    ]  # fmt: skip


def test_rack_alternated_list_matches_kafka():
    assert rack_alternated_brokers(SIX_BROKERS_THREE_RACKS) == [0, 3, 1, 5, 4, 2]
    without_5 = {b: r for b, r in SIX_BROKERS_THREE_RACKS.items() if b != 5}
    assert rack_alternated_brokers(without_5) == [0, 3, 1, 4, 2]


def test_rack_aware_matches_kafka_admin_rack_aware_test():
    assert assign_replicas(7, 3, SIX_BROKERS_THREE_RACKS, start_index=0) == [
        [0, 3, 1], [3, 1, 5], [1, 5, 4], [5, 4, 2], [4, 2, 0], [2, 0, 3], [0, 4, 2],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("partitions", "rf", "start", "first", "expected"),
    [
        # first_partition continues the round robin as CreatePartitions does.
        (2, 3, 0, 10, [[0, 2, 3], [1, 3, 4]]),
        # A start index rotates leaders and shifts followers.
        (3, 2, 2, 0, [[2, 0], [3, 1], [4, 2]]),
        (1, 1, 0, 0, [[0]]),
    ],
)
def test_rack_unaware_start_index_and_first_partition(partitions, rf, start, first, expected):
    assert assign_replicas(partitions, rf, FIVE_BROKERS_NO_RACKS, start, first) == expected


def test_brokers_are_ordered_by_id_whatever_the_dict_order():
    brokers = {4: None, 0: None, 2: None}
    assert assign_replicas(3, 2, brokers, start_index=0) == [[0, 2], [2, 4], [4, 0]]


def test_default_start_index_is_reproducible():
    assert assign_replicas(6, 3, SIX_BROKERS_THREE_RACKS) == assign_replicas(
        6, 3, SIX_BROKERS_THREE_RACKS, start_index=0
    )


@pytest.mark.parametrize("start", range(6))
def test_rack_aware_spreads_replicas_and_leaders_evenly(start):
    # Kafka's testAssignmentWithRackAware: 6 brokers, 3 racks of 2, RF 3.
    brokers = {0: "rack1", 1: "rack2", 2: "rack2", 3: "rack3", 4: "rack3", 5: "rack1"}
    assignment = assign_replicas(6, 3, brokers, start_index=start)
    assert all(len({brokers[b] for b in replicas}) == 3 for replicas in assignment)
    assert Counter(r[0] for r in assignment) == Counter({b: 1 for b in brokers})
    assert Counter(b for r in assignment for b in r) == Counter({b: 3 for b in brokers})


def test_more_replicas_than_racks_covers_every_rack():
    brokers = {0: "a", 1: "a", 2: "b", 3: "b"}
    for replicas in assign_replicas(8, 3, brokers, start_index=1):
        assert len(set(replicas)) == 3
        assert {brokers[b] for b in replicas} == {"a", "b"}


@pytest.mark.parametrize(
    ("partitions", "rf", "brokers", "message"),
    [
        (0, 1, FIVE_BROKERS_NO_RACKS, "Number of partitions must be larger than 0."),
        (1, 0, FIVE_BROKERS_NO_RACKS, "Replication factor must be larger than 0."),
        (1, 6, FIVE_BROKERS_NO_RACKS, "Replication factor: 6 larger than available brokers: 5."),
        (1, 2, {0: "a", 1: None}, "Not all brokers have rack information"),
    ],
)
def test_invalid_requests_raise_kafkas_message(partitions, rf, brokers, message):
    with pytest.raises(ValueError, match=message):
        assign_replicas(partitions, rf, brokers)


@given(
    racks=st.lists(st.sampled_from("abcd"), min_size=1, max_size=9),
    partitions=st.integers(1, 30),
    rf_fraction=st.floats(0, 1),
    start=st.integers(0, 20),
    first=st.integers(0, 20),
)
def test_property_distinct_replicas_on_as_many_racks_as_possible(
    racks, partitions, rf_fraction, start, first
):
    brokers = {i: rack for i, rack in enumerate(racks)}
    rf = 1 + int(rf_fraction * (len(brokers) - 1))
    assignment = assign_replicas(partitions, rf, brokers, start, first)
    assert len(assignment) == partitions
    for replicas in assignment:
        assert len(set(replicas)) == rf
        assert len({brokers[b] for b in replicas}) == min(rf, len(set(racks)))
