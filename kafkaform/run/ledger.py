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

from dataclasses import dataclass

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.requests import NewTopic
from kafkaform.errors import ClusterError, KafkaformError


@dataclass(frozen=True)
class Ledger:
    topic: str
    key: str
    name: str  # "throttle ledger", in messages
    purpose: str  # what kafkaform records there, for the missing-ACL message


def read_latest(admin: ClusterAdmin, ledger: Ledger) -> str | None:
    """The latest value written under the ledger's key, or None (no topic, no record).

    No topic reads as no records, and so does one deleted while it is read (the
    offsets request then answers UNKNOWN_TOPIC_OR_PARTITION): asking `list_topics`
    first cost a Metadata request for every topic on every apply (0.3 s at 1,000
    topics on Tansu) to find a topic that is rarely there."""
    try:
        records = admin.read_records(ledger.topic)
    except ClusterError as error:
        if error.code == "UNKNOWN_TOPIC_OR_PARTITION":
            return None
        raise _ledger_error(ledger, "read", error, "READ") from None
    latest = None
    for key, value in records:
        if key == ledger.key:
            latest = value
    return latest or None


def write_latest(admin: ClusterAdmin, ledger: Ledger, value: str) -> None:
    """Write `value` under the ledger's key, creating the compacted topic on first use."""
    if ledger.topic not in admin.list_topics():
        brokers = len(admin.describe_cluster().brokers)
        topic = NewTopic(ledger.topic, 1, min(3, max(brokers, 1)), {"cleanup.policy": "compact"})
        error = admin.create_topics([topic]).get(ledger.topic)
        if error is not None and error.code != "TOPIC_ALREADY_EXISTS":
            raise KafkaformError(f"cannot create the {ledger.name} topic {ledger.topic}: {error}")
    try:
        admin.write_record(ledger.topic, ledger.key, value)
    except ClusterError as error:
        raise _ledger_error(ledger, "write", error, "WRITE") from None


def _ledger_error(ledger: Ledger, verb: str, error: ClusterError,
                  operation: str) -> KafkaformError:
    """One line naming the ledger topic, and the ACL when that is what is missing.

    The adapter's hint says "on the topic", which topic it cannot know; a
    principal that may reassign (or set users) may still lack rights on this one.
    """
    if error.code.endswith("AUTHORIZATION_FAILED"):
        return KafkaformError(
            f"cannot {verb} kafkaform's {ledger.name}: {error.code}: {operation} on the topic "
            f"{ledger.topic} is missing ({ledger.purpose}: grant DESCRIBE, READ and WRITE on "
            "it, and CREATE for its first use)")
    return KafkaformError(f"cannot {verb} kafkaform's {ledger.name} {ledger.topic}: {error}")
