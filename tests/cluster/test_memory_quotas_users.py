"""The in-memory cluster's client quotas and SCRAM credentials follow Kafka 4.4.

The messages below are what Apache Kafka 4.4.0's controller answered
(ClientQuotaControlManager, ScramControlManager) when kafkaform was taught
these rules; tests/live/test_kafka_quotas_users.py checks the Kafka adapter
against the real thing.
"""

from __future__ import annotations

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.model import DEFAULT_ENTITY, QuotaEntity, ScramMechanism
from kafkaform.core.observed import Api
from kafkaform.core.requests import ScramDeletion, ScramUpsertion, scram_rounds
from kafkaform.errors import UnsupportedApi

SHA256, SHA512 = ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512


@pytest.mark.parametrize(("values", "message"), [
    ({"producer_byte_rate": 1.5}, "producer_byte_rate cannot be a fractional value."),
    ({"consumer_byte_rate": 0.0}, "Quota consumer_byte_rate must be greater than 0"),
    ({"request_percentage": -1.0}, "Quota request_percentage must be greater than 0"),
    ({"producer_byte_rate": 1e30},
     "Proposed value for producer_byte_rate is too large for a LONG."),
    ({"bogus": 1.0}, "Invalid configuration key bogus"),
    ({"connection_creation_rate": 1.0}, "Invalid configuration key connection_creation_rate"),
])
def test_quota_values_kafka_refuses(values, message):
    cluster = MemoryCluster()
    error = cluster.alter_client_quotas({QuotaEntity("u"): values})[QuotaEntity("u")]
    assert (error.code, error.message) == ("INVALID_REQUEST", message)
    assert cluster.describe_client_quotas() == {}


def test_quotas_are_set_per_entity_and_an_entity_without_keys_disappears():
    cluster = MemoryCluster()
    default_user, pair = QuotaEntity(DEFAULT_ENTITY), QuotaEntity("u", DEFAULT_ENTITY)
    results = cluster.alter_client_quotas({
        default_user: {"consumer_byte_rate": 2048.0},
        pair: {"producer_byte_rate": 6000.0, "request_percentage": 500.0},  # no upper bound
        QuotaEntity("x"): {"producer_byte_rate": 0.5},
        QuotaEntity(""): {"producer_byte_rate": 1.0},
    })
    assert results[default_user] is None and results[pair] is None
    assert results[QuotaEntity("")].message == "Empty user not supported"
    assert cluster.describe_client_quotas() == {
        default_user: {"consumer_byte_rate": 2048.0},
        pair: {"producer_byte_rate": 6000.0, "request_percentage": 500.0}}
    # Removing a key that is not set is fine, as in Kafka; the last key takes the entity.
    cluster.alter_client_quotas({pair: {"producer_byte_rate": None, "request_percentage": None,
                                        "consumer_byte_rate": None}})
    assert pair not in cluster.describe_client_quotas()


def test_upserted_credentials_authenticate_with_their_password_only():
    cluster = MemoryCluster()
    results = cluster.alter_scram_credentials([
        ScramUpsertion("svc", SHA512, 8192, "secret-1"),
        ScramUpsertion("svc", SHA256, 4096, "secret-1"),
    ])
    assert set(results.values()) == {None}
    assert cluster.describe_scram_credentials() == {"svc": {SHA512: 8192, SHA256: 4096}}
    assert cluster.authenticates("svc", SHA512, "secret-1")
    assert not cluster.authenticates("svc", SHA512, "secret-2")
    cluster.alter_scram_credentials([ScramUpsertion("svc", SHA512, 8192, "secret-2")])
    assert cluster.authenticates("svc", SHA512, "secret-2")
    assert not cluster.authenticates("svc", SHA512, "secret-1")


@pytest.mark.parametrize(("alteration", "code", "message"), [
    (ScramUpsertion("u", SHA256, 4095, "p"), "UNACCEPTABLE_CREDENTIAL", "Too few iterations"),
    (ScramUpsertion("u", SHA256, 16385, "p"), "UNACCEPTABLE_CREDENTIAL", "Too many iterations"),
    (ScramUpsertion("", SHA256, 4096, "p"), "UNACCEPTABLE_CREDENTIAL",
     "Username must not be empty"),
    (ScramDeletion("nobody", SHA256), "RESOURCE_NOT_FOUND",
     "Attempt to delete a user credential that does not exist"),
])
def test_credentials_kafka_refuses(alteration, code, message):
    error = MemoryCluster().alter_scram_credentials([alteration])[(alteration.user,
                                                                   alteration.mechanism)]
    assert (error.code, error.message) == (code, message)


def test_a_user_altered_twice_in_one_request_fails_as_kafka_does():
    cluster = MemoryCluster()
    results = cluster._alter_scram_request([ScramUpsertion("u", SHA256, 4096, "p"),
                                            ScramUpsertion("u", SHA512, 4096, "p")])
    assert {e.code for e in results.values()} == {"DUPLICATE_RESOURCE"}
    assert cluster.describe_scram_credentials() == {}


def test_rounds_carry_each_user_at_most_once():
    alterations = [ScramUpsertion("a", SHA256, 4096, "p"), ScramUpsertion("a", SHA512, 4096, "p"),
                   ScramDeletion("b", SHA256), ScramUpsertion("c", SHA512, 4096, "p")]
    rounds = scram_rounds(alterations)
    assert [[(x.user, x.mechanism) for x in r] for r in rounds] == [
        [("a", SHA256), ("b", SHA256), ("c", SHA512)], [("a", SHA512)]]


def test_deleting_the_last_credential_removes_the_user():
    cluster = MemoryCluster()
    cluster.set_scram_credential("u", SHA256, 4096, "p")
    assert cluster.alter_scram_credentials([ScramDeletion("u", SHA256)]) == {("u", SHA256): None}
    assert cluster.describe_scram_credentials() == {}


def test_a_password_never_shows_in_a_repr():
    assert "hunter2" not in repr(ScramUpsertion("u", SHA256, 4096, "hunter2"))


def test_a_cluster_without_the_apis_refuses_the_calls():
    cluster = MemoryCluster(capabilities=frozenset(Api) - {Api.DESCRIBE_CLIENT_QUOTAS,
                                                           Api.ALTER_USER_SCRAM_CREDENTIALS})
    with pytest.raises(UnsupportedApi, match="DescribeClientQuotas"):
        cluster.describe_client_quotas()
    with pytest.raises(UnsupportedApi, match="AlterUserScramCredentials"):
        cluster.alter_scram_credentials([ScramDeletion("u", SHA256)])
