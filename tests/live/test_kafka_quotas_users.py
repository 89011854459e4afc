"""Client quotas and SCRAM users on the real Apache Kafka cluster.

Every result is checked with the official `kafka-configs --describe` from the
same jars, or with a plain confluent-kafka client logging in over SASL/SCRAM,
never with kafkaform's own observe. The users, quotas and ACLs each test
makes carry a name of their own, so the shared users (admin, alice, bob) stay
untouched, and they are removed in `finally` whatever happens: a quota left
behind would throttle the other tests.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka import admin as rd

from tests.live.helpers import eventually
from tests.support.imported import body, body_of

pytestmark = pytest.mark.live  # the kafka_cluster tests run on Kafka, the last on Tansu

MARKER = "kf-SECRET-live-" + uuid.uuid4().hex[:12]
QUOTA = 256 * 1024  # bytes per second
# librdkafka logs each refused login; the test asserts on them instead.
QUIET = logging.getLogger("kafkaform.tests.quiet")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


def kafkaform(*args: str, password: str = MARKER) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kafkaform", *args], capture_output=True, text=True, timeout=180,
        check=False, env={**os.environ, "TENANT_PASSWORD": password},
    )


def applied(env: Path, password: str = MARKER) -> subprocess.CompletedProcess[str]:
    result = kafkaform("apply", str(env), "--auto-approve", password=password)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def configs_of(kafka_cluster, *entity: str) -> str:
    """`kafka-configs --describe` for one entity (`users NAME [clients NAME]`): the oracle."""
    args = []
    for kind, name in zip(entity[::2], entity[1::2], strict=True):
        args += ["--entity-type", kind, "--entity-name", name]
    return kafka_cluster.run_tool("kafka-configs", "--bootstrap-server", kafka_cluster.bootstrap,
                                  "--describe", *args).stdout


def environment(folder: Path, bootstrap: str, user: str, topic: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "environment.yaml").write_text(
        "kind: Environment\n"
        f"name: {folder.name}\n"
        f"cluster: {{bootstrap: '{bootstrap}', timeoutSeconds: 20}}\n"
        "policies: {minReplicationFactor: 1, minInsyncReplicas: 1}\n"
        "manage:\n"
        f"  topics: {{prefixes: ['{topic}']}}\n"
        f"  acls: {{principals: ['User:{user}'], delete: true}}\n"
        f"  quotas: {{prefixes: ['{user}'], delete: true}}\n"
        f"  users: {{prefixes: ['{user}'], delete: true}}\n",
        encoding="utf-8",
    )
    return folder


def sasl_client(kafka_cluster, user: str, password: str, mechanism: str) -> dict[str, object]:
    return {"bootstrap.servers": kafka_cluster.sasl_bootstrap,
            "security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": mechanism,
            "sasl.username": user, "sasl.password": password}


def authenticates(kafka_cluster, user: str, password: str, mechanism: str) -> bool:
    """A plain AdminClient logging in over SASL/SCRAM: metadata comes back only
    then; a refusal is librdkafka's authentication error, anything else fails."""
    refused: list[KafkaError] = []

    def on_error(error: KafkaError) -> None:
        if error.code() == KafkaError._AUTHENTICATION:
            refused.append(error)

    client = rd.AdminClient({**sasl_client(kafka_cluster, user, password, mechanism),
                             "socket.timeout.ms": 10000, "error_cb": on_error,
                             "logger": QUIET})
    try:
        client.list_topics(timeout=10)
        return True
    except KafkaException:
        client.poll(1)  # serves the error callback
        if refused:
            return False
        raise


def produced_rate(kafka_cluster, user: str, topic: str, *, warmup: float,
                  window: float) -> float:
    """Bytes per second acknowledged between `warmup` and `warmup + window`, producing
    as fast as the broker lets the user (bounded buffer, so throttling shows)."""
    producer = Producer({**sasl_client(kafka_cluster, user, MARKER, "SCRAM-SHA-512"),
                         "linger.ms": 5, "acks": 1, "queue.buffering.max.kbytes": 256,
                         "logger": QUIET})
    acknowledged: list[tuple[float, int]] = []
    start = time.monotonic()

    def delivered(error, message) -> None:
        if error is None:
            acknowledged.append((time.monotonic() - start, len(message.value())))

    payload = b"x" * 10_000
    while time.monotonic() - start < warmup + window:
        try:
            producer.produce(topic, payload, on_delivery=delivered)
        except BufferError:
            producer.poll(0.05)
        producer.poll(0)
    producer.purge()
    producer.flush(5)
    return sum(n for t, n in acknowledged if warmup <= t < warmup + window) / window


def remove_everything(kafka_cluster, users: list[str], topic_prefix: str) -> None:
    """Best effort, with the plain AdminClient: users, their quotas and ACLs, topics."""
    admin = rd.AdminClient({"bootstrap.servers": kafka_cluster.bootstrap})
    described = admin.describe_user_scram_credentials().result(timeout=20)
    deletions = [rd.UserScramCredentialDeletion(name, info.mechanism)
                 for name in users if name in described
                 for info in described[name].scram_credential_infos]
    for round_ in (deletions[0::2], deletions[1::2]):  # one alteration per user per request
        if round_:
            for future in admin.alter_user_scram_credentials(round_).values():
                future.result(timeout=20)
    quota_entities = []
    for user in users:
        for config in (configs_of(kafka_cluster, "users", user),):
            if "Quota configs" in config:
                quota_entities.append(user)
    for user in quota_entities:
        kafka_cluster.run_tool("kafka-configs", "--bootstrap-server", kafka_cluster.bootstrap,
                               "--alter", "--entity-type", "users", "--entity-name", user,
                               "--delete-config", "producer_byte_rate,consumer_byte_rate,"
                               "request_percentage,controller_mutation_rate", check=False)
    for user in users:
        acl_filter = rd.AclBindingFilter(rd.ResourceType.ANY, None, rd.ResourcePatternType.ANY,
                                         f"User:{user}", None, rd.AclOperation.ANY,
                                         rd.AclPermissionType.ANY)
        admin.delete_acls([acl_filter])[acl_filter].result(timeout=20)
    topics = [t for t in admin.list_topics(timeout=20).topics if t.startswith(topic_prefix)]
    if topics:
        for future in admin.delete_topics(topics).values():
            future.result(timeout=20)


def test_a_tenant_authenticates_is_throttled_to_its_quota_and_loses_both_once_removed(
        kafka_cluster, tmp_path, topic_prefix):
    user = "kf-tenant-" + uuid.uuid4().hex[:8]
    topic = f"{topic_prefix}events"
    env = environment(tmp_path / "tenant", kafka_cluster.bootstrap, user, topic_prefix)
    (env / "topics.yaml").write_text(
        f"kind: Topics\ntopics:\n  - {{name: '{topic}', partitions: 1, replicationFactor: 1}}\n")
    (env / "acls.yaml").write_text(
        f"kind: Acls\nprincipals:\n  - principal: User:{user}\n"
        f"    produce: {{topics: ['{topic}']}}\n")
    users = (f"kind: Users\nusers:\n  - name: {user}\n    password: ${{TENANT_PASSWORD}}\n"
             "    mechanisms: [SCRAM-SHA-512, {mechanism: SCRAM-SHA-256, iterations: 8192}]\n")
    (env / "users.yaml").write_text(users)
    quota = f"kind: Quotas\nquotas:\n  - {{user: {user}, producer_byte_rate: {QUOTA}}}\n"
    (env / "quotas.yaml").write_text(quota)
    try:
        first = applied(env)
        assert MARKER not in first.stdout + first.stderr

        described = configs_of(kafka_cluster, "users", user)
        assert f"producer_byte_rate={float(QUOTA)}" in described, described
        assert "SCRAM-SHA-256=iterations=8192" in described
        assert "SCRAM-SHA-512=iterations=4096" in described
        assert eventually(lambda: authenticates(kafka_cluster, user, MARKER, "SCRAM-SHA-512"))
        assert authenticates(kafka_cluster, user, MARKER, "SCRAM-SHA-256")
        assert not authenticates(kafka_cluster, user, "wrong-" + MARKER, "SCRAM-SHA-512")

        # Kafka lets a new client burst up to about ten seconds' worth (the quota's
        # sample window) before throttling: measure the steady state after that.
        throttled = produced_rate(kafka_cluster, user, topic, warmup=10, window=12)
        print(f"throttled: {throttled / 1024:.0f} KiB/s under a {QUOTA / 1024:.0f} KiB/s quota")
        assert 0.5 * QUOTA <= throttled <= 2 * QUOTA

        (env / "quotas.yaml").write_text("kind: Quotas\nquotas: []\n")
        applied(env)
        assert eventually(lambda: "Quota configs" not in configs_of(kafka_cluster, "users", user))
        free = produced_rate(kafka_cluster, user, topic, warmup=1, window=4)
        print(f"unthrottled: {free / 1024:.0f} KiB/s once the quota is removed")
        assert free > 5 * QUOTA

        (env / "users.yaml").write_text("kind: Users\nusers: []\n")
        (env / "acls.yaml").write_text("kind: Acls\n")
        applied(env)
        assert eventually(lambda: "SCRAM" not in configs_of(kafka_cluster, "users", user))
        assert eventually(lambda: not authenticates(kafka_cluster, user, MARKER,
                                                    "SCRAM-SHA-512"))
        replanned = kafkaform("plan", str(env), "--detailed-exitcode")
        assert replanned.returncode == 0, replanned.stdout + replanned.stderr
        # Nor on the brokers: their logs, the metadata log, kafkaform's users ledger.
        kept = [path for path in Path(kafka_cluster.workdir).rglob("*") if path.is_file() and (
            path.name.endswith(".log") and ("__cluster_metadata" in str(path)
                                           or "__kafkaform_users" in str(path))
            or path.name == "server.log")]
        assert any("__kafkaform_users" in str(path) for path in kept)
        assert not [path for path in kept if MARKER.encode() in path.read_bytes()]
    finally:
        remove_everything(kafka_cluster, [user], topic_prefix)


def test_yaml_apply_import_gives_the_same_yaml_and_an_empty_plan(
        kafka_cluster, tmp_path, topic_prefix):
    user = "kf-rt-" + uuid.uuid4().hex[:8]
    other = f"{user}-batch"
    env = environment(tmp_path / "environments" / "roundtrip", kafka_cluster.bootstrap, user,
                      topic_prefix)
    (env / "secrets").mkdir()
    (env / "secrets" / "batch.pw").write_text(MARKER + "-file\n")
    quotas = (
        "# yaml-language-server: $schema=../../schemas/quotas.schema.json\n"
        "kind: Quotas\n"
        "quotas:\n"
        f"  - clientId: {user}-client\n"
        "    producer_byte_rate: 1GiB\n"
        f"  - user: {user}\n"
        "    producer_byte_rate: 10MiB\n"
        "    consumer_byte_rate: 1500KiB\n"
        "    request_percentage: 12.5\n"
        f"  - user: {user}\n"
        "    clientId: <default>\n"
        "    controller_mutation_rate: 5\n"
        f"  - user: {user}\n"
        "    clientId: reports\n"
        "    consumer_byte_rate: 100MB\n"
    )
    users = (
        "# yaml-language-server: $schema=../../schemas/users.schema.json\n"
        "kind: Users\n"
        "users:\n"
        f"  - name: {user}\n"
        "    mechanisms:\n"
        "      - mechanism: SCRAM-SHA-256\n"
        "        iterations: 16384\n"
        "      - mechanism: SCRAM-SHA-512\n"
        "        iterations: 4096\n"
        "    password: ${TENANT_PASSWORD}\n"
        "    passwordVersion: 3\n"
        f"  - name: {other}\n"
        "    iterations: 8192\n"
        "    passwordFile: secrets/batch.pw\n"
    )
    (env / "quotas.yaml").write_text(quotas)
    (env / "users.yaml").write_text(users)
    imported = tmp_path / "environments" / "imported"
    try:
        applied(env)
        assert "request_percentage=12.5" in configs_of(kafka_cluster, "users", user)
        pair = configs_of(kafka_cluster, "users", user, "clients", "reports")
        assert "consumer_byte_rate=1.0E8" in pair, pair
        assert "SCRAM-SHA-512=iterations=8192" in configs_of(kafka_cluster, "users", other)
        assert authenticates(kafka_cluster, other, MARKER + "-file", "SCRAM-SHA-512")

        # Only this test's topics: others may be left on the shared cluster.
        result = kafkaform("import", str(env), "--out", str(imported),
                           "--include", re.escape(topic_prefix) + ".*")

        assert result.returncode == 0, result.stdout + result.stderr
        assert body(imported / "quotas.yaml") == body_of(quotas)
        assert body(imported / "users.yaml") == body_of(users)
        for name in ("environment.yaml", "secrets"):
            os.rename(env / name, imported / name)
        replanned = kafkaform("plan", str(imported), "--detailed-exitcode")
        assert replanned.returncode == 0, replanned.stdout + replanned.stderr
        everything = "".join(p.read_text() for p in imported.glob("*.yaml"))
        assert MARKER not in everything + result.stdout + result.stderr
    finally:
        remove_everything(kafka_cluster, [user, other], topic_prefix)
        kafka_cluster.run_tool(
            "kafka-configs", "--bootstrap-server", kafka_cluster.bootstrap, "--alter",
            "--entity-type", "users", "--entity-name", user, "--entity-type", "clients",
            "--entity-name", "reports", "--delete-config", "consumer_byte_rate", check=False)
        kafka_cluster.run_tool(
            "kafka-configs", "--bootstrap-server", kafka_cluster.bootstrap, "--alter",
            "--entity-type", "users", "--entity-name", user, "--entity-type", "clients",
            "--entity-default", "--delete-config", "controller_mutation_rate", check=False)
        kafka_cluster.run_tool(
            "kafka-configs", "--bootstrap-server", kafka_cluster.bootstrap, "--alter",
            "--entity-type", "clients", "--entity-name", f"{user}-client",
            "--delete-config", "producer_byte_rate", check=False)


def test_import_of_quotas_and_users_made_by_hand_then_plan_is_empty(
        kafka_cluster, tmp_path, topic_prefix):
    user = "kf-hand-" + uuid.uuid4().hex[:8]
    env = environment(tmp_path / "hand", kafka_cluster.bootstrap, user, topic_prefix)
    try:
        for config in ("producer_byte_rate=1048576",
                       f"SCRAM-SHA-256=[iterations=4096,password={MARKER}]"):
            kafka_cluster.run_tool(  # kafka-configs takes one kind at a time
                "kafka-configs", "--bootstrap-server", kafka_cluster.bootstrap, "--alter",
                "--entity-type", "users", "--entity-name", user, "--add-config", config)
        assert "SCRAM-SHA-256" in configs_of(kafka_cluster, "users", user)

        result = kafkaform("import", str(env), "--include", re.escape(topic_prefix) + ".*")

        assert result.returncode == 0, result.stdout + result.stderr
        users = (env / "users.yaml").read_text()
        assert f"name: {user}" in users and "mechanisms: [SCRAM-SHA-256]" in users
        assert "password" not in users  # kafkaform never set it: nothing to name
        assert "producer_byte_rate: 1MiB" in (env / "quotas.yaml").read_text()
        replanned = kafkaform("plan", str(env), "--detailed-exitcode")
        assert replanned.returncode == 0, replanned.stdout + replanned.stderr
    finally:
        remove_everything(kafka_cluster, [user], topic_prefix)


def test_a_broker_without_the_apis_is_refused_naming_them(
        live_bootstrap, tansu_only, tmp_path):
    env = environment(tmp_path / "tansu", live_bootstrap, "kf-t", "kf.tansu.")
    (env / "quotas.yaml").write_text(
        "kind: Quotas\nquotas: [{user: kf-t, producer_byte_rate: 1}]\n")
    (env / "users.yaml").write_text("kind: Users\nusers: [{name: kf-t}]\n")

    result = kafkaform("plan", str(env))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(r"does not support DescribeClientQuotas \(needs Kafka ≥ 2\.6\): 1 client "
                     r"quota cannot be planned", result.stdout + result.stderr)
    assert re.search(r"does not support DescribeUserScramCredentials \(needs Kafka ≥ 2\.7\)",
                     result.stdout + result.stderr)
