"""Ledgers on the cluster: read without listing the cluster's topics."""

from __future__ import annotations

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.kafka_rules import cluster_error
from kafkaform.core.requests import NewTopic
from kafkaform.errors import KafkaformError
from kafkaform.run.ledger import Ledger, read_latest

LEDGER = Ledger("__kafkaform_test_ledger", "state", "test ledger", "testing")


class UnlistedCluster(MemoryCluster):
    """Listing every topic is a Metadata request for all of them: 0.3 s at 1,000
    topics on Tansu, paid by every apply to look for a ledger rarely there."""

    def list_topics(self):
        raise AssertionError("the ledger was looked for among every topic")


def test_a_missing_ledger_reads_as_none_without_listing_topics():
    assert read_latest(UnlistedCluster(1), LEDGER) is None


def test_the_latest_value_under_the_key_wins():
    cluster = UnlistedCluster(1)
    cluster.create_topics([NewTopic(LEDGER.topic, 1, 1)])
    for key, value in [("state", "first"), ("other key", "ignored"), ("state", "second")]:
        cluster.write_record(LEDGER.topic, key, value)
    assert read_latest(cluster, LEDGER) == "second"


def test_a_ledger_deleted_while_it_is_read_reads_as_none():
    """DescribeTopics found it, then the offsets request answered UNKNOWN_TOPIC_OR_PARTITION."""

    class DeletedMeanwhile(UnlistedCluster):
        def read_records(self, topic):
            raise cluster_error("UNKNOWN_TOPIC_OR_PARTITION", f"topic {topic} is being deleted")

    assert read_latest(DeletedMeanwhile(1), LEDGER) is None


def test_a_ledger_that_cannot_be_read_says_which_and_why():
    class Refused(UnlistedCluster):
        def read_records(self, topic):
            raise cluster_error("TOPIC_AUTHORIZATION_FAILED", f"not allowed to read {topic}")

    with pytest.raises(KafkaformError, match="test ledger") as raised:
        read_latest(Refused(1), LEDGER)
    assert "READ" in str(raised.value)
