"""The real-Kafka launcher's failures: one line naming the cause, nothing left running."""

from __future__ import annotations

import subprocess

import pytest

from kafkaform.cluster import local_kafka
from kafkaform.cluster.local_kafka import LocalKafka, kafka_jars, main_class
from kafkaform.errors import KafkaformError
from tests.live.helpers import unavailable


@pytest.fixture(scope="module")
def jars():
    try:
        return kafka_jars()
    except KafkaformError as error:
        unavailable("fetching Apache Kafka's jars", error)


def jvms_under(folder) -> list[str]:
    listing = subprocess.run(["pgrep", "-fa", str(folder)], capture_output=True, text=True)
    return [line for line in listing.stdout.splitlines() if "java" in line]


def test_a_node_that_cannot_start_is_one_line_with_its_reason_and_leaves_no_jvm(jars):
    cluster = LocalKafka(brokers=1, broker_configs={"num.io.threads": "many"})

    with pytest.raises(KafkaformError) as failure:
        cluster.start()

    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith("formatting Kafka node 1 failed (exit 1): ")
    assert "Invalid value many for configuration num.io.threads" in message
    assert not jvms_under(cluster.workdir)
    assert (cluster.workdir / "node-1" / "format.log").is_file()  # kept to be read


def test_without_java_the_launcher_says_so(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(KafkaformError, match=r"^java is not on PATH: Apache Kafka needs Java 17"):
        LocalKafka().start()


def test_without_maven_an_empty_cache_cannot_be_filled(monkeypatch, tmp_path):
    monkeypatch.setenv(local_kafka.CACHE_ENV, str(tmp_path))
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(KafkaformError, match=r"^mvn is not on PATH: fetching Apache Kafka"):
        kafka_jars("4.4.0")


def test_releases_older_than_the_launcher_supports_are_refused():
    with pytest.raises(KafkaformError, match=r"Kafka 3\.4\.1 is older than 3\.5\.0"):
        kafka_jars("3.4.1")


def test_each_official_tool_has_its_main_class_in_the_jars(jars):
    for tool in local_kafka.TOOLS:
        assert main_class(jars, tool)


def test_a_port_taken_between_picking_and_binding_is_retried_on_fresh_ports(jars, monkeypatch):
    """Ports are picked free, then released for the JVM to bind: another
    process may take one in between ("Address already in use")."""
    import socket

    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    taken = squatter.getsockname()[1]
    pick = local_kafka._free_ports
    calls = []

    def first_pick_taken(count):
        calls.append(count)
        ports = pick(count)
        return [taken, *ports[1:]] if len(calls) == 1 else ports

    monkeypatch.setattr(local_kafka, "_free_ports", first_pick_taken)
    try:
        with LocalKafka(brokers=1, controllers=1) as cluster:
            assert len(calls) == 2
            assert str(taken) not in cluster.bootstrap
            assert cluster.run_tool("kafka-topics", "--bootstrap-server", cluster.bootstrap,
                                    "--list").returncode == 0
    finally:
        squatter.close()


def test_a_cluster_id_never_starts_with_a_dash(monkeypatch):
    """One random id in 64 did, and kafka-storage format read it as an option."""
    import uuid

    drawn = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=bytes(16))])
    monkeypatch.setattr(local_kafka.uuid, "uuid4", lambda: next(drawn))

    assert local_kafka.new_cluster_id() == "AAAAAAAAAAAAAAAAAAAAAA"


def test_nodes_run_c1_only_unless_the_full_jit_is_asked_for():
    # Tests start faster with C1 alone; the benchmark measures the brokers' own
    # work (the controller's ACL matching) with the compiler production runs.
    assert "-XX:TieredStopAtLevel=1" in LocalKafka().jvm_options()
    assert not any("Tiered" in option for option in LocalKafka(full_jit=True).jvm_options())
