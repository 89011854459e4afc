"""The Kafka adapter: `ClusterAdmin` over a real Kafka-protocol cluster.

confluent-kafka's AdminClient does almost everything; kafka-python does what
librdkafka cannot or gets wrong (`kafka_protocol.py`: ApiVersions,
reassignments, log dirs, broker configs, reading ACLs, client quotas).

Capability detection: `capabilities()` is the set of admin APIs the bootstrap
broker advertises in ApiVersions, and every method checks it before sending
(librdkafka aborts the process on some malformed replies). One rule on top:
CreateAcls counts only when DeleteAcls is advertised too. Apache Kafka added
both in 0.11 together, so a broker advertising CreateAcls alone implements
ACLs only partly; Tansu is such a broker and its CreateAcls reply makes
librdkafka abort. And another: the SCRAM APIs count only when the client-quota
APIs are advertised too. Apache Kafka added DescribeClientQuotas in 2.6
(KIP-546), a release before the SCRAM APIs (2.7, KIP-554), so every Kafka
with SCRAM credentials has them; Tansu advertises the SCRAM APIs without
them, accepts AlterUserScramCredentials and then describes no user at all.

Config sources: a broker that lists only the configs set on a topic (Tansu)
but labels them DEFAULT_CONFIG has them relabelled DYNAMIC_TOPIC_CONFIG, so
the planner, snapshots and import see overrides as overrides
(`sources_of_partial_listing`).

Reachability: librdkafka retries unreachable brokers forever, so the first
call is bounded by the connection's timeout and fails fast once librdkafka
reports every bootstrap broker down, with librdkafka's own reason in the
message. librdkafka's and kafka-python's log output is kept off stderr.
"""

from __future__ import annotations

import functools
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

import kafka.errors as kafka_errors
from confluent_kafka import (
    Consumer,
    ElectionType,
    KafkaError,
    KafkaException,
    Producer,
    TopicCollection,
)
from confluent_kafka import TopicPartition as RdTopicPartition
from confluent_kafka import admin as rd

from kafkaform.cluster.kafka_protocol import ProtocolClient, config_source_from_code, redact
from kafkaform.cluster.port import AdminContext
from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    AclPermission,
    PatternType,
    QuotaEntity,
    ResourceType,
    ScramMechanism,
    is_internal_topic,
)
from kafkaform.core.observed import (
    Api,
    BrokerInfo,
    ClusterInfo,
    ConfigEntry,
    ConfigSource,
    LogDirPartitionSize,
    PartitionInfo,
    ReassignmentInProgress,
    TopicInfo,
    TopicPartition,
    does_not_support,
)
from kafkaform.core.requests import (
    ConfigOp,
    ConfigOpType,
    NewPartitions,
    NewTopic,
    ScramAlteration,
    ScramUpsertion,
    scram_rounds,
)
from kafkaform.errors import (
    ClusterError,
    ClusterUnreachable,
    InvalidClientConfig,
    KafkaformError,
    OutcomeUnknown,
    UnsupportedApi,
)

K = TypeVar("K")

_POLL_SECONDS = 0.05
# Topics per DescribeConfigs request. librdkafka always asks for synonyms and
# refuses replies over receive.message.max.bytes (100 MB by default): at a few
# KB per topic, one request for every topic of a 30,000-topic cluster would
# not fit. The batches are sent together, so the wall time stays one round trip.
_DESCRIBE_CONFIGS_BATCH = 1000
# A topic's configs that do not come back: deleted since it was listed, or the
# principal has DESCRIBE on it (through READ or WRITE, say) but not
# DESCRIBE_CONFIGS; one such topic must not fail the read of all the others.
_CONFIGS_LEFT_OUT = {"UNKNOWN_TOPIC_OR_PARTITION", "TOPIC_AUTHORIZATION_FAILED"}
# Bindings per CreateAcls/DeleteAcls request. A KRaft controller writes at most
# 10,000 records for one request (QuorumController.MAX_RECORDS_PER_USER_OP):
# more new bindings fail every one of them with POLICY_VIOLATION ("Unable to
# perform excessively large batch operation"), more matches of one DeleteAcls
# fail it with INVALID_REQUEST (AclControlManager.deleteAcls). An exact filter
# matches one binding at most. The requests are sent together.
_ACLS_PER_REQUEST = 10_000
# librdkafka's local error codes that mean "no broker answered".
_NOT_REACHED = {
    KafkaError._TRANSPORT,
    KafkaError._ALL_BROKERS_DOWN,
    KafkaError._TIMED_OUT,
    KafkaError._RESOLVE,
}
_AUTH_FAILED = {KafkaError._AUTHENTICATION, KafkaError._SSL}
# librdkafka's local errors for a request sent and never answered: it timed out,
# or the connection broke while the broker had it.
_NO_ANSWER = {KafkaError._TIMED_OUT, KafkaError._TIMED_OUT_QUEUE, KafkaError._TRANSPORT}
# The user's client properties the apply lock's producer and consumer take:
# reaching and authenticating to the brokers (librdkafka's names).
_CONNECTION_PREFIXES = ("security.", "ssl.", "sasl.", "socket.", "broker.", "client.",
                        "enable.ssl.", "enable.sasl.", "https.", "plugin.", "reconnect.")


# --- capabilities -------------------------------------------------------------


def capabilities_from_api_names(names: Iterable[str]) -> frozenset[Api]:
    """The admin APIs kafkaform may use, from the names a broker advertises."""
    known = {api.value for api in Api}
    advertised = {Api(name) for name in names if name in known}
    if Api.DELETE_ACLS not in advertised:
        advertised.discard(Api.CREATE_ACLS)
    if Api.DESCRIBE_CLIENT_QUOTAS not in advertised:
        advertised -= {Api.DESCRIBE_USER_SCRAM_CREDENTIALS, Api.ALTER_USER_SCRAM_CREDENTIALS}
    return frozenset(advertised)


# --- config sources -----------------------------------------------------------

# Topic configs every Apache Kafka since 0.10 lists for every topic, set or not.
ALWAYS_LISTED_TOPIC_CONFIGS = frozenset({
    "cleanup.policy", "compression.type", "delete.retention.ms", "file.delete.delay.ms",
    "flush.messages", "flush.ms", "index.interval.bytes", "max.message.bytes",
    "min.cleanable.dirty.ratio", "min.insync.replicas", "preallocate", "retention.bytes",
    "retention.ms", "segment.bytes", "segment.index.bytes", "segment.jitter.ms", "segment.ms",
    "unclean.leader.election.enable",
})


def sources_of_partial_listing(entries: dict[str, ConfigEntry]) -> dict[str, ConfigEntry]:
    """A topic's configs with honest sources.

    Apache Kafka lists every topic config with its source. A broker whose reply
    lacks configs Kafka always lists (Tansu) lists only the keys set on the
    topic, yet labels them all DEFAULT_CONFIG: there, each listed key is the
    topic's own override. A partial listing with any other source in it
    (other Kafka-compatible brokers) reports sources honestly: left as is.
    """
    if entries.keys() >= ALWAYS_LISTED_TOPIC_CONFIGS or any(
        entry.source is not ConfigSource.DEFAULT_CONFIG for entry in entries.values()
    ):
        return entries
    override = ConfigSource.DYNAMIC_TOPIC_CONFIG
    # Built directly: dataclasses.replace costs 4 µs an entry, 0.1 s at 10,000 topics.
    return {
        name: ConfigEntry(name, entry.value, override, entry.sensitive, entry.read_only)
        for name, entry in entries.items()
    }


# --- errors -------------------------------------------------------------------


def kafka_error_name(code: int) -> str:
    """Kafka's own name for a protocol error code (librdkafka abbreviates some)."""
    return kafka_errors.for_code(code).message


def cluster_error_from_rdkafka(error: KafkaError) -> ClusterError:
    code = error.code()
    if code in (KafkaError._TIMED_OUT, KafkaError._TIMED_OUT_QUEUE):
        return ClusterError("REQUEST_TIMED_OUT", error.str(), retriable=True)
    name = kafka_error_name(code) if code >= 0 else error.name().lstrip("_")
    return ClusterError(name, error.str(), retriable=bool(error.retriable()))


def _invalid_config(error: BaseException, client: Mapping[str, str]) -> InvalidClientConfig:
    """librdkafka's refusal of a property, naming it (`... property "linger.ms"`)."""
    rd_error = _rd_error(error)
    reason = redact(rd_error.str() if rd_error is not None else str(error), client)
    named = re.search(r'configuration property:? "([^"]*)', reason)  # may be cut short
    return InvalidClientConfig(reason, named.group(1) if named else None)


def _rd_error(exception: BaseException) -> KafkaError | None:
    if isinstance(exception, KafkaException) and exception.args and isinstance(
        exception.args[0], KafkaError
    ):
        return exception.args[0]
    return None


def _outcome(future: Future, decode: Callable[[Any], Any] | None) -> Any:
    """A done future's result (through `decode`), or its exception."""
    error = future.exception()
    if error is not None:
        return error
    return decode(future.result()) if decode else future.result()


# --- ACL mapping --------------------------------------------------------------

_RESOURCE_TO_RD = {
    ResourceType.TOPIC: rd.ResourceType.TOPIC,
    ResourceType.GROUP: rd.ResourceType.GROUP,
    ResourceType.CLUSTER: rd.ResourceType.BROKER,  # librdkafka calls CLUSTER "BROKER"
    ResourceType.TRANSACTIONAL_ID: rd.ResourceType.TRANSACTIONAL_ID,
}
_PATTERN_TO_RD = {
    PatternType.LITERAL: rd.ResourcePatternType.LITERAL,
    PatternType.PREFIXED: rd.ResourcePatternType.PREFIXED,
}
_OPERATION_TO_RD = {
    AclOperation(op.name): op for op in rd.AclOperation if op.name in AclOperation.__members__
}
_PERMISSION_TO_RD = {
    AclPermission.ALLOW: rd.AclPermissionType.ALLOW,
    AclPermission.DENY: rd.AclPermissionType.DENY,
}


def _rdkafka_acl_args(binding: AclBinding) -> tuple:
    try:
        return (
            _RESOURCE_TO_RD[binding.resource_type],
            binding.resource_name,
            _PATTERN_TO_RD[binding.pattern_type],
            binding.principal,
            binding.host,
            _OPERATION_TO_RD[binding.operation],
            _PERMISSION_TO_RD[binding.permission],
        )
    except KeyError as missing:
        raise ClusterError(
            "INVALID_REQUEST", f"librdkafka cannot express ACLs with {missing.args[0]}"
        ) from None


class _LastLine(logging.Handler):
    """Keeps the last warning or error a client logged, for error messages."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        # librdkafka prefixes "FAC [rdkafka#admin-1] [thrd:...]: "; keep the reason.
        self.last = re.sub(r"^\S+ \[[^]]*\] \[[^]]*\]: ", "", record.getMessage())


# --- authorization ----------------------------------------------------------


def with_acl_hint(error: ClusterError, what: str, needs: str) -> ClusterError:
    """An *_AUTHORIZATION_FAILED error that says which ACL the call needs."""
    if not error.code.endswith("AUTHORIZATION_FAILED") or " needs " in error.message:
        return error
    # A reply without a message (kafka-python's path) has the code as its
    # message: "CODE: CODE (hint)" would say it twice.
    hint = f"{what} needs {needs}"
    message = hint if error.message == error.code else f"{error.message} ({hint})"
    return ClusterError(error.code, message, retriable=error.retriable)


def _names_acl(what: str, needs: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Authorization failures of the wrapped call, raised or per item, say
    which ACL it needs, as Kafka's "Operations and Resources on Protocols"
    table (docs/security.html) lists them."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                result = method(self, *args, **kwargs)
            except ClusterError as error:
                raise with_acl_hint(error, what, needs) from None
            if isinstance(result, dict):
                return {key: with_acl_hint(value, what, needs)
                        if isinstance(value, ClusterError) else value
                        for key, value in result.items()}
            return result

        return call

    return decorate


# --- the adapter --------------------------------------------------------------


class KafkaClusterAdmin(AdminContext):
    """ClusterAdmin over confluent-kafka (and kafka-python where it must)."""

    # Its reads may run on several threads at once (observe overlaps them):
    # librdkafka is thread-safe, each call waits on its own futures, and
    # kafka-python's client runs every request on its own I/O thread.
    concurrent_reads = True

    def __init__(
        self,
        bootstrap: str,
        client: Mapping[str, str] | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.bootstrap = bootstrap
        self.timeout = float(timeout_seconds)
        self._client = dict(client or {})
        self._rd_log = logging.getLogger(f"kafkaform.rdkafka.{id(self)}")
        self._rd_log.propagate = False
        self._rd_last = _LastLine()
        self._rd_log.addHandler(self._rd_last)
        self._all_down: str | None = None
        self._auth_failed: str | None = None
        self._reached = False
        self._protocol: ProtocolClient | None = None
        self._protocol_lock = threading.Lock()  # one kafka-python client, however many threads
        self._capabilities: frozenset[Api] | None = None
        try:
            self._admin: Any = rd.AdminClient(self._rdkafka_config())
        except (KafkaException, ValueError, TypeError) as error:
            raise _invalid_config(error, self._client) from None

    # --- plumbing -------------------------------------------------------------
    def _rdkafka_config(self, **extra: Any) -> dict[str, Any]:
        timeout_ms = max(1000, int(self.timeout * 1000))
        return {
            **self._client,
            "bootstrap.servers": self.bootstrap,
            "socket.connection.setup.timeout.ms": timeout_ms,
            "socket.timeout.ms": timeout_ms,
            "logger": self._rd_log,
            "error_cb": self._on_error,
            **extra,
        }

    def _connection_config(self, **own: Any) -> dict[str, Any]:
        """For the lock's own producer and consumer: of the user's properties only
        how to reach and authenticate to the brokers, then kafkaform's settings.
        Nothing a user sets for producing or consuming reaches them."""
        dropped = {key for key in self._client if not key.startswith(_CONNECTION_PREFIXES)}
        return {key: value for key, value in self._rdkafka_config(**own).items()
                if key not in dropped or key in own or key == "bootstrap.servers"}

    def _on_error(self, error: KafkaError) -> None:
        if error.code() == KafkaError._ALL_BROKERS_DOWN:
            self._all_down = self._rd_last.last or error.str()
        elif error.code() in (KafkaError._TRANSPORT, KafkaError._RESOLVE, *_AUTH_FAILED):
            self._rd_last.last = error.str()
            if error.code() in _AUTH_FAILED:
                self._auth_failed = error.str()

    def _unreachable(self, reason: str | None) -> ClusterUnreachable:
        if self._auth_failed:
            # The brokers answered; the credentials or certificates are wrong.
            return ClusterUnreachable(f"cannot connect to {self.bootstrap}: {self._auth_failed}")
        why = reason or self._rd_last.last or "no broker answered"
        return ClusterUnreachable(
            f"could not reach bootstrap servers {self.bootstrap} within {self.timeout:g}s: {why}"
        )

    def _wait(
        self, futures: dict[K, Future], decode: Callable[[Any], Any] | None = None
    ) -> dict[K, Any]:
        """Each future's result (through `decode`), or its exception; bounded by
        the timeout. Empties `futures`.

        A result is decoded the moment its future is done, and the future is
        dropped then: librdkafka's reply objects live only until decoded. All
        DescribeConfigs replies of 10,000 topics alive together (confluent's
        ConfigEntry objects, synonyms included) were most of a plan's memory.

        Polls the client so librdkafka's error callback runs: an unreachable
        cluster fails as soon as every bootstrap broker is known to be down.
        """
        deadline = time.monotonic() + self.timeout + 2
        # The futures are completed by librdkafka's own thread; each says so on
        # this queue, so waiting costs nothing per future (waiting on each of
        # 10,000, one per topic, cost more than the reply itself).
        done: queue.SimpleQueue[K] = queue.SimpleQueue()
        for key, future in futures.items():
            future.add_done_callback(lambda _future, key=key: done.put(key))
        order = list(futures)  # the results keep it, whatever order replies come in
        results: dict[K, Any] = {}
        while futures:
            self._admin.poll(0)  # serves the error callback without blocking
            try:
                key = done.get(timeout=_POLL_SECONDS)
                while True:
                    results[key] = _outcome(futures.pop(key), decode)
                    key = done.get_nowait()
            except queue.Empty:
                pass
            if not self._reached and self._all_down:
                raise self._unreachable(self._all_down)
            if futures and time.monotonic() > deadline:
                if not self._reached:
                    raise self._unreachable(None)
                raise OutcomeUnknown(f"timed out after {self.timeout:g}s")
        for value in results.values():
            self._raise_if_connection_failed(value)
        self._reached = True
        return {key: results[key] for key in order}

    def _raise_if_connection_failed(self, value: Any) -> None:
        error = _rd_error(value) if isinstance(value, BaseException) else None
        if error is None:
            return
        if error.code() in _AUTH_FAILED:
            raise KafkaformError(f"cannot connect to {self.bootstrap}: {error.str()}")
        if not self._reached and error.code() in _NOT_REACHED:
            raise self._unreachable(self._all_down or self._rd_last.last or error.str())

    def _per_item(self, results: Mapping[K, Any]) -> dict[K, ClusterError | None]:
        """Each item's Kafka error (None: done). A request that got no answer
        (librdkafka's local timeout, or its connection lost while waiting)
        raises `OutcomeUnknown`: the broker may have done all of it."""
        out: dict[K, ClusterError | None] = {}
        for key, value in results.items():
            if isinstance(value, BaseException):
                error = _rd_error(value)
                if error is not None and error.code() in _NO_ANSWER:
                    raise OutcomeUnknown(error.str())
                out[key] = (
                    cluster_error_from_rdkafka(error)
                    if error is not None
                    else ClusterError("INVALID_REQUEST", str(value))
                )
            else:
                out[key] = None
        return out

    def _call(
        self, start: Callable[[], dict[K, Future]], decode: Callable[[Any], Any] | None = None
    ) -> dict[K, Any]:
        """Start an admin call (which may reject its input locally) and wait."""
        try:
            futures = start()
        except (KafkaException, ValueError, TypeError) as error:
            raise ClusterError("INVALID_REQUEST", str(error)) from None
        return self._wait(futures, decode)

    def _call_in_batches(
        self, send: Callable[..., Mapping[K, Future]], items: Sequence[Any], size: int,
        decode: Callable[[Any], Any] | None = None,
    ) -> dict[K, Any]:
        """`_call` for an admin call whose items go in requests of at most `size`:
        every request is sent before any answer is awaited, so the wall time
        stays one round trip, and each reply is decoded as it arrives."""
        def start() -> dict[K, Future]:
            futures: dict[K, Future] = {}
            for first in range(0, len(items), size):
                futures.update(send(items[first : first + size], request_timeout=self.timeout))
            return futures

        return self._call(start, decode)

    def _require(self, api: Api) -> None:
        if api not in self.capabilities():
            raise UnsupportedApi(api.value, does_not_support(self.bootstrap, [api]))

    def _legacy(self) -> ProtocolClient:
        """kafka-python's client, created on first use."""
        with self._protocol_lock:
            if self._protocol is None:
                self._ensure_reachable()
                try:
                    self._protocol = ProtocolClient(self.bootstrap, self._client, self.timeout)
                except kafka_errors.KafkaTimeoutError:
                    raise self._unreachable("kafka-python could not bootstrap") from None
            return self._protocol

    def _ensure_reachable(self) -> None:
        if not self._reached:
            self.describe_cluster()

    # --- reading --------------------------------------------------------------
    def describe_cluster(self) -> ClusterInfo:
        description = self._call(
            lambda: {"cluster": self._admin.describe_cluster(request_timeout=self.timeout)}
        )["cluster"]
        if isinstance(description, BaseException):
            raise self._per_item({"cluster": description})["cluster"]  # type: ignore[misc]
        controller = description.controller
        return ClusterInfo(
            cluster_id=description.cluster_id or "",
            controller_id=controller.id if controller is not None and controller.id >= 0 else None,
            brokers=tuple(
                sorted(
                    (BrokerInfo(n.id, n.host, n.port, n.rack or None) for n in description.nodes),
                    key=lambda b: b.id,
                )
            ),
            address=self.bootstrap,
        )

    def capabilities(self) -> frozenset[Api]:
        if self._capabilities is None:
            self._capabilities = capabilities_from_api_names(self._legacy().api_names())
        return self._capabilities

    def list_topics(self) -> dict[str, TopicInfo]:
        self._ensure_reachable()
        try:
            metadata = self._admin.list_topics(timeout=self.timeout)
        except KafkaException as error:
            raise cluster_error_from_rdkafka(error.args[0]) from None
        topics: dict[str, TopicInfo] = {}
        for name, topic in metadata.topics.items():
            if topic.error is not None and topic.error.code() != 0:
                continue  # e.g. a topic being deleted
            partitions = tuple(
                PartitionInfo(
                    partition=p.id,
                    replicas=tuple(p.replicas),
                    leader=p.leader if p.leader >= 0 else None,
                    isr=tuple(p.isrs),
                )
                for p in sorted(topic.partitions.values(), key=lambda p: p.id)
            )
            topics[name] = TopicInfo(name, partitions, internal=is_internal_topic(name))
        return topics

    @_names_acl("reading topic configs", "DESCRIBE_CONFIGS on the topic")
    def describe_topic_configs(self, topics: Sequence[str]) -> dict[str, dict[str, ConfigEntry]]:
        """Configs per topic; a topic deleted meanwhile (unknown) or whose
        configs the principal may not describe is left out (the port's rule).

        One call, sent as a few DescribeConfigs requests of bounded size."""
        if not topics:
            return {}
        self._require(Api.DESCRIBE_CONFIGS)
        resources = [rd.ConfigResource(rd.ResourceType.TOPIC, name) for name in topics]
        # One ConfigEntry per distinct entry, not one per topic and key: most
        # topics list the same defaults, so 10,000 topics' 380,000 entries are
        # a few hundred objects (ConfigEntry is immutable), built in a fraction
        # of the time and memory; their names key every topic's dict.
        distinct: dict[tuple, ConfigEntry] = {}

        def entry_of(entry: rd.ConfigEntry) -> ConfigEntry:
            # confluent passes Kafka's wire code (an int), or its enum
            key = (entry.name, entry.value, getattr(entry.source, "value", entry.source),
                   entry.is_sensitive, entry.is_read_only)
            found = distinct.get(key)
            if found is None:
                found = distinct[key] = ConfigEntry(
                    entry.name, entry.value, config_source_from_code(key[2]),
                    bool(entry.is_sensitive), bool(entry.is_read_only))
            return found

        def decode(entries: Mapping[str, rd.ConfigEntry]) -> dict[str, ConfigEntry]:
            ours = (entry_of(entry) for entry in entries.values())
            return sources_of_partial_listing({entry.name: entry for entry in ours})

        results = self._call_in_batches(self._admin.describe_configs, resources,
                                        _DESCRIBE_CONFIGS_BATCH, decode)
        configs: dict[str, dict[str, ConfigEntry]] = {}
        for resource, value in results.items():
            if isinstance(value, BaseException):
                error = self._per_item({resource.name: value})[resource.name]
                if error is not None and error.code in _CONFIGS_LEFT_OUT:
                    continue
                assert error is not None
                raise ClusterError(error.code, f"topic {resource.name}: {error.message}",
                                   retriable=error.retriable)
            configs[resource.name] = value
        return configs

    @_names_acl("reading broker configs", "DESCRIBE_CONFIGS on the cluster")
    def describe_broker_configs(
        self, broker_ids: Sequence[int | None]
    ) -> dict[int | None, dict[str, ConfigEntry]]:
        if not broker_ids:
            return {}
        self._require(Api.DESCRIBE_CONFIGS)
        return self._legacy().describe_broker_configs(broker_ids)

    @_names_acl("listing ACLs", "DESCRIBE on the cluster")
    def describe_acls(self) -> frozenset[AclBinding]:
        """Every binding; raises ClusterError SECURITY_DISABLED without an authorizer.

        Through kafka-python: librdkafka drops DescribeAcls' top-level error
        (rd_kafka_DescribeAclsResponse_parse), so no authorizer or no right to
        describe would read as "no ACLs at all".
        """
        self._require(Api.DESCRIBE_ACLS)
        return self._legacy().describe_acls()

    @_names_acl("listing reassignments", "DESCRIBE on the cluster")
    def list_partition_reassignments(self) -> dict[TopicPartition, ReassignmentInProgress]:
        self._require(Api.LIST_PARTITION_REASSIGNMENTS)
        return self._legacy().list_partition_reassignments()

    @_names_acl("reading log dir sizes", "DESCRIBE on the cluster")
    def describe_log_dirs(self) -> list[LogDirPartitionSize]:
        self._require(Api.DESCRIBE_LOG_DIRS)
        brokers = [b.id for b in self.describe_cluster().brokers]
        return self._legacy().describe_log_dirs(brokers)

    @_names_acl("reading client quotas", "DESCRIBE_CONFIGS on the cluster")
    def describe_client_quotas(self) -> dict[QuotaEntity, dict[str, float]]:
        self._require(Api.DESCRIBE_CLIENT_QUOTAS)
        return self._legacy().describe_client_quotas()

    @_names_acl("reading SCRAM users", "DESCRIBE on the cluster")
    def describe_scram_credentials(self) -> dict[str, dict[ScramMechanism, int]]:
        self._require(Api.DESCRIBE_USER_SCRAM_CREDENTIALS)
        described = self._call(lambda: {"users": self._admin.describe_user_scram_credentials(
            request_timeout=self.timeout)})["users"]
        if isinstance(described, BaseException):
            raise self._per_item({"users": described})["users"]  # type: ignore[misc]
        return {
            user: {_SCRAM_FROM_RD[info.mechanism]: info.iterations
                   for info in description.scram_credential_infos
                   if info.mechanism in _SCRAM_FROM_RD}
            for user, description in sorted(described.items())
        }

    # --- writing --------------------------------------------------------------
    @_names_acl("creating a topic", "CREATE on the topic or on the cluster")
    def create_topics(self, topics: Sequence[NewTopic]) -> dict[str, ClusterError | None]:
        if not topics:
            return {}
        self._require(Api.CREATE_TOPICS)
        new_topics = [_rdkafka_new_topic(t) for t in topics]
        return self._per_item(
            self._call(
                lambda: self._admin.create_topics(
                    new_topics, operation_timeout=self.timeout, request_timeout=self.timeout
                )
            )
        )

    @_names_acl("adding partitions", "ALTER on the topic")
    def create_partitions(
        self, increases: Sequence[NewPartitions]
    ) -> dict[str, ClusterError | None]:
        if not increases:
            return {}
        self._require(Api.CREATE_PARTITIONS)
        # confluent-kafka 2.16 refuses an explicit `replica_assignment=None`
        # ("must be a list of int lists"): the keyword only when placing.
        new_partitions = [
            rd.NewPartitions(
                p.topic, p.total_count, replica_assignment=[list(r) for r in p.assignment]
            )
            if p.assignment
            else rd.NewPartitions(p.topic, p.total_count)
            for p in increases
        ]
        return self._per_item(
            self._call(
                lambda: self._admin.create_partitions(
                    new_partitions, operation_timeout=self.timeout, request_timeout=self.timeout
                )
            )
        )

    @_names_acl("altering topic configs", "ALTER_CONFIGS on the topic")
    def alter_topic_configs(
        self, changes: Mapping[str, Sequence[ConfigOp]]
    ) -> dict[str, ClusterError | None]:
        if not changes:
            return {}
        self._require(Api.INCREMENTAL_ALTER_CONFIGS)
        resources = [
            rd.ConfigResource(
                rd.ResourceType.TOPIC,
                topic,
                incremental_configs=[_rdkafka_config_op(op) for op in ops],
            )
            for topic, ops in changes.items()
        ]
        results = self._call(
            lambda: self._admin.incremental_alter_configs(resources, request_timeout=self.timeout)
        )
        return self._per_item({resource.name: value for resource, value in results.items()})

    @_names_acl("altering broker configs", "ALTER_CONFIGS on the cluster")
    def alter_broker_configs(
        self, changes: Mapping[int | None, Sequence[ConfigOp]]
    ) -> dict[int | None, ClusterError | None]:
        if not changes:
            return {}
        self._require(Api.INCREMENTAL_ALTER_CONFIGS)
        return self._legacy().alter_broker_configs(changes)

    @_names_acl("deleting a topic", "DELETE on the topic")
    def delete_topics(self, topics: Sequence[str]) -> dict[str, ClusterError | None]:
        if not topics:
            return {}
        self._require(Api.DELETE_TOPICS)
        return self._per_item(
            self._call(
                lambda: self._admin.delete_topics(
                    list(topics), operation_timeout=self.timeout, request_timeout=self.timeout
                )
            )
        )

    @_names_acl("creating ACLs", "ALTER on the cluster")
    def create_acls(self, bindings: Sequence[AclBinding]) -> dict[AclBinding, ClusterError | None]:
        return self._acl_call(bindings, Api.CREATE_ACLS, rd.AclBinding, "create_acls")

    @_names_acl("deleting ACLs", "ALTER on the cluster")
    def delete_acls(self, bindings: Sequence[AclBinding]) -> dict[AclBinding, ClusterError | None]:
        """Each binding is an exact filter: no wildcard fields, so nothing else matches."""
        return self._acl_call(bindings, Api.DELETE_ACLS, rd.AclBindingFilter, "delete_acls")

    def _acl_call(
        self, bindings: Sequence[AclBinding], api: Api, kind: type, method: str
    ) -> dict[AclBinding, ClusterError | None]:
        """A binding librdkafka cannot express fails alone; the others are sent."""
        if not bindings:
            return {}
        self._require(api)
        results: dict[AclBinding, ClusterError | None] = {}
        by_rd = {}
        for binding in bindings:
            try:
                by_rd[kind(*_rdkafka_acl_args(binding))] = binding
            except ClusterError as error:
                results[binding] = error
        if by_rd:
            sent = self._call_in_batches(getattr(self._admin, method), list(by_rd),
                                         _ACLS_PER_REQUEST)
            results.update(self._per_item({by_rd[k]: v for k, v in sent.items()}))
        return results

    @_names_acl("reassigning partitions", "ALTER on the cluster")
    def alter_partition_reassignments(
        self, targets: Mapping[TopicPartition, Sequence[int] | None]
    ) -> dict[TopicPartition, ClusterError | None]:
        if not targets:
            return {}
        self._require(Api.ALTER_PARTITION_REASSIGNMENTS)
        return self._legacy().alter_partition_reassignments(targets)

    @_names_acl("altering client quotas", "ALTER_CONFIGS on the cluster")
    def alter_client_quotas(
        self, changes: Mapping[QuotaEntity, Mapping[str, float | None]]
    ) -> dict[QuotaEntity, ClusterError | None]:
        if not changes:
            return {}
        self._require(Api.ALTER_CLIENT_QUOTAS)
        return self._legacy().alter_client_quotas(changes)

    @_names_acl("altering SCRAM users", "ALTER on the cluster")
    def alter_scram_credentials(
        self, alterations: Sequence[ScramAlteration]
    ) -> dict[tuple[str, ScramMechanism], ClusterError | None]:
        """librdkafka salts and hashes each password (the password never leaves
        the process; the request carries the salted password)."""
        if not alterations:
            return {}
        self._require(Api.ALTER_USER_SCRAM_CREDENTIALS)
        results: dict[tuple[str, ScramMechanism], ClusterError | None] = {}
        for request in scram_rounds(alterations):
            rd_alterations = [_rdkafka_scram_alteration(a) for a in request]
            by_user = self._per_item(self._call(functools.partial(
                self._admin.alter_user_scram_credentials, rd_alterations,
                request_timeout=self.timeout)))
            for alteration in request:
                results[(alteration.user, alteration.mechanism)] = by_user.get(
                    alteration.user, ClusterError("UNKNOWN_SERVER_ERROR", "no result for user"))
        return results

    @_names_acl("electing leaders", "ALTER on the cluster")
    def elect_preferred_leaders(
        self, partitions: Sequence[TopicPartition]
    ) -> dict[TopicPartition, ClusterError | None]:
        """An election that is not needed (leader already preferred) counts as done."""
        if not partitions:
            return {}
        self._require(Api.ELECT_LEADERS)
        wanted = [RdTopicPartition(tp.topic, tp.partition) for tp in partitions]
        # No timeout arguments: confluent-kafka 2.16's elect_leaders binding
        # rejects request_timeout/operation_timeout (SystemError/TypeError).
        # Both default to socket.timeout.ms, which is set to our timeout.
        result = self._call(
            lambda: {"election": self._admin.elect_leaders(ElectionType.PREFERRED, wanted)}
        )["election"]
        if isinstance(result, BaseException):
            error = self._per_item({"e": result})["e"]
            return dict.fromkeys(partitions, error)
        outcome: dict[TopicPartition, ClusterError | None] = {}
        for rd_tp, error in result.items():
            tp = TopicPartition(rd_tp.topic, rd_tp.partition)
            failure = _rd_error(error) if isinstance(error, BaseException) else error
            if failure is None or failure.code() in (0, kafka_errors.ElectionNotNeededError.errno):
                outcome[tp] = None
            else:
                outcome[tp] = cluster_error_from_rdkafka(failure)
        return outcome

    # --- records (the apply lock topic) ----------------------------------------
    @_names_acl("writing a record", "WRITE on the topic")
    def write_record(self, topic: str, key: str, value: str) -> None:
        self._ensure_reachable()
        try:
            producer = Producer(self._connection_config(**{
                "acks": "all", "linger.ms": 0, "enable.idempotence": False,
                "message.timeout.ms": max(1000, int(self.timeout * 1000)),
            }))
        except (KafkaException, ValueError, TypeError) as error:
            raise _invalid_config(error, self._client) from None
        delivered: list[KafkaError | None] = []
        producer.produce(topic, value=value.encode(), key=key.encode(),
                         on_delivery=lambda err, _msg: delivered.append(err))
        producer.flush(self.timeout)
        if not delivered:
            raise OutcomeUnknown(f"no acknowledgement from {topic}: timed out after "
                                 f"{self.timeout:g}s")
        if delivered[0] is not None:
            raise cluster_error_from_rdkafka(delivered[0])

    def _partition_ids(self, topic: str) -> list[int] | None:
        """One topic's partitions; None, as `list_topics` leaves it out, when the
        topic has an error (does not exist, may not be seen, is being deleted).

        DescribeTopics asks for that topic only: listing every topic to find
        the lock or the ledger cost a third of a second at 1,000 topics on
        Tansu, twice an apply. It is a Metadata request that never creates the
        topic; librdkafka's `list_topics(topic)` from this (producer-type)
        handle may, on a broker with `auto.create.topics.enable` (Tansu does).
        """
        self._ensure_reachable()
        described = self._call(lambda: self._admin.describe_topics(
            TopicCollection([topic]), request_timeout=self.timeout))[topic]
        if isinstance(described, BaseException):
            self._per_item({topic: described})  # no answer: OutcomeUnknown
            return None
        return sorted(p.id for p in described.partitions)

    @_names_acl("reading records", "READ on the topic")
    def read_records(self, topic: str) -> list[tuple[str, str]]:
        """Reads every partition from the start to its end offset (no consumer group).

        A topic that does not exist, or that this principal may not see, has no
        records, as when it is absent from `list_topics`."""
        partitions = self._partition_ids(topic)
        if partitions is None:
            return []
        try:
            consumer = Consumer(self._connection_config(**{
                "group.id": "kafkaform-reader", "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
            }))
        except (KafkaException, ValueError, TypeError) as error:
            raise _invalid_config(error, self._client) from None
        try:
            ends: dict[int, int] = {}
            for partition in partitions:
                try:
                    low, high = consumer.get_watermark_offsets(
                        RdTopicPartition(topic, partition), timeout=self.timeout
                    )
                except KafkaException as error:  # timed out, not allowed: one line
                    raise cluster_error_from_rdkafka(error.args[0]) from None
                if high > low:
                    ends[partition] = high
            consumer.assign([RdTopicPartition(topic, p, 0) for p in ends])
            records: list[tuple[int, str, str]] = []
            deadline = time.monotonic() + self.timeout
            done: set[int] = set()
            while len(done) < len(ends) and time.monotonic() < deadline:
                for message in consumer.consume(100, timeout=0.2):
                    failure = message.error()
                    if failure is not None:
                        if failure.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED:
                            raise cluster_error_from_rdkafka(failure)
                        # End of partition, transient errors, and the group
                        # coordinator's refusal: librdkafka looks up the
                        # (mandatory) group, which assign() never uses.
                        continue
                    records.append((message.timestamp()[1], _text(message.key()),
                                    _text(message.value())))
                    if message.offset() + 1 >= ends[message.partition()]:
                        done.add(message.partition())
            if len(done) < len(ends):
                raise ClusterError("REQUEST_TIMED_OUT", f"could not read {topic}", retriable=True)
            return [(k, v) for _, k, v in sorted(records, key=lambda r: r[0])]
        finally:
            consumer.close()

    def close(self) -> None:
        """Release both clients now, so their connections do not linger until GC."""
        if self._protocol is not None:
            self._protocol.close()
            self._protocol = None
        self._admin = None  # librdkafka destroys the handle with its last reference
        self._rd_log.removeHandler(self._rd_last)


# --- small conversions ----------------------------------------------------------


def _text(raw: bytes | None) -> str:
    return raw.decode() if raw is not None else ""


def _rdkafka_new_topic(topic: NewTopic) -> rd.NewTopic:
    """confluent's NewTopic with an explicit assignment needs RF -1 and the count."""
    if topic.assignment:
        return rd.NewTopic(
            topic.name,
            num_partitions=len(topic.assignment),
            replication_factor=-1,
            replica_assignment=[list(r) for r in topic.assignment],
            config=dict(topic.configs),
        )
    return rd.NewTopic(
        topic.name, topic.partitions, topic.replication_factor, config=dict(topic.configs)
    )


_SCRAM_TO_RD = {
    ScramMechanism.SCRAM_SHA_256: rd.ScramMechanism.SCRAM_SHA_256,
    ScramMechanism.SCRAM_SHA_512: rd.ScramMechanism.SCRAM_SHA_512,
}
_SCRAM_FROM_RD = {rd_mechanism: ours for ours, rd_mechanism in _SCRAM_TO_RD.items()}


def _rdkafka_scram_alteration(alteration: ScramAlteration) -> Any:
    mechanism = _SCRAM_TO_RD[alteration.mechanism]
    if isinstance(alteration, ScramUpsertion):
        return rd.UserScramCredentialUpsertion(
            alteration.user, rd.ScramCredentialInfo(mechanism, alteration.iterations),
            alteration.password.encode())
    return rd.UserScramCredentialDeletion(alteration.user, mechanism)


def _rdkafka_config_op(op: ConfigOp) -> rd.ConfigEntry:
    kind = (
        rd.AlterConfigOpType.DELETE if op.op is ConfigOpType.DELETE else rd.AlterConfigOpType.SET
    )
    return rd.ConfigEntry(
        op.name, None if op.op is ConfigOpType.DELETE else op.value, incremental_operation=kind
    )


__all__ = [
    "KafkaClusterAdmin",
    "capabilities_from_api_names",
    "cluster_error_from_rdkafka",
]
