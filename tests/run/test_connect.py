from pathlib import Path

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.model import ClusterConnection, DesiredState
from kafkaform.core.requests import NewTopic
from kafkaform.errors import KafkaformError, ReadOnlyViolation
from kafkaform.files.snapshot import write_snapshot
from kafkaform.run.connect import (
    open_admin,
    parse_jaas,
    parse_properties,
    read_command_config,
)
from kafkaform.run.observe import observe


def test_properties_files_parse_like_java():
    text = (
        "# a comment\n"
        "! another\n"
        "security.protocol=SASL_SSL\n"
        "sasl.mechanism : SCRAM-SHA-512\n"
        "client.id kafkaform\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
        '    username="alice" \\\n'
        '    password="s3cr=t";\n'
        "path=C\\:\\\\certs\\u0041\n"
    )
    props = parse_properties(text)
    assert props["security.protocol"].value == "SASL_SSL"
    assert props["sasl.mechanism"].value == "SCRAM-SHA-512"
    assert props["client.id"].value == "kafkaform"
    assert props["sasl.jaas.config"].line == 6
    assert props["sasl.jaas.config"].value.endswith('password="s3cr=t";')
    assert props["path"].value == "C:\\certsA"
    # An escaped separator belongs to the key, as in java.util.Properties.
    assert parse_properties("a\\:b\\=c = d")["a:b=c"].value == "d"


def test_jaas_options_are_parsed():
    module, options = parse_jaas(
        'org.apache.kafka.common.security.plain.PlainLoginModule required '
        'username="bob" password="p\\"w";'
    )
    assert module.endswith("PlainLoginModule")
    assert options == {"username": "bob", "password": 'p"w'}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "client.properties"
    path.write_text(text)
    return path


def test_java_names_become_librdkafka_settings(tmp_path):
    config = read_command_config(write(tmp_path, (
        "security.protocol=SASL_SSL\n"
        "sasl.mechanism=PLAIN\n"
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="alice" password="secret";\n'
        "ssl.truststore.type=PEM\n"
        "ssl.truststore.location=/etc/ca.pem\n"
        "ssl.endpoint.identification.algorithm=\n"
    )))
    assert config == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "PLAIN",
        "sasl.username": "alice",
        "sasl.password": "secret",
        "ssl.ca.location": "/etc/ca.pem",
        "ssl.endpoint.identification.algorithm": "none",
    }


def test_a_jks_truststore_is_refused_with_file_line_and_key(tmp_path):
    path = write(tmp_path, "security.protocol=SSL\nssl.truststore.location=/etc/trust.jks\n"
                           "ssl.truststore.password=changeit\n")
    with pytest.raises(KafkaformError) as refused:
        read_command_config(path)
    message = str(refused.value)
    assert message.startswith(f"{path}:2: ssl.truststore.location: ")
    assert "ssl.ca.location" in message
    assert "changeit" not in message


def test_a_pem_keystore_gives_certificate_and_key_and_a_java_keystore_is_refused(tmp_path):
    pem = read_command_config(write(tmp_path, "ssl.keystore.type=pem\n"
                                              "ssl.keystore.location=/etc/client.pem\n"))
    assert pem == {"ssl.certificate.location": "/etc/client.pem",
                   "ssl.key.location": "/etc/client.pem"}
    # Java's default ssl.keystore.type is JKS; PKCS12 is the other Java-only store.
    for declared in ("", "ssl.keystore.type=PKCS12\n"):
        path = write(tmp_path, f"{declared}ssl.keystore.location=/etc/client.jks\n")
        with pytest.raises(KafkaformError, match="Java keystores .* not supported by librdkafka"):
            read_command_config(path)


def test_oauthbearer_uses_oidc_only_with_a_client_id(tmp_path):
    module = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
    with_client = read_command_config(write(tmp_path, (
        f'sasl.jaas.config={module} clientId="kf" clientSecret="s" scope="kafka";\n')))
    assert with_client == {"sasl.oauthbearer.client.id": "kf",
                           "sasl.oauthbearer.client.secret": "s",
                           "sasl.oauthbearer.scope": "kafka", "sasl.oauthbearer.method": "oidc"}
    # Without client credentials librdkafka's default (unsecured JWT) method stays.
    assert read_command_config(write(tmp_path, f"sasl.jaas.config={module} ;\n")) == {}


def test_an_unknown_login_module_is_refused_with_file_line_and_key(tmp_path):
    # librdkafka has no counterpart of, e.g., ZooKeeper's DigestLoginModule.
    path = write(tmp_path, "security.protocol=SASL_PLAINTEXT\nsasl.jaas.config="
                           "org.apache.zookeeper.server.auth.DigestLoginModule required;\n")
    with pytest.raises(KafkaformError, match=f"^{path}:2: sasl.jaas.config: unsupported login "
                                             "module DigestLoginModule$"):
        read_command_config(path)


def test_a_missing_bootstrap_is_one_clear_error():
    desired = DesiredState("dev", cluster=ClusterConnection(bootstrap=None))
    with pytest.raises(KafkaformError, match="environment dev: no bootstrap servers: .*"
                       "--bootstrap-server"):
        open_admin(desired, bootstrap=None, command_config=None, snapshot=None, read_only=True)


def test_unset_variables_in_the_connection_are_named():
    desired = DesiredState("prod", cluster=ClusterConnection(
        bootstrap="kafka:9092", missing_variables=("KAFKA_PASSWORD",)))
    with pytest.raises(KafkaformError, match=r"\$\{KAFKA_PASSWORD\} not set"):
        open_admin(desired, bootstrap=None, command_config=None, snapshot=None, read_only=True)


def test_a_snapshot_serves_reads_and_refuses_writes_when_read_only(tmp_path):
    cluster = MemoryCluster(3)
    cluster.add_topic("orders", [[1, 2, 3]])
    snapshot = tmp_path / "snapshot.json"
    write_snapshot(observe(cluster), snapshot)
    admin = open_admin(None, bootstrap=None, command_config=None, snapshot=snapshot,
                       read_only=True)
    assert set(admin.list_topics()) == {"orders"}
    with pytest.raises(ReadOnlyViolation):
        admin.create_topics([NewTopic("more", 1, 1)])
