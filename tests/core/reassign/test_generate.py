from collections import Counter

import pytest

from kafkaform.core.observed import PartitionInfo, TopicInfo
from kafkaform.core.placement.kafka_default import assign_replicas
from kafkaform.core.reassign.generate import onto_brokers
from kafkaform.core.reassign.jsonfile import origins_of, targets_of
from kafkaform.errors import KafkaformError

RACKS = {1: "a", 2: "b", 3: "c", 4: "a", 5: "b", 6: "c"}


def topic(name, assignment):
    return TopicInfo(name, tuple(PartitionInfo(p, tuple(r), r[0], tuple(r))
                                 for p, r in enumerate(assignment)))


def final(topics, actions):
    result = {n: t.assignment for n, t in topics.items()}
    for tp, replicas in targets_of(actions).items():
        result[tp.topic][tp.partition] = list(replicas)
    return result


def test_moves_replicas_only_off_brokers_outside_the_list():
    topics = {"t": topic("t", assign_replicas(12, 3, RACKS))}
    actions = onto_brokers(topics, ["t"], [1, 2, 3, 4, 5], RACKS)
    after = final(topics, actions)["t"]
    assert all(6 not in r and len(set(r)) == 3 for r in after)
    on_6 = sum(6 in r for r in topics["t"].assignment)
    copies = sum(len(set(targets_of(actions)[tp]) - set(origins_of(actions)[tp]))
                 for tp in targets_of(actions))
    assert copies == on_6  # one copy per replica that had to leave, nothing else
    # rack c keeps only broker 3: it takes rack c's share so every partition spans 3 racks
    assert all({RACKS[b] for b in r} == {"a", "b", "c"} for r in after)


def test_nothing_moves_when_the_topics_already_fit_the_list():
    topics = {"t": topic("t", assign_replicas(6, 2, {1: None, 2: None, 3: None}))}
    assert onto_brokers(topics, ["t"], [1, 2, 3], RACKS) == []


def test_new_brokers_in_the_list_receive_a_balanced_share():
    topics = {"t": topic("t", assign_replicas(12, 2, {1: "a", 2: "b", 3: "c"}))}
    after = final(topics, onto_brokers(topics, ["t"], [1, 2, 3, 4, 5, 6], RACKS))["t"]
    counts = Counter(b for r in after for b in r)
    assert set(counts) == set(RACKS) and max(counts.values()) - min(counts.values()) <= 1


@pytest.mark.parametrize(("names", "brokers", "message"), [
    (["nope"], [1, 2], "not found on the cluster: topic nope"),
    (["t"], [1, 9], "unknown broker id 9; the cluster's brokers are 1, 2, 3"),
    (["t"], [1], "fewer than the replication factor 2"),
])
def test_refusals(names, brokers, message):
    topics = {"t": topic("t", [[1, 2]])}
    with pytest.raises(KafkaformError, match=message):
        onto_brokers(topics, names, brokers, RACKS)


def test_broker_list_with_a_new_broker_copies_each_replica_once():
    # Broker 1 leaves the list, broker 4 is new: every replica on 1 moves
    # once, straight to where the balance wants it (5 copies; emptying 1
    # first and rebalancing afterwards copied 6).
    brokers = {b: None for b in range(1, 5)}
    before = [[1, 3], [2, 3], [3, 1], [3, 1], [1, 2], [2, 1]]
    topics = {"t": topic("t", before)}
    actions = onto_brokers(topics, ["t"], [2, 3, 4], brokers)
    after = final(topics, actions)["t"]
    assert sum(len(set(new) - set(old)) for old, new in zip(before, after, strict=True)) == 5
    counts = Counter(b for r in after for b in r)
    assert sorted(counts.values()) == [4, 4, 4] and 1 not in counts
