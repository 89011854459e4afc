"""Property tests: leaders as balanced as reordering can make them, on their
own and after every kind of placement change; extended topics valid."""

from collections import Counter
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from kafkaform.core.placement import balance_leaders, count_moves, extend_partitions, place, solve
from kafkaform.core.placement.state import Chooser, State

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


@given(clusters(), st.data(), st.integers(0, 8))
def test_extend_partitions(brokers, data, more):
    current = data.draw(topics(brokers))
    added = extend_partitions(current, len(current) + more, brokers)
    rf = len(current[0])
    racks = len({rack or b for b, rack in brokers.items()})
    assert len(added) == more
    for replicas in added:
        assert len(replicas) == len(set(replicas)) == rf and set(replicas) <= set(brokers)
        assert len({brokers[b] or b for b in replicas}) == min(rf, racks)


def spread_of(counts):
    return max(counts.values()) - min(counts.values())


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


@given(small_fixed_cluster(), st.data())
def test_every_placement_change_leaves_leaders_as_balanced_as_its_replicas_allow(case, data):
    # The leader passes run on the final replica sets, after any change (not
    # only with rebalance): judge them on those.
    brokers, before = case
    change = data.draw(st.sampled_from(["rebalance", "replication", "leave"]))
    if change == "leave" and len(brokers) > 3:
        after = place(before, brokers, leaving={max(brokers)})
        brokers = {b: r for b, r in brokers.items() if b != max(brokers)}
    elif change == "replication":
        rf = data.draw(st.integers(1, min(3, len(brokers))))
        after = place(before, brokers, replication=dict.fromkeys(before, rf))
    else:
        after = place(before, brokers, rebalance=True)
    check_leaders_as_balanced_as_reachable(
        {t: [sorted(r) for r in parts] for t, parts in after.items()}, after, brokers
    )


@given(clusters(), st.data())
def test_the_chooser_adds_the_lowest_broker_by_topic_count_then_load_then_id(brokers, data):
    """The greedy choice of a new replica (`state.Chooser`, a heap of the brokers),
    checked at each step against a scan of every broker: the heap must follow the
    counts as each replica it adds changes them."""
    topic = data.draw(topics(brokers))
    rf = data.draw(st.integers(1, len(brokers)))
    load = {b: data.draw(st.integers(0, 5)) for b in brokers}
    state = State(["t"], solve._rack_ids(brokers), load)
    solve._add_topic(state, 0, topic, rf, data.draw(st.booleans()), frozenset())
    solve._keep(state)
    chooser = Chooser(state, 0)

    def fits(part, broker):
        spans = len(part.racks) + (state.rack[broker] not in part.racks)
        return solve._fits(state, part, len(part.chosen) + 1, spans)

    for part in state.parts[0]:
        while len(part.chosen) < part.size:
            lowest = min((state.count[0][b], state.load[b], b) for b in state.brokers
                         if b not in part.chosen and fits(part, b))
            before = set(part.chosen)
            chooser.add(part, fits)
            assert part.chosen - before == {lowest[2]}
