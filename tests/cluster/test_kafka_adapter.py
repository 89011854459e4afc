"""The Kafka adapter's pure parts, and its behaviour with no broker at all."""

import ssl

import pytest
from confluent_kafka import KafkaError

from kafkaform.cluster.kafka import (
    ALWAYS_LISTED_TOPIC_CONFIGS,
    KafkaClusterAdmin,
    capabilities_from_api_names,
    cluster_error_from_rdkafka,
    sources_of_partial_listing,
)
from kafkaform.cluster.kafka_protocol import kafka_python_config, quotas_from_describe
from kafkaform.core.model import DEFAULT_ENTITY, QuotaEntity
from kafkaform.core.observed import Api, ConfigEntry, ConfigSource
from kafkaform.errors import ClusterError, ClusterUnreachable, KafkaformError

# What Tansu 0.6 advertises (ApiVersions), admin part.
TANSU_APIS = ["CreateTopics", "DeleteTopics", "DescribeAcls", "CreateAcls", "DescribeConfigs",
              "IncrementalAlterConfigs", "ListPartitionReassignments", "Produce", "Fetch"]


def test_create_acls_counts_only_with_delete_acls():
    tansu = capabilities_from_api_names(TANSU_APIS)
    assert Api.CREATE_ACLS not in tansu
    assert Api.DESCRIBE_ACLS in tansu
    assert Api.CREATE_PARTITIONS not in tansu
    kafka = capabilities_from_api_names([*TANSU_APIS, "DeleteAcls", "CreatePartitions"])
    assert {Api.CREATE_ACLS, Api.DELETE_ACLS, Api.CREATE_PARTITIONS} <= kafka


def test_scram_apis_count_only_with_the_client_quota_apis():
    # Tansu 0.6 advertises the SCRAM APIs, accepts an upsert and describes no user.
    tansu = capabilities_from_api_names(
        [*TANSU_APIS, "DescribeUserScramCredentials", "AlterUserScramCredentials"])
    assert not {Api.DESCRIBE_USER_SCRAM_CREDENTIALS, Api.ALTER_USER_SCRAM_CREDENTIALS} & tansu
    kafka = capabilities_from_api_names(
        [*TANSU_APIS, "DescribeUserScramCredentials", "AlterUserScramCredentials",
         "DescribeClientQuotas", "AlterClientQuotas"])
    assert {Api.DESCRIBE_USER_SCRAM_CREDENTIALS, Api.ALTER_USER_SCRAM_CREDENTIALS,
            Api.DESCRIBE_CLIENT_QUOTAS, Api.ALTER_CLIENT_QUOTAS} <= kafka


def test_errors_carry_kafkas_own_names():
    unknown = cluster_error_from_rdkafka(KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART))
    assert unknown.code == "UNKNOWN_TOPIC_OR_PARTITION"  # librdkafka says ..._PART
    assert cluster_error_from_rdkafka(KafkaError(KafkaError.TOPIC_ALREADY_EXISTS)).code == (
        "TOPIC_ALREADY_EXISTS"
    )
    timeout = cluster_error_from_rdkafka(KafkaError(KafkaError._TIMED_OUT))
    assert (timeout.code, timeout.retriable) == ("REQUEST_TIMED_OUT", True)


def test_kafka_python_gets_the_same_connection_settings():
    config = kafka_python_config({
        "security.protocol": "sasl_ssl", "sasl.mechanism": "SCRAM-SHA-256",
        "sasl.username": "u", "sasl.password": "p", "ssl.ca.location": "/ca.pem",
        "ssl.endpoint.identification.algorithm": "none", "linger.ms": "5",
    })
    assert config == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "u", "sasl_plain_password": "p", "ssl_cafile": "/ca.pem",
        "ssl_check_hostname": False,
    }
    with pytest.raises(KafkaformError, match="OAUTHBEARER needs sasl.oauthbearer.method=oidc"):
        kafka_python_config({"sasl.mechanism": "OAUTHBEARER"})


def test_an_unreachable_cluster_is_one_line_naming_servers_and_reason():
    admin = KafkaClusterAdmin("127.0.0.1:1", timeout_seconds=5)
    with pytest.raises(ClusterUnreachable) as failure:
        admin.list_topics()
    message = str(failure.value)
    assert message.startswith("could not reach bootstrap servers 127.0.0.1:1 within 5s: ")
    assert "Connection refused" in message
    assert "\n" not in message
    admin.close()


def test_bad_client_settings_never_echo_secrets():
    with pytest.raises(KafkaformError) as failure:
        KafkaClusterAdmin("127.0.0.1:1", {"sasl.password": "hunter2", "no.such.setting": "x"})
    assert "hunter2" not in str(failure.value)
    assert "no.such.setting" in str(failure.value)


def test_a_partial_config_listing_means_the_listed_keys_are_overrides():
    tansu = {"retention.ms": ConfigEntry("retention.ms", "1000", ConfigSource.DEFAULT_CONFIG)}
    assert sources_of_partial_listing(tansu)["retention.ms"].source is (
        ConfigSource.DYNAMIC_TOPIC_CONFIG
    )
    complete = {name: ConfigEntry(name, "1", ConfigSource.DEFAULT_CONFIG)
                for name in ALWAYS_LISTED_TOPIC_CONFIGS}
    assert sources_of_partial_listing(complete) == complete


def test_a_partial_listing_with_honest_sources_is_left_alone():
    # e.g. a Kafka-compatible broker listing a subset of configs with real sources
    honest = {
        "retention.ms": ConfigEntry("retention.ms", "1000", ConfigSource.DYNAMIC_TOPIC_CONFIG),
        "cleanup.policy": ConfigEntry("cleanup.policy", "delete", ConfigSource.DEFAULT_CONFIG),
    }
    assert sources_of_partial_listing(honest) == honest


def test_kafka_python_skips_certificate_verification_when_librdkafka_does():
    config = kafka_python_config({"security.protocol": "SSL",
                                  "enable.ssl.certificate.verification": "false"})
    context = config["ssl_context"]
    assert context.verify_mode is ssl.CERT_NONE
    assert context.check_hostname is False
    assert "ssl_context" not in kafka_python_config({"security.protocol": "SSL"})
    with pytest.raises(KafkaformError, match="cannot load the client certificate /no/cert.pem"):
        kafka_python_config({"enable.ssl.certificate.verification": "false",
                             "ssl.certificate.location": "/no/cert.pem"})


def _quota_reply(*entries, error_code=0):
    from kafka.protocol.admin import DescribeClientQuotasResponse as Reply

    entry = Reply.EntryData
    return Reply(throttle_time_ms=0, error_code=error_code, error_message="no" if error_code
                 else None, entries=[
                     entry(entity=[entry.EntityData(entity_type=t, entity_name=n)
                                   for t, n in parts],
                           values=[entry.ValueData(key=k, value=v) for k, v in values.items()])
                     for parts, values in entries])


def test_quota_entities_read_as_kafka_4_4_describes_them():
    """Kafka 4.4 answers a null name for a default entity and keeps a user
    literally named `<default>` apart from it (seen live); kafkaform writes
    the default as `<default>`, so that literal name and IP entities are left out."""
    reply = _quota_reply(
        ([("user", None)], {"consumer_byte_rate": 2048.0}),
        ([("client-id", None), ("user", "q1")], {"producer_byte_rate": 6000.0}),
        ([("user", "q1"), ("client-id", "c1")], {"producer_byte_rate": 4096.0}),
        ([("user", "<default>")], {"producer_byte_rate": 7000.0}),
        ([("ip", "127.0.0.2")], {"connection_creation_rate": 10.0}),
    )
    assert quotas_from_describe(reply) == {
        QuotaEntity(DEFAULT_ENTITY): {"consumer_byte_rate": 2048.0},
        QuotaEntity("q1", DEFAULT_ENTITY): {"producer_byte_rate": 6000.0},
        QuotaEntity("q1", "c1"): {"producer_byte_rate": 4096.0},
    }


def test_a_refused_quota_description_raises_kafkas_error():
    with pytest.raises(ClusterError, match="CLUSTER_AUTHORIZATION_FAILED"):
        quotas_from_describe(_quota_reply(error_code=31))


def test_a_failed_offset_lookup_while_reading_records_is_a_cluster_error(monkeypatch):
    # librdkafka raises a bare KafkaException from get_watermark_offsets (a
    # timeout, a refusal): it used to escape the adapter as a traceback.
    from confluent_kafka import KafkaException

    import kafkaform.cluster.kafka as adapter

    class Consumer:
        def __init__(self, _config):
            pass

        def get_watermark_offsets(self, _partition, timeout):
            raise KafkaException(KafkaError(KafkaError._TIMED_OUT))

        def close(self):
            pass

    monkeypatch.setattr(adapter, "Consumer", Consumer)
    admin = KafkaClusterAdmin("127.0.0.1:1", timeout_seconds=5)
    monkeypatch.setattr(admin, "_partition_ids", lambda _topic: [0])
    with pytest.raises(ClusterError) as failure:
        admin.read_records("__kafkaform_lock")
    assert failure.value.code == "REQUEST_TIMED_OUT"
    admin.close()
