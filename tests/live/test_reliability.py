"""Reliability on the live brokers: what the user's client properties cannot break."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from confluent_kafka.admin import AdminClient
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cluster.kafka import KafkaClusterAdmin
from kafkaform.core.requests import NewTopic
from kafkaform.run.lock import LOCK_TOPIC
from tests.live.helpers import created, eventually

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


# A process that takes the apply lock as apply does, says so, and waits to be killed.
HOLD_THE_LOCK = """
import sys, time
from kafkaform.cluster.kafka import KafkaClusterAdmin
from kafkaform.run import lock
lock.acquire(KafkaClusterAdmin(sys.argv[1], timeout_seconds=15), environment="live")
print("held", flush=True)
time.sleep(300)
"""


def test_an_apply_killed_holding_the_lock_is_seen_gone_and_the_next_apply_goes_on(
        live_bootstrap, live_admin, topic_prefix, tmp_path):
    """SIGKILL leaves the lock topic and its owner record behind. On the machine it ran
    on, the next apply sees that process gone (pid and start time) and takes the lock
    over, instead of refusing every apply for an hour."""
    env = tmp_path / "env"
    env.mkdir()
    (env / "environment.yaml").write_text(f"""\
kind: Environment
name: live
cluster: {{bootstrap: '{live_bootstrap}'}}
defaults:
  topic: {{partitions: 1, replicationFactor: 1, configs: {{min.insync.replicas: 1}}}}
policies: {{minReplicationFactor: 1, minInsyncReplicas: 1}}
manage:
  topics: {{prefixes: ['{topic_prefix}']}}
---
kind: Topics
topics:
  - name: {topic_prefix}after-the-kill
""")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, live_bootstrap],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    oracle = AdminClient({"bootstrap.servers": live_bootstrap})
    assert LOCK_TOPIC in oracle.list_topics(timeout=15).topics  # left behind

    result = CliRunner().invoke(app, ["apply", str(env), "--auto-approve"])

    assert result.exit_code == 0, result.output
    assert "took over the apply lock held by " in result.output
    assert (f"(pid {holder.pid}, environment live) since " in result.output
            and ": its process is no longer running on this machine: it ended without "
                "releasing the lock (killed or crashed)" in result.output), result.output
    assert "Apply complete: 1 action done" in result.output
    assert eventually(lambda: LOCK_TOPIC not in oracle.list_topics(timeout=15).topics)
