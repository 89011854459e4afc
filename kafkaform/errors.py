"""Errors kafkaform raises on purpose.

Every error a user can cause or meet is a `KafkaformError`; the CLI prints its
message as one line and exits 1. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class KafkaformError(Exception):
    """An expected failure, reported to the user as one line."""


class ClusterError(KafkaformError):
    """A Kafka error for one request or one item of a batched request.

    `code` is Kafka's error name (TOPIC_ALREADY_EXISTS, INVALID_REPLICATION_FACTOR,
    UNKNOWN_TOPIC_OR_PARTITION, ...), so the in-memory cluster and a real broker
    can be compared word for word. `retriable` follows Kafka's own classification.
    """

    def __init__(self, code: str, message: str = "", *, retriable: bool = False) -> None:
        self.code = code
        self.message = message or code
        self.retriable = retriable
        super().__init__(f"{code}: {self.message}" if message else code)


class ClusterUnreachable(KafkaformError):
    """No broker answered within the timeout."""


class OutcomeUnknown(KafkaformError):
    """A request got no answer: it timed out, or its connection was lost while the
    broker had it. Whether the cluster did it is unknown until it is read again."""


class InvalidClientConfig(KafkaformError):
    """The Kafka client refused a client property; `key` when its message names one."""

    def __init__(self, reason: str, key: str | None = None) -> None:
        self.reason = reason
        self.key = key
        super().__init__(f"invalid client configuration: {reason}")


class UnsupportedApi(KafkaformError):
    """The cluster does not implement an admin API kafkaform needs."""

    def __init__(self, api: str, message: str) -> None:
        self.api = api
        super().__init__(message)


class ReadOnlyViolation(KafkaformError):
    """A write was attempted through a read-only admin (plan, dry runs)."""

    def __init__(self, operation: str) -> None:
        super().__init__(f"refusing {operation}: this admin connection is read-only")
