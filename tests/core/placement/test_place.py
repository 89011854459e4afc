"""`place` on small tables worked out by hand, one per behaviour the issue
(#12) named, plus the rules every change keeps."""

from collections import Counter

import pytest

from kafkaform.core.placement import count_moves, extend_partitions, lower_bound, place

NO_RACKS_4 = {b: None for b in range(1, 5)}
SIX_ON_ABC = {1: "a", 2: "b", 3: "c", 4: "a", 5: "b", 6: "c"}


def copies(before, after):
    return sum(count_moves(before[t], after[t]) for t in before)


def per_broker(parts, brokers, leaders=False):
    counts = Counter(dict.fromkeys(brokers, 0))
    for replicas in parts:
        counts.update(replicas[:1] if leaders else replicas)
    return counts


def spread(counts):
    return max(counts.values()) - min(counts.values())


def test_decommission_with_rebalance_places_each_replica_once():
    # Broker 4 leaves; its two replicas go straight to the brokers the
    # balance wants them on (2 and 3): two copies. Emptying 4 first and
    # rebalancing afterwards copied three.
    before = {"t": [[1, 2], [1, 4], [4, 3]]}
    after = place(before, NO_RACKS_4, leaving={4}, rebalance=True)
    assert copies(before, after) == 2 == lower_bound(before, NO_RACKS_4, leaving={4},
                                                      rebalance=True)
    assert spread(per_broker(after["t"], [1, 2, 3])) == 0


def test_rebalance_of_an_uneven_total_copies_down_to_the_ceiling_and_the_bound_agrees():
    # Six replicas on four brokers even out to 2, 2, 1, 1: broker 1 keeps two
    # (the ceiling) and four are copied, which is also the lower bound.
    before = {"t": [[1]] * 6}
    after = place(before, NO_RACKS_4, rebalance=True)
    assert copies(before, after) == 4 == lower_bound(before, NO_RACKS_4, rebalance=True)
    assert spread(per_broker(after["t"], NO_RACKS_4)) == 1


def test_rf_increase_with_new_brokers_and_rebalance_adds_each_replica_where_it_stays():
    # RF 2 -> 3 with brokers 4 and 5 new: the two added replicas are the only
    # copies; adding them where load is lowest and then rebalancing copied three.
    brokers = {1: "b", 2: "a", 3: "b", 4: "a", 5: "b"}
    before = {"t": [[2, 3], [1, 3]]}
    after = place(before, brokers, replication={"t": 3}, rebalance=True)
    assert copies(before, after) == 2
    assert spread(per_broker(after["t"], brokers)) <= 1


def test_rf_increase_evens_out_the_topic_not_only_the_cluster():
    # Other topics load brokers 1 and 2 heavily. The new replicas still
    # even out this topic (2 per broker); before, they all went to 3 and 4.
    before = {"t": [[1], [2], [3], [4]] * 2}
    after = place(before, NO_RACKS_4, replication={"t": 2}, load={1: 10, 2: 10})
    assert per_broker(after["t"], NO_RACKS_4) == Counter({1: 4, 2: 4, 3: 4, 4: 4})


def test_rf_above_the_rack_count_copies_nothing_when_both_racks_are_used():
    # RF 4 on 2 racks: spread is min(4, 2) = 2 racks, which 3+1 splits
    # already have; an even 2+2 is not bought with copies.
    brokers = {1: "a", 2: "a", 3: "a", 4: "b", 5: "b", 6: "b"}
    before = {"t": [[1, 2, 3, 4], [4, 5, 6, 1], [1, 2, 4, 5]]}
    after = place(before, brokers, spread={"t"})
    assert copies(before, after) == 0


def test_rack_spread_moves_only_what_lacks_a_rack():
    # [1, 4] both on rack a: one replica moves to rack b or c; [1, 2, 3] is spread.
    before = {"t": [[1, 4], [1, 2, 3]]}
    after = place(before, SIX_ON_ABC, spread={"t"})
    assert copies(before, after) == 1
    assert len({SIX_ON_ABC[b] for b in after["t"][0]}) == 2
    assert set(after["t"][1]) == {1, 2, 3}


def test_a_default_topic_gets_the_racks_its_copies_can_reach():
    # Not rack-spread: [1, 4] (rack a twice) is left alone, but the replica an
    # RF increase adds goes to a rack the partition lacks.
    before = {"t": [[1, 4]]}
    after = place(before, SIX_ON_ABC, replication={"t": 3})
    assert after["t"][0][:2] == [1, 4] or set(after["t"][0]) >= {1, 4}
    assert len({SIX_ON_ABC[b] for b in after["t"][0]}) == 2


@pytest.mark.parametrize(
    ("kwargs", "expected_copies"),
    [
        ({"replication": {"t": 3}}, 3),  # each partition gains one
        ({"replication": {"t": 1}}, 0),  # shrinking copies nothing
        ({"leaving": {3}}, 2),  # both replicas on broker 3 move
    ],
)
def test_single_changes_copy_the_minimum(kwargs, expected_copies):
    before = {"t": [[1, 2], [2, 3], [3, 1]]}
    after = place(before, NO_RACKS_4, **kwargs)
    assert copies(before, after) == expected_copies == lower_bound(before, NO_RACKS_4, **kwargs)
    rf = kwargs.get("replication", {}).get("t", 2)
    for replicas in after["t"]:
        assert len(set(replicas)) == len(replicas) == rf
        assert not set(replicas) & kwargs.get("leaving", set())


def test_leaders_are_balanced_after_a_decommission_without_rebalance():
    # Broker 4 led three partitions; their new leaders must not all be the
    # replacement's neighbours: reordering evens leaders out (no copy).
    before = {"t": [[4, 1], [4, 2], [4, 3], [1, 2], [2, 3], [3, 1]]}
    after = place(before, NO_RACKS_4, leaving={4})
    assert spread(per_broker(after["t"], [1, 2, 3], leaders=True)) == 0


def test_replicas_on_a_broker_that_is_down_stay_unless_the_partition_shrinks():
    # Broker 9 is not live and not leaving: its replica stays and counts.
    before = {"t": [[9, 1], [9, 2]]}
    assert sorted(map(sorted, place(before, NO_RACKS_4)["t"])) == [[1, 9], [2, 9]]
    shrunk = place(before, NO_RACKS_4, replication={"t": 1})["t"]
    assert shrunk == [[1], [2]]


def test_place_keeps_topic_order_is_deterministic_and_does_not_modify_its_input():
    before = {"b": [[1, 2]], "a": [[1, 2]]}
    after = place(before, NO_RACKS_4, rebalance=True)
    assert list(after) == ["b", "a"]
    assert before == {"b": [[1, 2]], "a": [[1, 2]]}
    assert after == place(before, NO_RACKS_4, rebalance=True)


def test_place_refuses_a_replication_factor_above_the_brokers():
    with pytest.raises(ValueError, match="replication factor 5 is more than the 4 brokers"):
        place({"t": [[1]]}, NO_RACKS_4, replication={"t": 5})


@pytest.mark.parametrize(
    ("brokers", "current", "new_count"),
    [
        (NO_RACKS_4, [[1, 2], [2, 3]], 6),
        (SIX_ON_ABC, [[1, 2, 3]], 4),
    ],
)
def test_extend_partitions_spreads_and_evens_out_the_new_ones(brokers, current, new_count):
    added = extend_partitions(current, new_count, brokers)
    assert len(added) == new_count - len(current)
    rf = len(current[0])
    for replicas in added:
        assert len(set(replicas)) == rf
        racks = len({brokers[b] or b for b in brokers})
        assert len({brokers[b] or b for b in replicas}) == min(rf, racks)
    assert spread(per_broker(current + added, brokers)) <= 1


@pytest.mark.parametrize(
    ("current", "new_count", "message"),
    [([], 3, "without partitions"), ([[1]], 0, "only grow")],
)
def test_extend_partitions_rejects(current, new_count, message):
    with pytest.raises(ValueError, match=message):
        extend_partitions(current, new_count, NO_RACKS_4)



def test_extend_partitions_leads_the_new_partitions_from_the_brokers_leading_fewest():
    # Every broker holds a replica of every partition (RF 3 on 3 racks), so
    # replica load is even; leadership is not: 1 leads two, 2 one, 3 none.
    # Two new partitions cannot each go to a different broker of three: the
    # two leading fewest lead them, counted in leaders, not in replicas.
    brokers = {1: "a", 2: "b", 3: "c"}
    current = [[1, 2, 3], [1, 3, 2], [2, 1, 3]]
    added = extend_partitions(current, 5, brokers)
    assert sorted(replicas[0] for replicas in added) == [2, 3]
    assert per_broker(current + added, brokers, leaders=True) == {1: 2, 2: 2, 3: 1}
