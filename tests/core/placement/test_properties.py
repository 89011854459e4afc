"""Property tests: results satisfy the constraints, and move exactly the lower
bound wherever that bound is exact."""

from collections import Counter
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from kafkaform.core.placement import (
    RackLayout,
    balance_leaders,
    count_moves,
    decommission,
    extend_partitions,
    lower_bound_decommission,
    lower_bound_rebalance,
    lower_bound_rf_change,
    lower_bound_spread,
    rebalance,
    set_replication_factor,
    spread_racks,
)
from kafkaform.core.placement.kafka_default import assign_replicas

settings.register_profile("placement", max_examples=150, deadline=None)
settings.load_profile("placement")


@st.composite
def clusters(draw, min_brokers=2):
    """Brokers 1..n (2-6) with no racks, or on 1-3 racks (round robin or arbitrary)."""
    n = draw(st.integers(min_brokers, 6))
    style = draw(st.sampled_from(["none", "round-robin", "arbitrary"]))
    if style == "none":
        return {b: None for b in range(1, n + 1)}
    racks = draw(st.integers(1, 3))
    if style == "round-robin":
        return {b: f"r{b % racks}" for b in range(1, n + 1)}
    return {b: f"r{draw(st.integers(0, racks - 1))}" for b in range(1, n + 1)}


@st.composite
def topics(draw, brokers, rf=None, max_partitions=12):
    """A topic: each partition a random ordered choice of `rf` distinct brokers."""
    rf = rf or draw(st.integers(1, min(3, len(brokers))))
    count = draw(st.integers(1, max_partitions))
    ids = sorted(brokers)
    return [draw(st.permutations(ids))[:rf] for _ in range(count)]


@st.composite
def cluster_and_topic(draw, rf=None):
    brokers = draw(clusters())
    return brokers, draw(topics(brokers, rf))


def valid(assignment, brokers, rf):
    return all(
        len(replicas) == rf and len(set(replicas)) == rf and set(replicas) <= set(brokers)
        for replicas in assignment
    )


def spread_ok(assignment, brokers):
    layout = RackLayout(brokers)
    return all(layout.excess(replicas) == 0 for replicas in assignment)


@given(cluster_and_topic(), st.integers(1, 6))
def test_replication_factor_change(case, rf):
    brokers, current = case
    rf = min(rf, len(brokers))
    after = set_replication_factor(current, rf, brokers)
    assert valid(after, brokers, rf)
    assert count_moves(current, after) == lower_bound_rf_change(current, rf)
    for old, new in zip(current, after, strict=True):
        assert new[0] == old[0]  # the preferred leader stays
        assert new[: len(old)] == old or set(new) <= set(old)  # grown by appending, or shrunk
    if spread_ok(current, brokers) and len(after[0]) > len(current[0]):
        assert spread_ok(after, brokers)
    assert after == set_replication_factor(current, rf, brokers)  # deterministic


@given(cluster_and_topic())
def test_rf_increase_balances_an_even_start(case):
    # Starting from Kafka's own balanced placement, adding one replica per
    # partition leaves replica counts within ±1 when racks do not constrain.
    brokers, current = case
    brokers = {b: None for b in brokers}
    rf = len(current[0])
    if rf == len(brokers):
        return
    start = assign_replicas(len(brokers) * 4, rf, brokers)
    counts = Counter(
        b for replicas in set_replication_factor(start, rf + 1, brokers) for b in replicas
    )
    assert max(counts.values()) - min(counts.values()) <= 1


@given(cluster_and_topic())
def test_spread_racks(case):
    brokers, current = case
    after = spread_racks(current, brokers)
    assert spread_ok(after, brokers)
    assert valid(after, brokers, len(current[0]))
    assert count_moves(current, after) == lower_bound_spread(current, brokers)
    assert [r[0] for r in after] == [r[0] for r in current]
    assert after == spread_racks(current, brokers)


@given(st.data())
def test_decommission(data):
    brokers = data.draw(clusters(min_brokers=3))
    current = data.draw(topics(brokers, rf=data.draw(st.integers(1, len(brokers) - 1))))
    remove = {data.draw(st.sampled_from(sorted(brokers)))}
    after = decommission(current, remove, brokers)
    remaining = {b: r for b, r in brokers.items() if b not in remove}
    assert valid(after, remaining, len(current[0]))
    assert count_moves(current, after) == lower_bound_decommission(current, remove)
    for old, new in zip(current, after, strict=True):
        assert [b for b in old if b not in remove] == [b for b in new if b in old]
        if old[0] not in remove:
            assert new[0] == old[0]
    assert after == decommission(current, remove, brokers)


@given(cluster_and_topic(), st.integers(0, 8), st.booleans())
def test_extend_partitions(case, more, spread):
    brokers, current = case
    added = extend_partitions(current, len(current) + more, brokers, spread)
    assert len(added) == more
    assert valid(added, brokers, len(current[0]))
    if spread:
        assert spread_ok(added, brokers)


@st.composite
def multi_topic(draw, brokers):
    count = draw(st.integers(1, 3))
    return {f"t{i}": draw(topics(brokers)) for i in range(count)}


def spread_of(counts):
    return max(counts.values()) - min(counts.values())


def per_broker(parts, brokers, leaders=False):
    counts = Counter(dict.fromkeys(brokers, 0))
    for replicas in parts:
        counts.update(replicas[:1] if leaders else replicas)
    return counts


@given(st.data())
def test_rebalance_without_racks(data):
    brokers = {b: None for b in data.draw(clusters())}
    before = data.draw(multi_topic(brokers))
    after = rebalance(before, brokers)
    everything = [r for parts in after.values() for r in parts]
    for topic, parts in after.items():
        assert valid(parts, brokers, len(before[topic][0]))
        assert spread_of(per_broker(parts, brokers)) <= 1
        assert spread_of(per_broker(parts, brokers, leaders=True)) <= 1
    assert spread_of(per_broker(everything, brokers)) <= 1
    moves = sum(count_moves(before[t], after[t]) for t in before)
    bound = lower_bound_rebalance(before, brokers)
    assert moves >= bound
    if len(before) == 1:
        assert moves == bound
    assert after == rebalance(before, brokers)


@given(st.data())
def test_rebalance_keeps_rack_spread(data):
    brokers = data.draw(clusters())
    before = data.draw(multi_topic(brokers))
    after = rebalance(before, brokers)
    layout = RackLayout(brokers)
    for topic, parts in before.items():
        for old, new in zip(parts, after[topic], strict=True):
            assert layout.excess(new) <= layout.excess(old)


@given(st.data())
def test_rebalance_moves_exactly_the_bound_when_racks_lock_replicas(data):
    # one replica on every rack (RF = racks): each rack balances on its own
    racks = data.draw(st.integers(2, 3))
    brokers = {b: f"r{b % racks}" for b in range(1, data.draw(st.integers(racks, 6)) + 1)}
    by_rack = {}
    for b in sorted(brokers):
        by_rack.setdefault(brokers[b], []).append(b)
    count = data.draw(st.integers(1, 10))
    parts = [
        data.draw(st.permutations([data.draw(st.sampled_from(ids)) for ids in by_rack.values()]))
        for _ in range(count)
    ]
    after = rebalance({"t": parts}, brokers)
    assert count_moves(parts, after["t"]) == lower_bound_rebalance({"t": parts}, brokers)
    for rack_members in by_rack.values():
        counts = per_broker(after["t"], rack_members)
        assert spread_of(Counter({b: counts[b] for b in rack_members})) <= 1


def leader_spreads(leaders, topic_of, brokers):
    """(cluster-wide spread, worst per-topic spread) of a choice of leaders."""
    cluster = Counter(dict.fromkeys(brokers, 0))
    by_topic = {t: Counter(dict.fromkeys(brokers, 0)) for t in set(topic_of)}
    for topic, leader in zip(topic_of, leaders, strict=True):
        cluster[leader] += 1
        by_topic[topic][leader] += 1
    return spread_of(cluster), max(spread_of(c) for c in by_topic.values())


def reachable_by_reordering(assignments, brokers):
    """Brute force over every choice of leaders: (some choice has every topic
    within ±1, some has every topic and the cluster within ±1)."""
    topic_of = [t for t, parts in assignments.items() for _ in parts]
    choices = [replicas for parts in assignments.values() for replicas in parts]
    topics_ok = both_ok = False
    for leaders in product(*choices):
        whole, worst_topic = leader_spreads(leaders, topic_of, brokers)
        topics_ok = topics_ok or worst_topic <= 1
        both_ok = both_ok or (worst_topic <= 1 and whole <= 1)
    return topics_ok, both_ok


@st.composite
def small_fixed_cluster(draw):
    """Few enough partitions (at most 7, RF at most 3) to try every leader choice."""
    brokers = {b: None for b in range(1, draw(st.integers(2, 5)) + 1)}
    count = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 3), min_size=count, max_size=count))
    sizes[0] = min(sizes[0], 7 - sum(sizes[1:]))
    ids = sorted(brokers)
    return brokers, {
        f"t{i}": [
            draw(st.permutations(ids))[: draw(st.integers(1, min(3, len(ids))))]
            for _ in range(size)
        ]
        for i, size in enumerate(sizes)
    }


def check_leaders_as_balanced_as_reachable(before, after, brokers):
    """Only the order changed, and leaders are balanced per topic, and across
    the cluster too, whenever some reordering achieves it."""
    for topic, parts in before.items():
        assert [sorted(r) for r in after[topic]] == [sorted(r) for r in parts]
        assert count_moves(parts, after[topic]) == 0
    topic_of = [t for t, parts in after.items() for _ in parts]
    leaders = [replicas[0] for parts in after.values() for replicas in parts]
    whole, worst_topic = leader_spreads(leaders, topic_of, brokers)
    topics_ok, both_ok = reachable_by_reordering(before, brokers)
    if topics_ok:
        assert worst_topic <= 1
    if both_ok:
        assert whole <= 1


@given(small_fixed_cluster())
def test_balance_leaders_reaches_every_reachable_balance(case):
    brokers, before = case
    after = balance_leaders(before, brokers)
    check_leaders_as_balanced_as_reachable(before, after, brokers)
    assert after == balance_leaders(before, brokers)
    assert balance_leaders(after, brokers) == after  # balanced input: no leader changes


@given(small_fixed_cluster())
def test_rebalance_leaders_as_balanced_as_its_replicas_allow(case):
    # The leader passes run on the final replica sets: judge them on those.
    brokers, before = case
    after = rebalance(before, brokers)
    check_leaders_as_balanced_as_reachable(
        {t: [sorted(r) for r in parts] for t, parts in after.items()}, after, brokers
    )
