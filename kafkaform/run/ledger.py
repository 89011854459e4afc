"""Ledgers: what kafkaform must remember between runs, kept on the cluster.

A ledger must outlive the process (Ctrl-C, crash, CI timeout) and be seen by
whoever runs next, from any machine, so it lives on the cluster itself: a
compacted topic whose latest record under a key wins. The topics start with
`__`, so by kafkaform's naming rule no plan ever manages or deletes them.
Two use one: the replication throttles a reassignment set
(`kafkaform.run.reassign.ledger`) and what SCRAM passwords were set from
(`kafkaform.run.users_ledger`).
"""

from __future__ import annotations

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.requests import NewTopic
from kafkaform.errors import KafkaformError


def read_latest(admin: ClusterAdmin, topic: str, key: str) -> str | None:
    """The latest value written under `key`, or None (no topic, no record)."""
    if topic not in admin.list_topics():
        return None
    latest = None
    for record_key, value in admin.read_records(topic):
        if record_key == key:
            latest = value
    return latest or None


def write_latest(admin: ClusterAdmin, topic: str, key: str, value: str, what: str) -> None:
    """Write `value` under `key`, creating the compacted topic on first use."""
    if topic not in admin.list_topics():
        brokers = len(admin.describe_cluster().brokers)
        new = NewTopic(topic, 1, min(3, max(brokers, 1)), {"cleanup.policy": "compact"})
        error = admin.create_topics([new]).get(topic)
        if error is not None and error.code != "TOPIC_ALREADY_EXISTS":
            raise KafkaformError(f"cannot create the {what} topic {topic}: {error}")
    admin.write_record(topic, key, value)
