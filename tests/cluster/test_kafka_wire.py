"""The Kafka adapter against a scripted Kafka-protocol server: what it sends
on the wire and how it reads Kafka's replies, for what Tansu cannot show."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator

import pytest

from kafkaform.cluster.kafka import KafkaClusterAdmin
from kafkaform.core.model import AclBinding, AclOperation, AclPermission, PatternType, ResourceType
from kafkaform.core.observed import (
    Api,
    ConfigSource,
    LogDirPartitionSize,
    ReassignmentInProgress,
    TopicPartition,
)
from kafkaform.core.requests import ConfigOp, ConfigOpType, NewTopic
from kafkaform.errors import ClusterError
from tests.cluster.fake_kafka import FakeKafka

ELECTION_NOT_NEEDED = 84
UNKNOWN_TOPIC_OR_PARTITION = 3


@pytest.fixture
def fake() -> Iterator[FakeKafka]:
    with FakeKafka() as server:
        server.topics = {"orders": [[1], [1], [1]]}
        yield server


@pytest.fixture
def admin(fake: FakeKafka) -> Iterator[KafkaClusterAdmin]:
    adapter = KafkaClusterAdmin(fake.bootstrap, timeout_seconds=5)
    yield adapter
    adapter.close()


def test_an_explicit_assignment_is_sent_without_partition_count_or_rf(fake, admin):
    fake.reply("CreateTopics", lambda r: {"topics": [
        {"name": t.name, "error_code": 0} for t in r.topics]})
    assert admin.create_topics([NewTopic("pinned", 2, 2, assignment=((1, 2), (2, 1)))]) == {
        "pinned": None}
    (sent,) = fake.requests("CreateTopics")[0].topics
    assert (sent.num_partitions, sent.replication_factor) == (-1, -1)
    assert [(a.partition_index, a.broker_ids) for a in sent.assignments] == [(0, [1, 2]),
                                                                             (1, [2, 1])]
    assert fake.requests("CreateTopics")[0].validate_only is False


def test_preferred_election_not_needed_counts_as_done(fake, admin):
    codes = {0: ELECTION_NOT_NEEDED, 1: 0, 2: UNKNOWN_TOPIC_OR_PARTITION}
    fake.reply("ElectLeaders", lambda r: {"error_code": 0, "replica_election_results": [
        {"topic": t.topic, "partition_result": [
            {"partition_id": p, "error_code": codes[p], "error_message": None}
            for p in t.partitions]}
        for t in r.topic_partitions]})
    wanted = [TopicPartition("orders", p) for p in range(3)]
    result = admin.elect_preferred_leaders(wanted)
    assert result[wanted[0]] is None and result[wanted[1]] is None
    assert result[wanted[2]].code == "UNKNOWN_TOPIC_OR_PARTITION"
    assert fake.requests("ElectLeaders")[0].election_type == 0  # PREFERRED


def _config(name: str, value: str | None, source: int, *, read_only: bool = False) -> dict:
    return {"name": name, "value": value, "read_only": read_only, "config_source": source,
            "is_sensitive": value is None, "synonyms": []}


def test_broker_configs_address_the_cluster_default_as_broker_resource_named_empty(fake, admin):
    fake.reply("DescribeConfigs", lambda r: {"results": [
        {"error_code": 0, "error_message": None, "resource_type": res.resource_type,
         "resource_name": res.resource_name,
         "configs": [_config("log.cleaner.threads", "2", 3),
                     _config("listener.name.x.password", None, 2),
                     _config("log.retention.hours", "168", 5, read_only=True)]}
        for res in r.resources]})
    described = admin.describe_broker_configs([None, 1])
    assert [(res.resource_type, res.resource_name)
            for request in fake.requests("DescribeConfigs") for res in request.resources] == [
        (4, ""), (4, "1")]
    defaults = described[None]
    assert defaults["log.cleaner.threads"].source is ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG
    assert defaults["listener.name.x.password"].value is None
    assert defaults["listener.name.x.password"].sensitive
    assert defaults["log.retention.hours"].read_only
    assert described[1]["listener.name.x.password"].source is ConfigSource.DYNAMIC_BROKER_CONFIG


def test_broker_config_changes_are_incremental_and_errors_keep_kafkas_name(fake, admin):
    fake.reply("IncrementalAlterConfigs", lambda r: {"responses": [
        {"error_code": 40 if res.resource_name else 0, "error_message": "bad value",
         "resource_type": res.resource_type, "resource_name": res.resource_name}
        for res in r.resources]})
    result = admin.alter_broker_configs({
        None: [ConfigOp("log.cleaner.threads", ConfigOpType.SET, "2")],
        1: [ConfigOp("log.cleaner.threads", ConfigOpType.DELETE)],
    })
    assert result[None] is None
    assert (result[1].code, result[1].message) == ("INVALID_CONFIG", "bad value")
    sent = [res for request in fake.requests("IncrementalAlterConfigs")
            for res in request.resources]
    assert [(res.resource_type, res.resource_name) for res in sent] == [(4, ""), (4, "1")]
    assert [(c.name, c.config_operation, c.value) for c in sent[1].configs] == [
        ("log.cleaner.threads", 1, None)]  # DELETE carries no value


def test_reassignments_list_moves_and_cancel_with_null_replicas(fake, admin):
    fake.reply("ListPartitionReassignments", lambda r: {
        "error_code": 0, "error_message": None, "topics": [{"name": "orders", "partitions": [
            {"partition_index": 0, "replicas": [1, 2, 3], "adding_replicas": [3],
             "removing_replicas": [1]}]}]})
    fake.reply("AlterPartitionReassignments", lambda r: {
        "error_code": 0, "error_message": None, "responses": [
            {"name": t.name, "partitions": [
                {"partition_index": p.partition_index,
                 "error_code": 0 if p.replicas else 85, "error_message": None}
                for p in t.partitions]} for t in r.topics]})
    assert admin.list_partition_reassignments() == {TopicPartition("orders", 0): (
        ReassignmentInProgress("orders", 0, (1, 2, 3), adding=(3,), removing=(1,)))}
    move, cancel = TopicPartition("orders", 1), TopicPartition("orders", 2)
    result = admin.alter_partition_reassignments({move: [1, 2], cancel: None})
    assert result[move] is None
    assert result[cancel].code == "NO_REASSIGNMENT_IN_PROGRESS"
    (topic,) = fake.requests("AlterPartitionReassignments")[0].topics
    assert [(p.partition_index, p.replicas) for p in topic.partitions] == [(1, [1, 2]), (2, None)]


def _listing(topics: list[tuple[str, list[tuple[int, list[int], list[int]]]]],
             error_code: int = 0) -> dict:
    return {"error_code": error_code, "error_message": None, "topics": [
        {"name": name, "partitions": [
            {"partition_index": p, "replicas": replicas, "adding_replicas": adding,
             "removing_replicas": []} for p, replicas, adding in partitions]}
        for name, partitions in topics]}


def test_reassignments_are_listed_by_one_request_and_entries_without_moves_are_not_moves(
    fake, admin
):
    fake.reply("ListPartitionReassignments", lambda r: _listing(
        [("orders", [(0, [1], []), (1, [1, 2], [2])]), ("users", [(0, [1], [])])]))
    admin.capabilities()  # connects both clients
    metadata_requests = len(fake.requests("Metadata"))
    assert admin.list_partition_reassignments() == {TopicPartition("orders", 1): (
        ReassignmentInProgress("orders", 1, (1, 2), adding=(2,), removing=()))}
    (request,) = fake.requests("ListPartitionReassignments")
    assert request.topics is None  # every topic
    # The controller is the one the bootstrap metadata named: no Metadata request
    # (a broker may list every topic in its reply).
    assert len(fake.requests("Metadata")) == metadata_requests


def test_a_listing_sent_to_a_former_controller_is_asked_again_after_fresh_metadata(fake, admin):
    not_controller = 41
    replies = iter([_listing([], not_controller), _listing([("orders", [(0, [1, 2], [2])])])])
    fake.reply("ListPartitionReassignments", lambda r: next(replies))
    assert list(admin.list_partition_reassignments()) == [TopicPartition("orders", 0)]
    assert len(fake.requests("ListPartitionReassignments")) == 2


def test_a_refused_listing_raises_kafkas_error(fake, admin):
    cluster_authorization_failed = 31
    fake.reply("ListPartitionReassignments",
               lambda r: _listing([], cluster_authorization_failed))
    with pytest.raises(ClusterError) as raised:
        admin.list_partition_reassignments()
    assert raised.value.code == "CLUSTER_AUTHORIZATION_FAILED"


def _acl(operation: int, permission: int = 3, principal: str = "User:a") -> dict:
    return {"principal": principal, "host": "*", "operation": operation,
            "permission_type": permission}


def test_acls_without_an_authorizer_are_an_error_not_an_empty_set(fake, admin):
    fake.reply("DescribeAcls", lambda r: {
        "error_code": 54, "error_message": "No Authorizer is configured.", "resources": []})
    with pytest.raises(ClusterError) as failure:
        admin.describe_acls()
    assert failure.value.code == "SECURITY_DISABLED"


def test_acls_read_every_kind_kafkaform_models_and_skip_the_rest(fake, admin):
    fake.reply("DescribeAcls", lambda r: {"error_code": 0, "error_message": None, "resources": [
        {"resource_type": 4, "resource_name": "kafka-cluster", "pattern_type": 3,
         "acls": [_acl(11), _acl(15)]},  # 15: TWO_PHASE_COMMIT, not modelled
        {"resource_type": 2, "resource_name": "orders.", "pattern_type": 4,
         "acls": [_acl(3, permission=2)]},
        {"resource_type": 6, "resource_name": "*", "pattern_type": 3, "acls": [_acl(14)]},
        {"resource_type": 7, "resource_name": "bob", "pattern_type": 3, "acls": [_acl(13)]},
    ]})
    assert admin.describe_acls() == {
        AclBinding("User:a", ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL,
                   AclOperation.ALTER_CONFIGS),
        AclBinding("User:a", ResourceType.TOPIC, "orders.", PatternType.PREFIXED,
                   AclOperation.READ, AclPermission.DENY),
        AclBinding("User:a", ResourceType.DELEGATION_TOKEN, "*", PatternType.LITERAL,
                   AclOperation.DESCRIBE_TOKENS),
    }
    (request,) = fake.requests("DescribeAcls")
    assert (request.resource_type_filter, request.pattern_type_filter, request.operation,
            request.permission_type, request.principal_filter) == (1, 1, 1, 1, None)


def test_a_binding_librdkafka_cannot_express_fails_alone(fake, admin):
    fake.reply("CreateAcls", lambda r: {"results": [
        {"error_code": 0, "error_message": None} for _ in r.creations]})
    fake.reply("DeleteAcls", lambda r: {"filter_results": [
        {"error_code": 0, "error_message": None, "matching_acls": []} for _ in r.filters]})
    topic = AclBinding("User:a", ResourceType.TOPIC, "orders", PatternType.LITERAL,
                       AclOperation.READ)
    token = AclBinding("User:a", ResourceType.DELEGATION_TOKEN, "*", PatternType.LITERAL,
                       AclOperation.DESCRIBE_TOKENS)
    for call, api in ((admin.create_acls, "CreateAcls"), (admin.delete_acls, "DeleteAcls")):
        result = call([topic, token])
        assert result[topic] is None
        assert result[token].code == "INVALID_REQUEST"
        (request,) = fake.requests(api)
        sent = request.creations if api == "CreateAcls" else request.filters
        assert len(sent) == 1


def test_acl_changes_over_kraft_s_record_limit_go_in_bounded_requests(fake, admin):
    # A KRaft controller refuses one CreateAcls of more than 10,000 new bindings
    # (POLICY_VIOLATION for every one) and a DeleteAcls removing more than 10,000.
    fake.reply("CreateAcls", lambda r: {"results": [
        {"error_code": 0, "error_message": None} for _ in r.creations]})
    fake.reply("DeleteAcls", lambda r: {"filter_results": [
        {"error_code": 0, "error_message": None, "matching_acls": []} for _ in r.filters]})
    bindings = [AclBinding(f"User:u{i}", ResourceType.TOPIC, "orders", PatternType.LITERAL,
                           AclOperation.READ) for i in range(25_000)]
    for call, api in ((admin.create_acls, "CreateAcls"), (admin.delete_acls, "DeleteAcls")):
        assert set(call(bindings).values()) == {None}
        requests = fake.requests(api)
        sent = [r.creations if api == "CreateAcls" else r.filters for r in requests]
        assert sorted(len(s) for s in sent) == [5000, 10_000, 10_000]
        principals = {getattr(a, "principal", None) or a.principal_filter for s in sent for a in s}
        assert principals == {b.principal for b in bindings}


def test_topic_configs_of_a_large_cluster_go_in_bounded_requests(fake, admin):
    fake.reply("DescribeConfigs", lambda r: {"results": [
        {"error_code": 0, "error_message": None, "resource_type": res.resource_type,
         "resource_name": res.resource_name,
         "configs": [_config("retention.ms", res.resource_name[1:], 1)]}
        for res in r.resources]})
    names = [f"t{i}" for i in range(2500)]
    configs = admin.describe_topic_configs(names)
    assert {name: c["retention.ms"].value for name, c in configs.items()} == {
        name: name[1:] for name in names}
    sizes = sorted(len(r.resources) for r in fake.requests("DescribeConfigs"))
    assert sizes == [500, 1000, 1000]


def test_topics_listing_the_same_config_share_one_entry(fake, admin):
    # 10,000 topics list 380,000 entries, nearly all the same defaults: one
    # object each per distinct entry keeps observe's time and memory small.
    fake.reply("DescribeConfigs", lambda r: {"results": [
        {"error_code": 0, "error_message": None, "resource_type": res.resource_type,
         "resource_name": res.resource_name,
         "configs": [_config("retention.ms", "1000", 5),
                     _config("segment.ms", res.resource_name, 1)]}
        for res in r.resources]})
    configs = admin.describe_topic_configs(["a", "b"])
    assert configs["a"]["retention.ms"] is configs["b"]["retention.ms"]
    assert configs["a"]["retention.ms"].source is ConfigSource.DEFAULT_CONFIG
    assert (configs["a"]["segment.ms"].value, configs["b"]["segment.ms"].value) == ("a", "b")
    assert configs["b"]["segment.ms"].source is ConfigSource.DYNAMIC_TOPIC_CONFIG


def _live_librdkafka_config_entries() -> int:
    from confluent_kafka.admin import ConfigEntry as RdConfigEntry

    return sum(isinstance(o, RdConfigEntry) for o in gc.get_objects())


def test_each_topic_config_reply_is_decoded_and_dropped_before_the_next_arrives(fake, admin):
    # At 10,000 topics, confluent's objects of every DescribeConfigs reply
    # alive together were most of a no-op plan's peak memory. The fake holds
    # its second reply until the first one's objects have come and gone (or 2 s).
    alive_when_answering: list[int] = []

    def answer(request):
        if fake.requests("DescribeConfigs")[0] is not request:
            seen, deadline = False, time.monotonic() + 2
            while time.monotonic() < deadline:
                alive = _live_librdkafka_config_entries()
                if seen and not alive:
                    break
                seen = seen or alive > 0
                time.sleep(0.02)
            alive_when_answering.append(_live_librdkafka_config_entries())
        return {"results": [
            {"error_code": 0, "error_message": None, "resource_type": res.resource_type,
             "resource_name": res.resource_name,
             "configs": [_config("retention.ms", "1000", 5), _config("segment.ms", "1", 1)]}
            for res in request.resources]}

    fake.reply("DescribeConfigs", answer)
    names = [f"t{i}" for i in range(1001)]  # two requests: 1,000 topics and 1
    configs = admin.describe_topic_configs(names)
    assert alive_when_answering == [0]
    assert len(configs) == 1001
    assert configs["t1000"]["segment.ms"].source is ConfigSource.DYNAMIC_TOPIC_CONFIG


def _log_dirs(error_code: int = 0) -> dict:
    partition = {"partition_index": 0, "partition_size": 1234, "offset_lag": 0}
    return {"error_code": error_code, "results": [] if error_code else [
        {"error_code": 0, "log_dir": "/data", "total_bytes": 1, "usable_bytes": 1, "topics": [
            {"name": "orders", "partitions": [{**partition, "is_future_key": False},
                                              {**partition, "is_future_key": True}]}]},
        {"error_code": 56, "log_dir": "/broken", "topics": []},  # KAFKA_STORAGE_ERROR
    ]}


def test_log_dir_sizes_for_all_topics_of_every_broker(fake, admin):
    fake.reply("DescribeLogDirs", lambda r: _log_dirs())
    assert admin.describe_log_dirs() == [LogDirPartitionSize(1, "orders", 0, 1234)]
    assert fake.requests("DescribeLogDirs")[0].topics is None  # null: every topic


def test_log_dirs_refused_are_an_error_not_zero_bytes(fake, admin):
    fake.reply("DescribeLogDirs", lambda r: _log_dirs(error_code=31))
    with pytest.raises(ClusterError) as failure:
        admin.describe_log_dirs()
    assert failure.value.code == "CLUSTER_AUTHORIZATION_FAILED"


def test_a_broker_config_description_refused_keeps_the_brokers_reason(fake, admin):
    fake.reply("DescribeConfigs", lambda r: {"results": [
        {"error_code": 31, "error_message": "denied", "resource_type": 4,
         "resource_name": res.resource_name, "configs": []} for res in r.resources]})
    with pytest.raises(ClusterError) as failure:
        admin.describe_broker_configs([None])
    assert (failure.value.code, failure.value.message) == (
        "CLUSTER_AUTHORIZATION_FAILED",
        "denied (reading broker configs needs DESCRIBE_CONFIGS on the cluster)")


def test_config_sources_of_other_resource_kinds_read_as_unknown(fake, admin):
    fake.reply("DescribeConfigs", lambda r: {"results": [
        {"error_code": 0, "error_message": None, "resource_type": 2, "resource_name": "orders",
         "configs": [_config("retention.ms", "1", 1), _config("x.logger", "1", 6)]}]})
    configs = admin.describe_topic_configs(["orders"])["orders"]
    assert configs["retention.ms"].source is ConfigSource.DYNAMIC_TOPIC_CONFIG
    assert configs["x.logger"].source is ConfigSource.UNKNOWN


def test_api_keys_newer_than_the_clients_are_ignored(fake, admin):
    """Kafka 4.4 advertises API keys kafka-python 3.0 has no name for; its
    `api_versions()` raised ValueError on them, failing every command."""
    fake.extra_api_keys = {93, 94}
    assert Api.DESCRIBE_CONFIGS not in admin.capabilities()  # not scripted here
