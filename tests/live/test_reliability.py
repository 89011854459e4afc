"""Reliability on the live brokers: what the user's client properties cannot break."""

from __future__ import annotations

import time

import pytest

from kafkaform.cluster.kafka import KafkaClusterAdmin
from kafkaform.core.requests import NewTopic
from tests.live.helpers import created

pytestmark = pytest.mark.live


def test_the_lock_records_its_owner_whatever_the_producer_settings(live_bootstrap, live_admin,
                                                                   topic_prefix):
    """`linger.ms=60000` (past the producer's delivery timeout) once made the lock's owner
    record unwritable: a traceback, and an ownerless lock. The lock's producer takes only the
    connection settings (and `validate` refuses producer settings before that)."""
    topic = f"{topic_prefix}lock"
    assert live_admin.create_topics([NewTopic(topic, 1, 1)])[topic] is None
    assert created(live_admin, topic)
    admin = KafkaClusterAdmin(live_bootstrap, {"linger.ms": "60000", "acks": "0"},
                              timeout_seconds=15)
    try:
        started = time.monotonic()
        admin.write_record(topic, "owner", "{}")
        assert time.monotonic() - started < 10
        assert admin.read_records(topic) == [("owner", "{}")]
    finally:
        admin.close()
