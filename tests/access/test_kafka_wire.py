"""The Kafka adapter against a scripted Kafka-protocol server: what it sends
on the wire and how it reads Kafka's replies, for what Tansu cannot show."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kafkaform.cluster.kafka import KafkaClusterAdmin
from kafkaform.cluster.port import NewTopic, TopicPartition
from tests.access.fake_kafka import FakeKafka

ELECTION_NOT_NEEDED = 84
UNKNOWN_TOPIC_OR_PARTITION = 3


@pytest.fixture
def fake() -> Iterator[FakeKafka]:
    with FakeKafka() as server:
        server.topics = {"orders": [[1], [1], [1]]}
        yield server


@pytest.fixture
def admin(fake: FakeKafka) -> Iterator[KafkaClusterAdmin]:
    adapter = KafkaClusterAdmin(fake.bootstrap, timeout_seconds=5)
    yield adapter
    adapter.close()


def test_an_explicit_assignment_is_sent_without_partition_count_or_rf(fake, admin):
    fake.reply("CreateTopics", lambda r: {"topics": [
        {"name": t.name, "error_code": 0} for t in r.topics]})
    assert admin.create_topics([NewTopic("pinned", 2, 2, assignment=((1, 2), (2, 1)))]) == {
        "pinned": None}
    (sent,) = fake.requests("CreateTopics")[0].topics
    assert (sent.num_partitions, sent.replication_factor) == (-1, -1)
    assert [(a.partition_index, a.broker_ids) for a in sent.assignments] == [(0, [1, 2]),
                                                                             (1, [2, 1])]
    assert fake.requests("CreateTopics")[0].validate_only is False


def test_preferred_election_not_needed_counts_as_done(fake, admin):
    codes = {0: ELECTION_NOT_NEEDED, 1: 0, 2: UNKNOWN_TOPIC_OR_PARTITION}
    fake.reply("ElectLeaders", lambda r: {"error_code": 0, "replica_election_results": [
        {"topic": t.topic, "partition_result": [
            {"partition_id": p, "error_code": codes[p], "error_message": None}
            for p in t.partitions]}
        for t in r.topic_partitions]})
    wanted = [TopicPartition("orders", p) for p in range(3)]
    result = admin.elect_preferred_leaders(wanted)
    assert result[wanted[0]] is None and result[wanted[1]] is None
    assert result[wanted[2]].code == "UNKNOWN_TOPIC_OR_PARTITION"
    assert fake.requests("ElectLeaders")[0].election_type == 0  # PREFERRED
