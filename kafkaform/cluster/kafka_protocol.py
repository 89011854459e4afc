"""The kafka-python half of the Kafka adapter: what librdkafka cannot do.

- ApiVersions (capability detection): librdkafka does not expose it;
- List/AlterPartitionReassignments and DescribeLogDirs: not in confluent-kafka
  (log dirs as a raw request: kafka-python's own call ignores the top-level error);
- DescribeAcls: librdkafka drops the response's top-level error
  (SECURITY_DISABLED, CLUSTER_AUTHORIZATION_FAILED would read as "no ACLs");
- broker configs: librdkafka refuses the cluster-wide default resource (the
  BROKER resource named ""), and so does kafka-python's public API, so broker
  configs are raw DescribeConfigs / IncrementalAlterConfigs requests;
- client quotas: neither client has a call for them, so they are raw
  DescribeClientQuotas / AlterClientQuotas requests.

`KafkaClusterAdmin` (kafka.py) checks capabilities and reachability, then
delegates here. Every kafka-python error ends as a `ClusterError` named
after Kafka's error code, or a one-line `KafkaformError` when connecting fails.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import kafka.errors as kafka_errors
from kafka.admin import KafkaAdminClient
from kafka.protocol.admin import (
    AlterClientQuotasRequest,
    DescribeAclsRequest,
    DescribeClientQuotasRequest,
    DescribeConfigsRequest,
    DescribeLogDirsRequest,
    IncrementalAlterConfigsRequest,
    ListPartitionReassignmentsRequest,
)
from kafka.protocol.api_key import ApiKey
from kafka.structs import TopicPartition as KpTopicPartition

from kafkaform.core.model import (
    DEFAULT_ENTITY,
    AclBinding,
    AclOperation,
    AclPermission,
    PatternType,
    QuotaEntity,
    ResourceType,
)
from kafkaform.core.observed import (
    ConfigEntry,
    ConfigSource,
    LogDirPartitionSize,
    ReassignmentInProgress,
    TopicPartition,
)
from kafkaform.core.requests import ConfigOp, ConfigOpType
from kafkaform.errors import ClusterError, KafkaformError, OutcomeUnknown

# kafka-python logs through `logging`; without a handler Python's last-resort
# handler would print its warnings on stderr.
logging.getLogger("kafka").addHandler(logging.NullHandler())

_BROKER_RESOURCE = 4  # Kafka's ConfigResource type BROKER


# --- client configuration -----------------------------------------------------

_KAFKA_PYTHON_KEYS = {
    "security.protocol": "security_protocol",
    "sasl.mechanism": "sasl_mechanism",
    "sasl.mechanisms": "sasl_mechanism",
    "sasl.username": "sasl_plain_username",
    "sasl.password": "sasl_plain_password",
    "sasl.kerberos.service.name": "sasl_kerberos_service_name",
    "ssl.ca.location": "ssl_cafile",
    "ssl.certificate.location": "ssl_certfile",
    "ssl.key.location": "ssl_keyfile",
    "ssl.key.password": "ssl_password",
    "ssl.crl.location": "ssl_crlfile",
    "client.id": "client_id",
}


def kafka_python_config(client: Mapping[str, str]) -> dict[str, Any]:
    """kafka-python's settings for the same connection as librdkafka's `client`."""
    config: dict[str, Any] = {
        _KAFKA_PYTHON_KEYS[key]: value for key, value in client.items() if key in _KAFKA_PYTHON_KEYS
    }
    if "security_protocol" in config:
        config["security_protocol"] = config["security_protocol"].upper()
    if client.get("ssl.endpoint.identification.algorithm", "https").lower() == "none":
        config["ssl_check_hostname"] = False
    if client.get("enable.ssl.certificate.verification", "true").lower() == "false":
        config["ssl_context"] = _unverified_ssl_context(config)
    if config.get("sasl_mechanism", "").upper() == "OAUTHBEARER":
        config["sasl_oauth_token_provider"] = _oidc_token_provider(client)
    return config


def _unverified_ssl_context(config: Mapping[str, Any]) -> ssl.SSLContext:
    """librdkafka's enable.ssl.certificate.verification=false for kafka-python,
    which can only express it as a ready-made context (its ssl_* settings
    always verify the broker's certificate)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if config.get("ssl_certfile"):
        try:
            context.load_cert_chain(
                config["ssl_certfile"], config.get("ssl_keyfile"), config.get("ssl_password")
            )
        except (OSError, ssl.SSLError) as error:
            raise KafkaformError(
                f"cannot load the client certificate {config['ssl_certfile']}: "
                f"{error.strerror or error}"
            ) from None
    return context


def _oidc_token_provider(client: Mapping[str, str]) -> Any:
    """kafka-python's OAUTHBEARER needs a token provider: OIDC client credentials."""
    from kafka.net.sasl.oauth import AbstractTokenProvider

    url = client.get("sasl.oauthbearer.token.endpoint.url")
    if client.get("sasl.oauthbearer.method", "").lower() != "oidc" or not url:
        raise KafkaformError(
            "SASL OAUTHBEARER needs sasl.oauthbearer.method=oidc with "
            "sasl.oauthbearer.token.endpoint.url, client.id and client.secret"
        )

    class OidcClientCredentials(AbstractTokenProvider):
        def token(self) -> str:
            import json
            import urllib.parse
            import urllib.request

            form = {
                "grant_type": "client_credentials",
                "client_id": client.get("sasl.oauthbearer.client.id", ""),
                "client_secret": client.get("sasl.oauthbearer.client.secret", ""),
            }
            if client.get("sasl.oauthbearer.scope"):
                form["scope"] = client["sasl.oauthbearer.scope"]
            body = urllib.parse.urlencode(form).encode()
            with urllib.request.urlopen(url, data=body, timeout=30) as reply:  # noqa: S310
                return json.load(reply)["access_token"]

    return OidcClientCredentials()


def redact(text: str, client: Mapping[str, str]) -> str:
    """`text` with every secret-looking client setting's value masked."""
    for key, value in client.items():
        if value and any(s in key for s in ("password", "secret", "jaas", "token")):
            text = text.replace(value, "***")
    return text


# --- errors and conversions ---------------------------------------------------


def cluster_error_from_kafka_python(error: Any) -> ClusterError:
    """A kafka-python error class or instance as a ClusterError."""
    message = str(error) if isinstance(error, BaseException) else ""
    return ClusterError(
        error.message, message if message and message != error.message else "",
        retriable=bool(error.retriable),
    )


def cluster_error_from_code(code: int, message: str | None) -> ClusterError:
    """Kafka's error code (and the broker's message, if any) as a ClusterError."""
    error = kafka_errors.for_code(code)
    return ClusterError(error.message, message or "", retriable=bool(error.retriable))


_CONFIG_SOURCES = {
    1: ConfigSource.DYNAMIC_TOPIC_CONFIG, 2: ConfigSource.DYNAMIC_BROKER_CONFIG,
    3: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, 4: ConfigSource.STATIC_BROKER_CONFIG,
    5: ConfigSource.DEFAULT_CONFIG,
}


def config_source_from_code(code: int) -> ConfigSource:
    """DescribeConfigs' ConfigSource code; the sources of other resource kinds
    (broker logger, client metrics, group) and unknown codes are UNKNOWN."""
    return _CONFIG_SOURCES.get(code, ConfigSource.UNKNOWN)


def config_entry_from_describe(config: dict[str, Any]) -> ConfigEntry:
    """A DescribeConfigs entry decoded by kafka-python (any response version)."""
    if "config_source" in config and config["config_source"] is not None:
        source = config_source_from_code(config["config_source"])
    elif config.get("is_default"):
        source = ConfigSource.DEFAULT_CONFIG
    else:
        source = ConfigSource.UNKNOWN
    return ConfigEntry(
        name=config["name"],
        value=config.get("value"),
        source=source,
        sensitive=bool(config.get("is_sensitive")),
        read_only=bool(config.get("read_only")),
    )


# Kafka's wire codes (ResourceType, PatternType, AclOperation, AclPermissionType)
# for what kafkaform models; ANY (1) and MATCH (2) only occur in filters.
_ACL_RESOURCE_TYPES = {
    2: ResourceType.TOPIC, 3: ResourceType.GROUP, 4: ResourceType.CLUSTER,
    5: ResourceType.TRANSACTIONAL_ID, 6: ResourceType.DELEGATION_TOKEN,
}
_ACL_PATTERN_TYPES = {3: PatternType.LITERAL, 4: PatternType.PREFIXED}
_ACL_OPERATIONS = {
    2: AclOperation.ALL, 3: AclOperation.READ, 4: AclOperation.WRITE, 5: AclOperation.CREATE,
    6: AclOperation.DELETE, 7: AclOperation.ALTER, 8: AclOperation.DESCRIBE,
    9: AclOperation.CLUSTER_ACTION, 10: AclOperation.DESCRIBE_CONFIGS,
    11: AclOperation.ALTER_CONFIGS, 12: AclOperation.IDEMPOTENT_WRITE,
    13: AclOperation.CREATE_TOKENS, 14: AclOperation.DESCRIBE_TOKENS,
}
_ACL_PERMISSIONS = {2: AclPermission.DENY, 3: AclPermission.ALLOW}
_ANY = 1


def bindings_from_describe_acls(response: Any) -> frozenset[AclBinding]:
    """The bindings in a DescribeAcls response; kinds kafkaform does not model
    (e.g. USER resources) are left out. The top-level error raises."""
    if response.error_code:
        raise cluster_error_from_code(response.error_code, response.error_message)
    bindings = set()
    for resource in response.resources:
        resource_type = _ACL_RESOURCE_TYPES.get(resource.resource_type)
        # A v0 response has no pattern type; the schema's default is LITERAL.
        pattern_type = _ACL_PATTERN_TYPES.get(resource.pattern_type)
        for acl in resource.acls:
            operation = _ACL_OPERATIONS.get(acl.operation)
            permission = _ACL_PERMISSIONS.get(acl.permission_type)
            if None in (resource_type, pattern_type, operation, permission):
                continue
            bindings.add(AclBinding(
                acl.principal, resource_type, resource.resource_name, pattern_type,
                operation, permission, acl.host,
            ))
    return frozenset(bindings)


# ClientQuotaEntity's entity types; a null name is the type's default entity.
_USER, _CLIENT_ID = "user", "client-id"


def quota_entity(parts: Sequence[Any]) -> QuotaEntity | None:
    """The QuotaEntity of a response's entity data; None for what kafkaform does
    not manage: IP entities, and a user or client id literally named
    `<default>` (Kafka 4 keeps it apart from the default, which kafkaform
    writes that way)."""
    names: dict[str, str | None] = {}
    for part in parts:
        if part.entity_type not in (_USER, _CLIENT_ID) or part.entity_name == DEFAULT_ENTITY:
            return None
        names[part.entity_type] = DEFAULT_ENTITY if part.entity_name is None else part.entity_name
    if not names:
        return None
    return QuotaEntity(names.get(_USER), names.get(_CLIENT_ID))


def _entity_data(entity: QuotaEntity) -> list[tuple[str, str | None]]:
    return [(kind, None if name == DEFAULT_ENTITY else name)
            for kind, name in ((_USER, entity.user), (_CLIENT_ID, entity.client_id))
            if name is not None]


def quotas_from_describe(response: Any) -> dict[QuotaEntity, dict[str, float]]:
    """The user and client-id quotas of a DescribeClientQuotas response."""
    if response.error_code:
        raise cluster_error_from_code(response.error_code, response.error_message)
    quotas = {}
    for entry in response.entries or ():
        entity = quota_entity(entry.entity)
        if entity is not None:
            quotas[entity] = {value.key: float(value.value) for value in entry.values}
    return quotas


def partition_sizes(broker: int, response: Any) -> list[LogDirPartitionSize]:
    """The sizes in one broker's DescribeLogDirs response; a replica still
    being copied to another directory of the broker (future) is not counted
    twice, and an offline directory lists nothing."""
    if response.error_code:  # v3+: e.g. CLUSTER_AUTHORIZATION_FAILED, no results
        raise cluster_error_from_code(response.error_code, None)
    return [
        LogDirPartitionSize(broker, topic.name, partition.partition_index,
                            partition.partition_size)
        for log_dir in response.results
        if not log_dir.error_code
        for topic in log_dir.topics
        for partition in topic.partitions
        if not partition.is_future_key
    ]


def reassignments_from_listing(response: Any) -> dict[TopicPartition, ReassignmentInProgress]:
    """The moves in a ListPartitionReassignments response. Entries with nothing
    adding or removing are not moves (Tansu lists every partition that way)."""
    if response.error_code:
        raise cluster_error_from_code(response.error_code, response.error_message)
    return {
        TopicPartition(topic.name, partition.partition_index): ReassignmentInProgress(
            topic=topic.name,
            partition=partition.partition_index,
            replicas=tuple(partition.replicas),
            adding=tuple(partition.adding_replicas),
            removing=tuple(partition.removing_replicas),
        )
        for topic in response.topics
        for partition in topic.partitions
        if partition.adding_replicas or partition.removing_replicas
    }


# --- the client ---------------------------------------------------------------


class ProtocolClient:
    """kafka-python's admin client, bounded by kafkaform's timeout."""

    def __init__(self, bootstrap: str, client: Mapping[str, str], timeout: float) -> None:
        """Connects; raises KafkaTimeoutError when no bootstrap broker answers."""
        self.timeout_ms = int(timeout * 1000)
        try:
            self._admin = KafkaAdminClient(
                bootstrap_servers=bootstrap.split(","),
                request_timeout_ms=self.timeout_ms,
                bootstrap_timeout_ms=self.timeout_ms,
                **{"client_id": "kafkaform", **kafka_python_config(client)},
            )
        except kafka_errors.KafkaTimeoutError:
            raise
        except kafka_errors.KafkaError as error:
            raise KafkaformError(f"cannot connect to {bootstrap}: {redact(str(error), client)}") \
                from None

    def api_names(self) -> list[str]:
        """The APIs the bootstrap broker advertises in ApiVersions that
        kafka-python knows by name. Read from the raw version table: kafka-python
        3.0's `api_versions()` raises ValueError on any key newer than itself,
        and Kafka 4.4 advertises such keys (93 and up)."""
        advertised = self._admin._manager.broker_version_data.api_versions
        known = {int(key) for key in ApiKey}
        return [ApiKey(key).name for key in advertised if key in known]

    def _run(self, call: Callable[..., Any], *args: Any) -> Any:
        """The call's result; a Kafka error the broker answered with is a
        ClusterError, no answer (timeout, broken connection) `OutcomeUnknown`."""
        try:
            return call(*args)
        except kafka_errors.KafkaTimeoutError:
            raise OutcomeUnknown(f"timed out after {self.timeout_ms / 1000:g}s") from None
        except kafka_errors.BrokerResponseError as error:
            raise cluster_error_from_kafka_python(error) from None
        except kafka_errors.KafkaError as error:
            raise OutcomeUnknown(f"connection failed: {error}") from None

    def _send(self, request: Any, node_id: int | None = None) -> Any:
        """Send one protocol request and wait for the reply (None: any broker)."""
        return self._send_all([(request, node_id)])[0]

    def _send_all(self, requests: Sequence[tuple[Any, int | None]]) -> list[Any]:
        """Send every (request, broker) before waiting for any reply: one round
        trip for all, and the connections to several brokers made together.

        With `_controller` and `api_names` the only uses of kafka-python's private `_manager`:
        3.0 has no public raw send, and its public config API cannot address
        the cluster-default broker resource "" (it parses every BROKER name as
        an int).
        """
        manager = self._admin._manager
        timeout_ms = self.timeout_ms

        async def send_all() -> list[Any]:
            sent = [manager.send(request, node_id=node_id, request_timeout_ms=timeout_ms)
                    for request, node_id in requests]
            return [await manager.wait_for(future, timeout_ms) for future in sent]

        return self._run(manager.run, send_all)

    def _controller(self, *, refresh: bool = False) -> int | None:
        """The controller named by the client's cluster metadata (None: unknown).

        The metadata is the bootstrap's, or fresh with `refresh`: kafka-python's
        own controller calls ask again every time with a Metadata request, and a
        broker that lists every topic in it (Tansu: 10,000 topics, 0.4 s to
        decode) makes that the slowest part of reading a cluster.
        """
        cluster = self._admin._manager.cluster
        if refresh:
            self._run(self._admin._manager.run, cluster.refresh_metadata)
        return cluster.controller.node_id if cluster.controller is not None else None

    # --- broker configs -------------------------------------------------------
    def describe_broker_configs(
        self, broker_ids: Sequence[int | None]
    ) -> dict[int | None, dict[str, ConfigEntry]]:
        # A broker's own configs are only served by that broker.
        replies = self._send_all([
            (DescribeConfigsRequest(
                resources=[(_BROKER_RESOURCE, "" if broker is None else str(broker), None)],
                include_synonyms=False), broker)
            for broker in broker_ids])
        configs: dict[int | None, dict[str, ConfigEntry]] = {}
        for broker, response in zip(broker_ids, replies, strict=True):
            for result in response.results:
                if result.error_code:
                    raise cluster_error_from_code(result.error_code, result.error_message)
                configs[broker] = {
                    c.name: config_entry_from_describe(c.to_dict()) for c in result.configs
                }
        return configs

    def alter_broker_configs(
        self, changes: Mapping[int | None, Sequence[ConfigOp]]
    ) -> dict[int | None, ClusterError | None]:
        results: dict[int | None, ClusterError | None] = {}
        for broker, ops in changes.items():
            request = IncrementalAlterConfigsRequest(
                resources=[
                    (
                        _BROKER_RESOURCE,
                        "" if broker is None else str(broker),
                        [(op.name, 1 if op.op is ConfigOpType.DELETE else 0, op.value)
                         for op in ops],
                    )
                ],
                validate_only=False,
            )
            response = self._send(request, node_id=broker)
            for reply in response.responses:
                results[broker] = (
                    cluster_error_from_code(reply.error_code, reply.error_message)
                    if reply.error_code
                    else None
                )
        return results

    # --- client quotas --------------------------------------------------------
    def describe_client_quotas(self) -> dict[QuotaEntity, dict[str, float]]:
        """No filter components, not strict: every entity (any broker answers)."""
        return quotas_from_describe(self._send(DescribeClientQuotasRequest(
            components=[], strict=False)))

    def alter_client_quotas(
        self, changes: Mapping[QuotaEntity, Mapping[str, float | None]]
    ) -> dict[QuotaEntity, ClusterError | None]:
        entry = AlterClientQuotasRequest.EntryData
        request = AlterClientQuotasRequest(
            entries=[
                entry(
                    entity=[entry.EntityData(entity_type=kind, entity_name=name)
                            for kind, name in _entity_data(entity)],
                    ops=[entry.OpData(key=key, value=0.0 if value is None else float(value),
                                      remove=value is None)
                         for key, value in values.items()],
                )
                for entity, values in changes.items()
            ],
            validate_only=False,
        )
        response = self._send(request)
        results: dict[QuotaEntity, ClusterError | None] = dict.fromkeys(
            changes, ClusterError("UNKNOWN_SERVER_ERROR", "no result for this entity"))
        for reply in response.entries:
            entity = quota_entity(reply.entity)
            if entity in results:
                results[entity] = (cluster_error_from_code(reply.error_code, reply.error_message)
                                   if reply.error_code else None)
        return results

    # --- ACLs -------------------------------------------------------------------
    def describe_acls(self) -> frozenset[AclBinding]:
        everything = DescribeAclsRequest(
            resource_type_filter=_ANY, resource_name_filter=None, pattern_type_filter=_ANY,
            principal_filter=None, host_filter=None, operation=_ANY, permission_type=_ANY,
        )
        return bindings_from_describe_acls(self._send(everything))

    # --- reassignments and log dirs -------------------------------------------
    def list_partition_reassignments(self) -> dict[TopicPartition, ReassignmentInProgress]:
        """Moves in progress, asked of the controller (raw, see `_controller`);
        when the controller has moved since the metadata was read, asked again
        of the new one."""
        everything = ListPartitionReassignmentsRequest(timeout_ms=self.timeout_ms, topics=None)
        response = self._send(everything, node_id=self._controller())
        if response.error_code == kafka_errors.NotControllerError.errno:
            response = self._send(everything, node_id=self._controller(refresh=True))
        return reassignments_from_listing(response)

    def alter_partition_reassignments(
        self, targets: Mapping[TopicPartition, Sequence[int] | None]
    ) -> dict[TopicPartition, ClusterError | None]:
        request = {
            KpTopicPartition(tp.topic, tp.partition): (None if r is None else list(r))
            for tp, r in targets.items()
        }
        replies = self._run(self._admin.alter_partition_reassignments, request, self.timeout_ms)
        results: dict[TopicPartition, ClusterError | None] = {}
        for tp in targets:
            error = replies.get(KpTopicPartition(tp.topic, tp.partition), "missing")
            if error == "missing":
                results[tp] = ClusterError("UNKNOWN_SERVER_ERROR", "no result for partition")
            else:
                results[tp] = None if error is None else cluster_error_from_kafka_python(error)
        return results

    def describe_log_dirs(self, broker_ids: Sequence[int]) -> list[LogDirPartitionSize]:
        """Every partition's size on each broker (raw: kafka-python's own
        describe_log_dirs ignores the response's top-level error)."""
        # A request object each: kafka-python stamps its header when sending.
        replies = self._send_all([(DescribeLogDirsRequest(topics=None), broker)
                                  for broker in broker_ids])
        return [size for broker, response in zip(broker_ids, replies, strict=True)
                for size in partition_sizes(broker, response)]

    def close(self) -> None:
        self._admin.close()
