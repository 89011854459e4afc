"""missing_capabilities: one message per missing admin API, counting the actions by kind."""

from kafkaform.core.actions import (
    AddPartitions,
    AlterTopicConfigs,
    ConfigChange,
    CreateTopic,
    SetBrokerConfigs,
)
from kafkaform.core.capabilities import missing_capabilities
from kafkaform.core.observed import Api

RETENTION = (ConfigChange("retention.ms", None, "1000"),)


def test_each_missing_api_counts_the_actions_that_need_it_by_kind():
    actions = [
        AlterTopicConfigs("a", RETENTION), CreateTopic("new", 1, 3),
        AlterTopicConfigs("b", RETENTION), SetBrokerConfigs(RETENTION),
        AddPartitions("orders", 3, 4),
    ]
    available = frozenset(Api) - {Api.INCREMENTAL_ALTER_CONFIGS, Api.CREATE_PARTITIONS}
    assert missing_capabilities(actions, available, "k:9092") == [
        "the cluster at k:9092 does not support IncrementalAlterConfigs (needs Kafka ≥ 2.3): "
        "2 topic-config actions, 1 broker-config action cannot run",
        "the cluster at k:9092 does not support CreatePartitions (needs Kafka ≥ 1.0): "
        "1 add-partitions action cannot run",
    ]


def test_nothing_missing_says_nothing():
    assert missing_capabilities([CreateTopic("new", 1, 3)], frozenset(Api), "k:9092") == []
