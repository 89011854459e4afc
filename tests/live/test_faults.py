"""Faults between kafkaform and the broker, injected by a TCP proxy, on Tansu and on Kafka.

Each broker kind gets a broker of its own that advertises the proxy
(`tests/support/faulty_proxy.py`): Tansu through `--advertised-listener-url`,
Apache Kafka as a one-broker KRaft cluster whose PLAINTEXT listener advertises
the proxy, so every connection kafkaform makes (bootstrap, then the broker
Metadata names) passes the faults. Each scenario runs the real `apply`
(CliRunner, the real connection code) and asserts the truthful table, the
summary line, the lock's state and that a re-run after the fault converges.
The oracle for the cluster's state is a plain confluent-kafka AdminClient on
the broker's own port, not kafkaform.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.errors import KafkaformError
from kafkaform.run.lock import LOCK_TOPIC
from tests.live.helpers import eventually, local_broker, unavailable
from tests.support.faulty_proxy import CREATE_TOPICS, DELETE_TOPICS, FaultyProxy

pytestmark = pytest.mark.live

TIMEOUT = 4  # the environment's cluster.timeoutSeconds: stalls end quickly


@dataclass
class Proxied:
    kind: str
    proxy: FaultyProxy
    direct: str  # the broker's own address: the oracle's way in

    def topics(self) -> set[str]:
        admin = AdminClient({"bootstrap.servers": self.direct})
        return set(admin.list_topics(timeout=10).topics)

    def create(self, name: str) -> None:
        admin = AdminClient({"bootstrap.servers": self.direct})
        admin.create_topics([NewTopic(name, 1, 1)])[name].result(timeout=15)
        assert eventually(lambda: name in self.topics())


@pytest.fixture(scope="module")
def proxied(live_broker) -> Iterator[Proxied]:
    """A broker of `live_broker`'s kind (not the shared one: its clients must pass
    the proxy) behind a fault-injecting proxy."""
    with FaultyProxy(lambda: ("127.0.0.1", 0)) as proxy:  # the broker's port: below
        if live_broker.is_kafka:
            from kafkaform.cluster.local_kafka import DEFAULT_KAFKA_VERSION, LocalKafka

            version = os.environ.get("KAFKAFORM_TEST_KAFKA_VERSION", DEFAULT_KAFKA_VERSION)
            kafka = LocalKafka(brokers=1, controllers=1, version=version, startup_timeout=300,
                               advertised={1: proxy.address})
            # Starting, the cluster's own check already comes through the proxy.
            proxy.upstream = lambda: ("127.0.0.1", kafka.nodes[1].plaintext_port)
            try:
                kafka.start()
            except KafkaformError as error:
                unavailable(f"a one-broker Apache Kafka {version}", error)
            try:
                yield Proxied("kafka", proxy, kafka.bootstrap)
            finally:
                kafka.stop()
        else:
            tansu = local_broker(advertised=proxy.address)
            proxy.upstream = lambda: ("127.0.0.1", tansu.port)
            with tansu:
                yield Proxied("tansu", proxy, tansu.bootstrap)


@pytest.fixture
def environment(tmp_path, proxied, topic_prefix) -> Path:
    """Two topics to create and one existing topic's config to change: the config
    phase comes after the creates, so a stop after them leaves it not attempted."""
    proxied.proxy.heal()
    proxied.create(f"{topic_prefix}x")
    folder = tmp_path / "faults"
    folder.mkdir()
    (folder / "environment.yaml").write_text(
        "kind: Environment\nname: faults\n"
        f"cluster: {{bootstrap: '{proxied.proxy.address}', timeoutSeconds: {TIMEOUT}}}\n"
        "defaults:\n  topic: {partitions: 1, replicationFactor: 1}\n"
        "policies: {minReplicationFactor: 1, minInsyncReplicas: 1}\n"
        f"manage:\n  topics: {{prefixes: ['{topic_prefix}']}}\n"
        "---\nkind: Topics\ntopics:\n"
        f"  - name: {topic_prefix}a\n  - name: {topic_prefix}b\n"
        f"  - name: {topic_prefix}x\n    configs: {{retention.ms: 1d}}\n"
    )
    return folder


def apply(folder: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["apply", str(folder), "--auto-approve"])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result.exit_code, result.output.splitlines()


def logged(lines: list[str], status: str, action: str) -> bool:
    """The log (not a terminal) has the line of `action` ending as `status`."""
    return any(line.split(" ", 1)[-1].startswith(f"  {status}: {action}") for line in lines)


def rows(lines: list[str], prefix: str) -> dict[str, str]:
    """The result table: action → status and detail, for this test's topics. Off a
    terminal it lists what the log above does not already say: outcomes settled by
    reading the cluster again, verification's findings."""
    table = {}
    for line in lines:
        for status in ("done", "failed", "outcome unknown", "not attempted"):
            if line.startswith(f"{status}  ") and prefix in line:
                table[line[len(status):].strip()] = status
    return table


def assert_converges(proxied: Proxied, folder: Path, prefix: str) -> None:
    """After the fault: the lock is gone, a re-run finishes the job, the next has nothing."""
    proxied.proxy.heal()
    assert eventually(lambda: LOCK_TOPIC not in proxied.topics())
    code, lines = apply(folder)
    assert code == 0, lines[-5:]
    assert lines[-1].endswith("and the cluster matches the environment."), lines[-1]
    assert {f"{prefix}a", f"{prefix}b"} <= proxied.topics()
    code, lines = apply(folder)
    assert (code, lines[-1]) == (0, "Nothing to apply: the cluster already matches the "
                                    "environment.")


@pytest.mark.parametrize("fault", ["lose_reply", "stall_reply"])
def test_an_answer_lost_after_the_broker_acted_is_settled_by_reading_again(
        proxied, environment, topic_prefix, fault):
    """The broker creates the topics; their answer is cut off (or never comes)."""
    getattr(proxied.proxy, fault)(CREATE_TOPICS, containing=topic_prefix.encode())
    started = time.monotonic()

    code, lines = apply(environment)

    assert code == 1
    assert time.monotonic() - started < 60
    table = rows(lines, topic_prefix)
    created = [row for row in table if row.startswith("create topic")]
    assert len(created) == 2 and all(table[row] == "done" for row in created)
    assert all(row.endswith("reading the cluster again shows it done)") for row in created)
    assert logged(lines, "not attempted", f"topic {topic_prefix}x configs")
    assert lines[-1].startswith("Apply FAILED: 2 done, 0 failed, 0 outcome unknown, 1 not "
                                "attempted. The apply stopped: no answer from the cluster (")
    assert {f"{topic_prefix}a", f"{topic_prefix}b"} <= proxied.topics()
    assert_converges(proxied, environment, topic_prefix)


def test_a_request_cut_in_half_is_settled_as_not_done(proxied, environment, topic_prefix):
    """The broker never sees the request whole: reading again shows nothing created."""
    proxied.proxy.cut_mid_request(CREATE_TOPICS, containing=topic_prefix.encode())

    code, lines = apply(environment)

    assert code == 1
    table = rows(lines, topic_prefix)
    created = [row for row in table if row.startswith("create topic")]
    assert [table[row] for row in created] == ["failed", "failed"]
    assert all(row.endswith("reading the cluster again shows it not done)") for row in created)
    assert lines[-1].startswith("Apply FAILED: 0 done, 2 failed, 0 outcome unknown, 1 not "
                                "attempted. The apply stopped:")
    assert not {f"{topic_prefix}a", f"{topic_prefix}b"} & proxied.topics()
    assert_converges(proxied, environment, topic_prefix)


def test_a_lock_that_cannot_be_released_names_the_command_that_removes_it(
        proxied, environment, topic_prefix):
    proxied.proxy.cut_mid_request(DELETE_TOPICS, containing=LOCK_TOPIC.encode())

    code, lines = apply(environment)

    command = f"kafkaform force-unlock {environment}"
    assert code == 1
    assert lines[-1].startswith("Apply FAILED: 3 done, 0 failed, 0 outcome unknown, 0 not "
                                "attempted. The apply lock could not be released: deleting "
                                f"{LOCK_TOPIC} got no answer (")
    assert f"run `{command}` once no apply is running" in lines[-1]
    assert LOCK_TOPIC in proxied.topics()

    unlocked = CliRunner().invoke(app, command.split()[1:])

    assert unlocked.exit_code == 0, unlocked.output
    assert "Removed the apply lock held by" in unlocked.output
    assert eventually(lambda: LOCK_TOPIC not in proxied.topics())


@pytest.mark.parametrize("fault", ["blackhole", "delay"])
def test_a_broker_that_never_answers_is_one_line_in_bounded_time(proxied, environment,
                                                                 topic_prefix, fault):
    """Accepted and never answered, or answered too late: nothing is written, no lock."""
    if fault == "blackhole":
        proxied.proxy.blackhole()
    else:
        proxied.proxy.delay(TIMEOUT + 2)
    proxied.proxy.cut_all()  # the next connection meets the fault
    started = time.monotonic()

    code, lines = apply(environment)

    assert code == 1
    assert time.monotonic() - started < 6 * TIMEOUT + 30
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    proxied.proxy.heal()
    assert not {f"{topic_prefix}a", f"{topic_prefix}b", LOCK_TOPIC} & proxied.topics()
    assert_converges(proxied, environment, topic_prefix)


def test_a_lost_answer_to_taking_the_lock_says_how_to_remove_it(proxied, environment,
                                                                 topic_prefix):
    """The lock topic is created, the answer lost: an ownerless lock may now refuse
    every apply, and the message says so with the exact command."""
    proxied.proxy.lose_reply(CREATE_TOPICS, containing=LOCK_TOPIC.encode())
    command = f"kafkaform force-unlock {environment}"

    code, lines = apply(environment)

    assert code == 1
    assert lines[-1].startswith("error: taking the apply lock got no answer ("), lines[-3:]
    assert lines[-1].endswith(f"If no apply is running, remove it: `{command}`")
    assert not {f"{topic_prefix}a", f"{topic_prefix}b"} & proxied.topics()
    assert LOCK_TOPIC in proxied.topics()

    refused = apply(environment)

    assert refused[0] == 1
    assert "names no owner" in refused[1][-1] and f"`{command}`" in refused[1][-1]
    assert CliRunner().invoke(app, command.split()[1:]).exit_code == 0
    assert_converges(proxied, environment, topic_prefix)


def test_a_connection_dropped_mid_apply_still_ends_in_a_truthful_line(proxied, environment,
                                                                      topic_prefix):
    """Every connection dies a few hundred bytes after what planning sends, wherever the
    apply is then: never a traceback; the table and the summary line (or one line when it
    dies while taking the lock), and a re-run converges once the network is back."""
    proxy = proxied.proxy
    before = proxy.sent
    assert CliRunner().invoke(app, ["plan", str(environment)]).exit_code == 0
    proxy.drop_after(proxy.sent - before + 300)

    code, lines = apply(environment)

    assert code == 1
    assert lines[-1].startswith(("Apply FAILED: ", "error: ")), lines[-3:]
    proxy.heal()
    if "force-unlock" in lines[-1]:  # it died while taking or releasing the lock
        assert CliRunner().invoke(app, ["force-unlock", str(environment)]).exit_code == 0
    assert_converges(proxied, environment, topic_prefix)
