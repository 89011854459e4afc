"""Where kafkaform remembers the throttles it set: a compacted topic.

The ledger must outlive the process (Ctrl-C, crash, CI timeout) and be seen
by whoever cleans up next, from any machine, so it lives on the cluster
itself: topic `__kafkaform_throttles`, key `throttles`, the latest record
wins. The topic is internal by kafkaform's naming rule (`__` prefix), so no
plan ever manages or deletes it.
"""

from __future__ import annotations

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.model import THROTTLE_LEDGER_TOPIC
from kafkaform.core.reassign.throttles import ThrottleLedger
from kafkaform.core.requests import NewTopic
from kafkaform.errors import ClusterError, KafkaformError

LEDGER_TOPIC = THROTTLE_LEDGER_TOPIC
LEDGER_KEY = "throttles"


def read_ledger(admin: ClusterAdmin) -> ThrottleLedger:
    """The throttles kafkaform set and has not removed (empty if none)."""
    if LEDGER_TOPIC not in admin.list_topics():
        return ThrottleLedger()
    try:
        records = admin.read_records(LEDGER_TOPIC)
    except ClusterError as error:
        raise _ledger_error("read", error, "READ") from None
    latest = None
    for key, value in records:
        if key == LEDGER_KEY:
            latest = value
    return ThrottleLedger.from_json(latest) if latest else ThrottleLedger()


def write_ledger(admin: ClusterAdmin, ledger: ThrottleLedger) -> None:
    """Persist the ledger, creating its topic on first use."""
    if LEDGER_TOPIC not in admin.list_topics():
        brokers = len(admin.describe_cluster().brokers)
        topic = NewTopic(LEDGER_TOPIC, 1, min(3, max(brokers, 1)), {"cleanup.policy": "compact"})
        error = admin.create_topics([topic]).get(LEDGER_TOPIC)
        if error is not None and error.code != "TOPIC_ALREADY_EXISTS":
            raise KafkaformError(f"cannot create the throttle ledger topic {LEDGER_TOPIC}: {error}")
    try:
        admin.write_record(LEDGER_TOPIC, LEDGER_KEY, ledger.to_json())
    except ClusterError as error:
        raise _ledger_error("write", error, "WRITE") from None


def _ledger_error(verb: str, error: ClusterError, operation: str) -> KafkaformError:
    """One line naming the ledger topic, and the ACL when that is what is missing.

    The adapter's hint says "on the topic", which topic it cannot know; a
    principal that may reassign may still lack rights on this one.
    """
    if error.code.endswith("AUTHORIZATION_FAILED"):
        return KafkaformError(
            f"cannot {verb} kafkaform's throttle ledger: {error.code}: {operation} on the topic "
            f"{LEDGER_TOPIC} is missing (kafkaform records there the throttles it sets, before "
            "setting them: grant DESCRIBE, READ and WRITE on it, and CREATE for its first use)")
    return KafkaformError(f"cannot {verb} kafkaform's throttle ledger {LEDGER_TOPIC}: {error}")
