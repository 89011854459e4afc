"""Ledgers on the cluster: read without listing the cluster's topics."""

from __future__ import annotations

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.requests import NewTopic
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
