import pytest

from kafkaform.core.observed import ConfigEntry, ConfigSource, TopicPartition
from kafkaform.core.reassign.throttles import (
    FOLLOWER_RATE,
    FOLLOWER_REPLICAS,
    LEADER_RATE,
    LEADER_REPLICAS,
    ThrottleLedger,
    Throttles,
    add_throttles,
    compute_throttles,
    movement,
    remove_throttles,
    undo_throttles,
)
from kafkaform.core.requests import ConfigOp, ConfigOpType

SET, DELETE = ConfigOpType.SET, ConfigOpType.DELETE


def tp(topic, partition):
    return TopicPartition(topic, partition)


def override(value, source=ConfigSource.DYNAMIC_TOPIC_CONFIG):
    return ConfigEntry("x", value, source)


@pytest.mark.parametrize(("current", "target", "adding", "sources", "destinations"), [
    ((1, 2), (1, 2, 3), (), {1, 2}, {3}),          # RF 2 -> 3
    ((1, 2, 3), (4, 2, 3), (), {1, 2, 3}, {4}),    # replace broker 1 by 4
    ((1, 2), (2, 1), (), {1, 2}, set()),           # reorder: no data moves
    ((1, 2, 3), (1, 2, 3), (3,), {1, 2}, {3}),     # in flight: 3 being added
])
def test_movement(current, target, adding, sources, destinations):
    move = movement(current, target, adding)
    assert (move.sources, move.destinations) == (frozenset(sources), frozenset(destinations))


def test_compute_throttles_as_the_official_tool():
    throttles = compute_throttles({
        tp("a", 0): movement((1, 2), (1, 2, 3)),
        tp("a", 1): movement((2, 3), (4, 3)),
        tp("b", 5): movement((1, 2), (2, 1)),  # nothing to copy: no throttle
    })
    assert throttles.topics == {"a": {
        LEADER_REPLICAS: frozenset({"0:1", "0:2", "1:2", "1:3"}),
        FOLLOWER_REPLICAS: frozenset({"0:3", "1:4"}),
    }}
    assert throttles.brokers == frozenset({1, 2, 3, 4})


WANTED = Throttles({"a": {LEADER_REPLICAS: frozenset({"0:1", "0:2"}),
                          FOLLOWER_REPLICAS: frozenset({"0:3"})}}, frozenset({1, 3}))


def test_add_merges_with_foreign_entries_and_claims_only_what_it_added():
    topic_configs = {"a": {LEADER_REPLICAS: override("0:2,7:9")}}
    broker_configs = {1: {LEADER_RATE: override("1000", ConfigSource.DYNAMIC_BROKER_CONFIG)}}
    changes = add_throttles(WANTED, 500, topic_configs, broker_configs, ThrottleLedger())
    assert changes.topic_ops == {"a": [ConfigOp(LEADER_REPLICAS, SET, "0:1,0:2,7:9"),
                                       ConfigOp(FOLLOWER_REPLICAS, SET, "0:3")]}
    # broker 1's leader rate belongs to someone else: kept, not claimed
    assert changes.broker_ops == {1: [ConfigOp(FOLLOWER_RATE, SET, "500")],
                                  3: [ConfigOp(LEADER_RATE, SET, "500"),
                                      ConfigOp(FOLLOWER_RATE, SET, "500")]}
    assert changes.ledger.topics == {"a": {LEADER_REPLICAS: frozenset({"0:1"}),
                                           FOLLOWER_REPLICAS: frozenset({"0:3"})}}
    assert changes.ledger.brokers == {1: {FOLLOWER_RATE: "500"},
                                      3: {LEADER_RATE: "500", FOLLOWER_RATE: "500"}}


def test_add_again_is_idempotent_and_keeps_earlier_claims():
    first = add_throttles(WANTED, 500, {}, {}, ThrottleLedger())
    applied_topics = {"a": {k: override(o.value) for k, o in
                            ((o.name, o) for o in first.topic_ops["a"])}}
    applied_brokers = {b: {o.name: override(o.value, ConfigSource.DYNAMIC_BROKER_CONFIG)
                           for o in ops} for b, ops in first.broker_ops.items()}
    again = add_throttles(WANTED, 500, applied_topics, applied_brokers, first.ledger)
    assert again.topic_ops == {} and again.broker_ops == {}
    assert again.ledger == first.ledger


def test_add_updates_our_own_rate_but_not_a_foreign_one():
    ledger = ThrottleLedger({}, {1: {LEADER_RATE: "500", FOLLOWER_RATE: "500"}})
    configs = {1: {LEADER_RATE: override("500"), FOLLOWER_RATE: override("500")}}
    wanted = Throttles({}, frozenset({1}))
    changes = add_throttles(wanted, 800, {}, configs, ledger)
    assert changes.broker_ops == {1: [ConfigOp(LEADER_RATE, SET, "800"),
                                      ConfigOp(FOLLOWER_RATE, SET, "800")]}


def test_a_wildcard_throttle_is_left_alone():
    topic_configs = {"a": {LEADER_REPLICAS: override("*"), FOLLOWER_REPLICAS: override("*")}}
    changes = add_throttles(WANTED, 500, topic_configs, {}, ThrottleLedger())
    assert "a" not in changes.topic_ops and "a" not in changes.ledger.topics


def test_a_cluster_default_rate_counts_as_foreign():
    configs = {3: {LEADER_RATE: override("9", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
                   FOLLOWER_RATE: ConfigEntry(FOLLOWER_RATE, "123", ConfigSource.DEFAULT_CONFIG)}}
    changes = add_throttles(Throttles({}, frozenset({3})), 500, {}, configs, ThrottleLedger())
    assert changes.broker_ops == {3: [ConfigOp(FOLLOWER_RATE, SET, "500")]}


LEDGER = ThrottleLedger(
    {"a": {LEADER_REPLICAS: frozenset({"0:1"}), FOLLOWER_REPLICAS: frozenset({"0:3"})},
     "gone": {LEADER_REPLICAS: frozenset({"0:1"})}},
    {1: {FOLLOWER_RATE: "500"}, 3: {LEADER_RATE: "500", FOLLOWER_RATE: "500"}},
)


def test_remove_takes_out_only_our_entries_and_rates():
    topic_configs = {"a": {LEADER_REPLICAS: override("0:1,0:2,7:9"),
                           FOLLOWER_REPLICAS: override("0:3")}}
    broker_configs = {
        1: {LEADER_RATE: override("1000"), FOLLOWER_RATE: override("500")},
        3: {LEADER_RATE: override("500"), FOLLOWER_RATE: override("42")},  # changed since
    }
    changes = remove_throttles(LEDGER, topic_configs, broker_configs)
    assert changes.topic_ops == {"a": [ConfigOp(FOLLOWER_REPLICAS, DELETE),
                                       ConfigOp(LEADER_REPLICAS, SET, "0:2,7:9")]}
    assert changes.broker_ops == {1: [ConfigOp(FOLLOWER_RATE, DELETE)],
                                  3: [ConfigOp(LEADER_RATE, DELETE)]}
    assert changes.ledger.is_empty


def test_remove_after_someone_else_cleared_everything_does_nothing():
    changes = remove_throttles(LEDGER, {"a": {}}, {1: {}, 3: {}})
    assert changes.topic_ops == {} and changes.broker_ops == {}


def test_ledger_json_round_trip_and_partitions():
    assert ThrottleLedger.from_json(LEDGER.to_json()) == LEDGER
    assert LEDGER.partitions == {tp("a", 0), tp("gone", 0)}
    assert ThrottleLedger.from_json(ThrottleLedger().to_json()).is_empty


def test_undo_puts_back_what_add_overwrote_from_the_same_readings():
    topic_configs = {"a": {LEADER_REPLICAS: override("0:2,7:9")}}
    broker_configs = {1: {LEADER_RATE: override("1000", ConfigSource.DYNAMIC_BROKER_CONFIG)}}
    changes = add_throttles(WANTED, 500, topic_configs, broker_configs, ThrottleLedger())
    undo = undo_throttles(changes, topic_configs, broker_configs)
    assert undo.topic_ops == {"a": [ConfigOp(LEADER_REPLICAS, SET, "0:2,7:9"),
                                    ConfigOp(FOLLOWER_REPLICAS, DELETE)]}
    assert undo.broker_ops == {1: [ConfigOp(FOLLOWER_RATE, DELETE)],
                               3: [ConfigOp(LEADER_RATE, DELETE), ConfigOp(FOLLOWER_RATE, DELETE)]}
