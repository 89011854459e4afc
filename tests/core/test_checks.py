"""check_semantics at the edges of its consistency rules (the files' checks without a cluster)."""

from kafkaform.core.checks import check_semantics
from kafkaform.core.model import DesiredState, TopicSpec
from kafkaform.core.problems import Severity


def _problems(*topics, broker_configs=None):
    desired = DesiredState("e", topics={t.name: t for t in topics},
                           broker_configs=broker_configs or {})
    return [(p.path, p.severity) for p in check_semantics(desired, {})]


def test_min_insync_equal_to_the_replication_factor_warns_from_rf_2():
    # RF 2 with min.insync.replicas 2: one broker down stops acks=all writes. RF 1
    # with 1 is the single-copy topic's only setting, nothing to warn about.
    assert _problems(TopicSpec("two", 1, 2, configs={"min.insync.replicas": "2"})) == [
        ("topics[two].configs.min.insync.replicas", Severity.WARNING)]
    assert _problems(TopicSpec("one", 1, 1)) == []


def test_compaction_lags_may_be_equal():
    # Kafka refuses only min.compaction.lag.ms > max.compaction.lag.ms
    # (LogConfig.validateValues); equal lags are a valid configuration.
    def lags(low, high):
        return TopicSpec("t", 1, 3, configs={"min.insync.replicas": "2",
                                             "min.compaction.lag.ms": low,
                                             "max.compaction.lag.ms": high})
    assert _problems(lags("1000", "1000")) == []
    assert _problems(lags("1001", "1000")) == [
        ("topics[t].configs.min.compaction.lag.ms", Severity.ERROR)]
