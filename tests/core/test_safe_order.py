"""min.insync.replicas and the replication factor in one plan: never the config first.

Raising RF 2 -> 3 and min.insync.replicas 1 -> 2 together, configs before
reassignments would leave the topic at RF 2 with min.insync.replicas 2 for the
whole copy: one broker down stops acks=all writes. docs/reassignment.md:
"RF 3 first, then the config".
"""

from __future__ import annotations

from kafkaform.core.actions import AlterTopicConfigs, Phase, Reassign, SetBrokerConfigs
from kafkaform.core.model import DesiredState, Source, TopicSpec
from kafkaform.core.observed import ConfigSource
from kafkaform.core.planner import plan
from kafkaform.render.text import render_text
from tests.support.observed import default, entry, observed, override


def spec(name: str, rf: int, **configs: str) -> TopicSpec:
    return TopicSpec(name, 3, rf, configs=configs, source=Source("topics.yaml", 3))


def rf(n: int, partitions: int = 3) -> list[list[int]]:
    return [[(p + r) % 3 + 1 for r in range(n)] for p in range(partitions)]


def phases(result) -> list[tuple[str, Phase]]:
    return [(type(a).__name__, a.phase) for a in result.actions]


def test_min_insync_raised_with_the_replication_factor_waits_for_the_moves():
    cluster = observed({"orders": rf(2)}, {"orders": {"min.insync.replicas": override("1"),
                                                      "retention.ms": override("1000")}})
    result = plan(DesiredState("t", topics={"orders": spec(
        "orders", 3, **{"min.insync.replicas": "2", "retention.ms": "2000"})}), cluster)

    assert phases(result) == [("AlterTopicConfigs", Phase.TOPIC_CONFIGS),
                              ("Reassign", Phase.REASSIGN),
                              ("AlterTopicConfigs", Phase.TOPIC_CONFIGS_AFTER_MOVES)]
    before, move, after = result.actions
    assert [c.key for c in before.changes] == ["retention.ms"]  # the rest goes first
    assert isinstance(move, Reassign)
    assert [(c.key, c.before, c.after) for c in after.changes] == [
        ("min.insync.replicas", "1", "2")]
    assert after.after_moves and "after the replicas move" in after.reason

    # The plan shows the order: the raise is listed after the moves, with why.
    text = render_text(result)
    moves_at = text.index("± partition 0")
    raise_at = text.index("~ min.insync.replicas: 1 → 2")
    assert moves_at < raise_at
    assert "# after the replicas move: min.insync.replicas 2 needs replication factor 3" in text


def test_min_insync_lowered_with_the_replication_factor_goes_first_and_says_so():
    cluster = observed({"orders": rf(3)}, {"orders": {"min.insync.replicas": override("2")}})
    result = plan(DesiredState("t", topics={"orders": spec(
        "orders", 2, **{"min.insync.replicas": "1"})}), cluster)

    assert phases(result) == [("AlterTopicConfigs", Phase.TOPIC_CONFIGS),
                              ("Reassign", Phase.REASSIGN)]
    assert "lowered before the replicas move" in result.actions[0].reason


def test_a_raise_without_a_replication_factor_change_is_an_ordinary_config_change():
    cluster = observed({"orders": rf(3)}, {"orders": {"min.insync.replicas": override("1")}})
    result = plan(DesiredState("t", topics={"orders": spec(
        "orders", 3, **{"min.insync.replicas": "2"})}), cluster)
    [action] = result.actions
    assert isinstance(action, AlterTopicConfigs) and not action.after_moves


def test_a_cluster_wide_raise_waits_for_the_topics_that_inherit_it():
    cluster = observed({"orders": rf(2), "audit": rf(2), "pinned": rf(2)},
                       {"pinned": {"min.insync.replicas": override("1")}},
                       broker_configs={"min.insync.replicas": entry(
                           "1", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)})
    desired = DesiredState("t", broker_configs={"min.insync.replicas": "2"}, topics={
        "orders": spec("orders", 3),                                   # inherits: raised RF
        "audit": spec("audit", 2, **{"min.insync.replicas": "1"}),     # its own value
        "pinned": spec("pinned", 3, **{"min.insync.replicas": "1"}),   # its own value
    })
    result = plan(desired, cluster)

    broker = [a for a in result.actions if isinstance(a, SetBrokerConfigs)]
    assert [(a.phase, [c.key for c in a.changes]) for a in broker] == [
        (Phase.BROKER_CONFIGS_AFTER_MOVES, ["min.insync.replicas"])]
    assert "needs the new replication factor of topic orders first" in broker[0].reason
    assert result.actions[-1] is broker[0]  # after every reassignment


def test_a_cluster_wide_raise_without_moves_stays_first_and_warns_of_low_topics():
    cluster = observed({"orders": rf(3), "legacy": rf(1)},
                       broker_configs={"min.insync.replicas": default("1")})
    desired = DesiredState("t", broker_configs={"min.insync.replicas": "2",
                                                "unclean.leader.election.enable": "false"},
                           topics={"orders": spec("orders", 3)})
    result = plan(desired, cluster)

    [action] = result.actions
    assert action.phase is Phase.BROKER_CONFIGS and len(action.changes) == 2
    assert any("1 topic inherit min.insync.replicas 2 at a lower replication factor: "
               "acks=all writes to them will fail: legacy" in w.message for w in result.warnings)


def test_other_broker_configs_are_not_held_back_with_the_raise():
    cluster = observed({"orders": rf(2)}, broker_configs={"min.insync.replicas": default("1")})
    desired = DesiredState("t", broker_configs={"min.insync.replicas": "2",
                                                "log.retention.ms": "1000"},
                           topics={"orders": spec("orders", 3)})
    result = plan(desired, cluster)
    broker = [(a.phase, [c.key for c in a.changes]) for a in result.actions
              if isinstance(a, SetBrokerConfigs)]
    assert broker == [(Phase.BROKER_CONFIGS, ["log.retention.ms"]),
                      (Phase.BROKER_CONFIGS_AFTER_MOVES, ["min.insync.replicas"])]
