"""Proof of optimality on small clusters: `place` against the exact optimum
of the same problem, computed by integer programming (tests/core/placement/optimum.py).

Random clusters of up to 6 brokers on up to 3 racks (or none), up to 3
topics and 12 partitions, current assignments drawn at random (so often
skewed and breaking rack spread), and every kind of change at once: new
replication factors, rack spread, a broker leaving, new empty brokers, load
from other topics, with and without rebalance. On every example the copies
and both balance measures (sum of squared replicas per topic and broker,
and per broker) equal the optimum's.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from kafkaform.core.placement import count_moves, place, solve
from tests.core.placement.optimum import optimum, racks_needed


@st.composite
def problems(draw):
    count = draw(st.integers(2, 6))
    style = draw(st.sampled_from(["none", "round-robin", "arbitrary"]))
    racks = draw(st.integers(1, 3))
    if style == "none":
        brokers = {b: None for b in range(1, count + 1)}
    elif style == "round-robin":
        brokers = {b: f"r{b % racks}" for b in range(1, count + 1)}
    else:
        brokers = {b: f"r{draw(st.integers(0, racks - 1))}" for b in range(1, count + 1)}
    ids = sorted(brokers)
    topics = {}
    budget = 12
    for index in range(draw(st.integers(1, 3))):
        if budget == 0:
            break
        rf = draw(st.integers(1, min(3, count)))
        # A skewed topic draws its replicas from the first brokers only.
        pool = ids[: max(rf, draw(st.integers(1, count)))]
        size = draw(st.integers(1, budget))
        budget -= size
        topics[f"t{index}"] = [draw(st.permutations(pool))[:rf] for _ in range(size)]
    leaving = set()
    if count > 2 and draw(st.booleans()):
        leaving = {draw(st.sampled_from(ids))}
    allowed = count - len(leaving)
    replication = {}
    for name, parts in topics.items():
        widest = max(len(r) for r in parts)
        if draw(st.booleans()):
            replication[name] = draw(st.integers(1, min(4, allowed)))
        elif widest > allowed:
            replication[name] = allowed
    spread = {name for name in topics if draw(st.booleans())}
    for broker in range(count + 1, count + 1 + draw(st.integers(0, 6 - count))):
        brokers[broker] = None if style == "none" else f"r{draw(st.integers(0, racks - 1))}"
    load = {b: draw(st.integers(0, 3)) for b in brokers if b not in leaving and
            draw(st.booleans())}
    return topics, brokers, replication, spread, leaving, draw(st.booleans()), load


def measures(before, after, brokers, leaving, load):
    allowed = [b for b in brokers if b not in leaving]
    total = {b: load.get(b, 0) for b in allowed}
    topic_squares = 0
    for parts in after.values():
        counts = dict.fromkeys(allowed, 0)
        for replicas in parts:
            for broker in replicas:
                counts[broker] += 1
                total[broker] += 1
        topic_squares += sum(n * n for n in counts.values())
    copies = sum(count_moves(before[t], after[t]) for t in before)
    return copies, topic_squares, sum(n * n for n in total.values())


@settings(max_examples=60, deadline=None)
@given(problems())
def test_place_is_optimal(problem):
    assert_optimal(*problem)


def test_a_path_exchanging_two_replicas_of_one_partition_is_taken():
    # Within ±1 everywhere is reachable here only by moving two replicas of
    # t1's one partition ([1, 2, 6] -> [3, 4, 6]) on one path; the search
    # used each partition once per path, found nothing and gave up with
    # "no replica could be moved towards the counts asked for" (hypothesis,
    # test_fixed_point, about one run in three).
    brokers = {1: "r1", 2: "r0", 3: "r1", 4: "r0", 5: "r1", 6: "r0"}
    topics = {"t0": 5 * [[1, 2, 3]] + 4 * [[1, 2, 4]], "t1": [[1]], "t2": 2 * [[1, 2, 3]]}
    assert_optimal(topics, brokers, {"t1": 3, "t2": 2}, set(), set(), True, {1: 2, 5: 2})


def test_a_stuck_search_still_gives_a_valid_balanced_placement(monkeypatch):
    # Should reaching the boxes ever fail, a user's plan still gets the
    # freely balanced placement: valid and as balanced, a copy or two more.
    def stuck(*_):
        raise solve.Unreachable("stuck")

    brokers = {1: "r1", 2: "r0", 3: "r1", 4: "r0", 5: "r1", 6: "r0"}
    topics = {"t0": 5 * [[1, 2, 3]] + 4 * [[1, 2, 4]], "t1": [[1]], "t2": 2 * [[1, 2, 3]]}
    monkeypatch.setattr(solve, "reach_boxes", stuck)
    after = assert_valid(topics, brokers, {"t1": 3, "t2": 2}, set(), set(), True, {})
    best = optimum(topics, brokers, {"t1": 3, "t2": 2}, set(), set(), True, {})
    copies, topic_squares, cluster_squares = measures(topics, after, brokers, set(), {})
    assert (topic_squares, cluster_squares) == (best.topic_squares, best.cluster_squares)
    assert copies >= best.copies


def assert_valid(topics, brokers, replication, spread, leaving, rebalance, load):
    """`place`'s result, checked: replication factors, distinct allowed
    brokers, racks spanned."""
    after = place(topics, brokers, replication=replication, spread=spread, leaving=leaving,
                  rebalance=rebalance, load=load)
    rack_of = {b: r if r is not None else f"own-{b}" for b, r in brokers.items()
               if b not in leaving}
    for name, parts in topics.items():
        for old, new in zip(parts, after[name], strict=True):
            rf = replication.get(name, len(old))
            assert len(new) == len(set(new)) == rf and set(new) <= set(rack_of)
            home = [b for b in old if b in rack_of]
            need = racks_needed(rf, len(set(rack_of.values())), home, rack_of, name in spread)
            assert len({rack_of[b] for b in new}) >= need
    return after


def assert_optimal(topics, brokers, replication, spread, leaving, rebalance, load):
    after = assert_valid(topics, brokers, replication, spread, leaving, rebalance, load)
    best = optimum(topics, brokers, replication, spread, leaving, rebalance, load)
    assert measures(topics, after, brokers, leaving, load) == (
        best.copies, best.topic_squares, best.cluster_squares)
