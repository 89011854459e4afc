"""Snapshots: an ObservedState as a versioned JSON document, and back.

`kafkaform snapshot` writes what it observed; `--snapshot FILE` serves it
through the in-memory cluster, so plan, check and import run where the real
cluster is out of reach. The format is hand-writable for what-ifs: only
brokers and topic replica lists are required (docs/snapshots.md,
schemas/snapshot.schema.json).

Only what is set is written: topic config overrides, dynamic broker configs,
and cluster-wide facts that make the other topic configs' values and sources
come back the same (static broker configs, defaults that differ from
kafkaform's catalog). Client quotas and SCRAM users are written with their
mechanisms and iterations, and what kafkaform recorded setting each password
from; no password is ever read, so none can be written.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from kafkaform.cluster.memory import KAFKA_INTERNAL_TOPICS, MemoryCluster
from kafkaform.core.kafka_configs import TOPIC_CONFIGS
from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    AclPermission,
    PatternType,
    QuotaEntity,
    ResourceType,
    ScramMechanism,
)
from kafkaform.core.observed import (
    USERS_LEDGER_KEY,
    USERS_LEDGER_TOPIC,
    Api,
    BrokerInfo,
    ConfigEntry,
    ConfigSource,
    ObservedState,
    PartitionInfo,
    PasswordRecord,
    TopicInfo,
    TopicPartition,
    users_ledger_json,
)
from kafkaform.errors import ClusterError, KafkaformError
from kafkaform.files.schemas import inlined_validator

SNAPSHOT_VERSION = 1
SCHEMA_FILE = "snapshot.schema.json"
_OVERRIDE = ConfigSource.DYNAMIC_TOPIC_CONFIG
# A value from one broker's own config; a per-broker dynamic one (on the broker
# that answered) is kept as a static one, the closest cluster-wide fact.
_BROKER_SIDE = (ConfigSource.STATIC_BROKER_CONFIG, ConfigSource.DYNAMIC_BROKER_CONFIG)


# --- writing ---------------------------------------------------------------------
def snapshot_to_dict(observed: ObservedState) -> dict[str, Any]:
    cluster = observed.cluster
    data: dict[str, Any] = {
        "version": SNAPSHOT_VERSION,
        "cluster": {
            "id": cluster.cluster_id,
            "controller": cluster.controller_id,
            "address": cluster.address,
        },
        "brokers": [
            {"id": b.id, "rack": b.rack, "host": b.host, "port": b.port} for b in cluster.brokers
        ],
        "capabilities": sorted(api.value for api in observed.capabilities),
        "topics": {
            name: _topic_dict(topic, observed.topic_configs.get(name, {}))
            for name, topic in sorted(observed.topics.items())
        },
    }
    defaults, static = _cluster_config_facts(observed.topic_configs)
    if defaults:
        data["topicConfigDefaults"] = defaults
    if static:
        data["staticBrokerConfigs"] = static
    data["brokerConfigs"] = {n: e.value for n, e in sorted(observed.broker_configs.items())}
    data["perBrokerConfigs"] = {
        str(broker): {n: e.value for n, e in sorted(entries.items())}
        for broker, entries in sorted(observed.per_broker_configs.items())
        if entries
    }
    data["acls"] = None if observed.acls is None else [_acl_dict(b) for b in sorted(observed.acls)]
    data["reassignments"] = [
        {
            "topic": r.topic,
            "partition": r.partition,
            "replicas": list(r.replicas),
            "adding": list(r.adding),
            "removing": list(r.removing),
        }
        for _, r in sorted(observed.reassignments.items())
    ]
    data["quotas"] = None if observed.quotas is None else [
        {**_entity_dict(entity), "values": dict(sorted(values.items()))}
        for entity, values in sorted(observed.quotas.items(), key=lambda q: q[0].sort_key)
    ]
    data["users"] = None if observed.users is None else {
        name: {str(m): i for m, i in sorted(credentials.items())}
        for name, credentials in sorted(observed.users.items())
    }
    if observed.password_records:
        data["passwordRecords"] = {
            name: record.to_dict() for name, record in sorted(observed.password_records.items())
        }
    return data


def _entity_dict(entity: QuotaEntity) -> dict[str, str]:
    return {key: name for key, name in (("user", entity.user), ("clientId", entity.client_id))
            if name is not None}


def write_snapshot(observed: ObservedState, path: Path | str) -> None:
    text = json.dumps(snapshot_to_dict(observed), indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")


def _topic_dict(topic: TopicInfo, configs: dict[str, ConfigEntry]) -> dict[str, Any]:
    data: dict[str, Any] = {"partitions": [_partition_value(p) for p in topic.partitions]}
    overrides = {n: e.value for n, e in sorted(configs.items()) if e.source is _OVERRIDE}
    if overrides:
        data["configs"] = overrides
    if topic.internal != (topic.name in KAFKA_INTERNAL_TOPICS):
        data["internal"] = topic.internal
    return data


def _partition_value(partition: PartitionInfo) -> list[int] | dict[str, Any]:
    """The short form `[1, 2, 3]` when leader and ISR are what they default to."""
    replicas = list(partition.replicas)
    healthy = partition.leader == replicas[0] and partition.isr == partition.replicas
    if healthy:
        return replicas
    return {"replicas": replicas, "leader": partition.leader, "isr": list(partition.isr)}


def _cluster_config_facts(
    topic_configs: dict[str, dict[str, ConfigEntry]],
) -> tuple[dict[str, str | None], dict[str, str]]:
    """Topic defaults differing from the catalog, and static broker configs,
    as revealed by the topics' non-override entries."""
    catalog = {d.name: d.default for d in TOPIC_CONFIGS.values() if d.removed is None}
    defaults: dict[str, str | None] = {}
    static: dict[str, str] = {}
    seen: set[str] = set()
    for entries in topic_configs.values():
        for name, entry in entries.items():
            seen.add(name)
            if entry.source in _BROKER_SIDE and entry.value is not None:
                definition = TOPIC_CONFIGS.get(name)
                static[(definition and definition.broker_synonym) or name] = entry.value
            elif entry.source is not _OVERRIDE and (
                name not in catalog
                or (entry.source is ConfigSource.DEFAULT_CONFIG and entry.value != catalog[name])
            ):
                defaults[name] = entry.value
    if topic_configs:
        defaults.update({name: None for name in catalog if name not in seen})
    return dict(sorted(defaults.items())), dict(sorted(static.items()))


def _acl_dict(binding: AclBinding) -> dict[str, str]:
    return {
        "principal": binding.principal,
        "resourceType": binding.resource_type.value,
        "resourceName": binding.resource_name,
        "patternType": binding.pattern_type.value,
        "operation": binding.operation.value,
        "permission": binding.permission.value,
        "host": binding.host,
    }


# --- reading ---------------------------------------------------------------------
def load_snapshot(path: Path | str) -> MemoryCluster:
    """A MemoryCluster in the state the snapshot file describes.

    Raises KafkaformError with one line naming the file and JSON path."""
    return cluster_from_snapshot(read_snapshot(path), str(path))


def read_snapshot(path: Path | str) -> dict[str, Any]:
    """The snapshot document, checked against the schema."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise KafkaformError(f"{path}: cannot read snapshot: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise KafkaformError(f"{path}:{error.lineno}: not valid JSON: {error.msg}") from None
    error = best_match(snapshot_validator().iter_errors(_without_plain_topics(data)))
    if error is not None:
        raise KafkaformError(f"{path}: {error.json_path}: {error.message}")
    return data


def _without_plain_topics(data: Any) -> Any:
    """The document minus the topics `_is_plain_topic` already vouches for.

    jsonschema needs about 2 ms per topic (10,000 topics: 20 s); the plain
    check needs microseconds. Leaving out topics that cannot produce an error
    leaves the schema's errors, their order and so the best match unchanged.
    """
    if not isinstance(data, dict) or not isinstance(data.get("topics"), dict):
        return data
    unsure = {name: t for name, t in data["topics"].items() if not _is_plain_topic(t)}
    return {**data, "topics": unsure}


def _is_plain_topic(topic: object) -> bool:
    """Whether a topic has the everyday shape (what `kafkaform snapshot` writes
    for healthy partitions), which the schema's `topic` definition accepts.

    Conservative: a False only means "ask the schema", so every other form the
    schema allows (partition objects, configs with a source) still works.
    `type(x) is int` on purpose: JSON's true/false are bools, which the schema
    does not count as broker ids.
    """
    if type(topic) is not dict or not topic.keys() <= _PLAIN_TOPIC_KEYS:
        return False
    partitions = topic.get("partitions")
    if type(partitions) is not list or not partitions:
        return False
    for replicas in partitions:
        if type(replicas) is not list or not replicas:
            return False
        for broker in replicas:
            if type(broker) is not int or broker < 0:
                return False
        if len(set(replicas)) != len(replicas):
            return False
    configs = topic.get("configs", {})
    if type(configs) is not dict:
        return False
    if not all(type(value) in _PLAIN_CONFIG_TYPES for value in configs.values()):
        return False
    return type(topic.get("internal", False)) is bool


_PLAIN_TOPIC_KEYS = frozenset({"partitions", "configs", "internal"})
_PLAIN_CONFIG_TYPES = (str, int, float, bool)


@cache
def snapshot_validator() -> Draft202012Validator:
    return inlined_validator(SCHEMA_FILE)


def cluster_from_snapshot(data: dict[str, Any], origin: str = "snapshot") -> MemoryCluster:
    """Build the cluster from a schema-valid document; inconsistencies the
    schema cannot express (a leader outside its replicas ...) raise
    KafkaformError naming `origin` and the JSON path."""
    cluster_data = data.get("cluster", {})
    capabilities = data.get("capabilities")
    capabilities = frozenset(Api) if capabilities is None else frozenset(map(Api, capabilities))
    # null: the cluster did not let them be read; the planner says so.
    if data.get("quotas", []) is None:
        capabilities -= {Api.DESCRIBE_CLIENT_QUOTAS}
    if data.get("users", {}) is None:
        capabilities -= {Api.DESCRIBE_USER_SCRAM_CREDENTIALS}
    cluster = MemoryCluster(
        [
            BrokerInfo(b["id"], b.get("host", f"broker-{b['id']}"), b.get("port", 9092), rack)
            for b in data["brokers"]
            for rack in [b.get("rack")]
        ],
        cluster_id=cluster_data.get("id", "memory-cluster"),
        capabilities=capabilities,
        static_broker_configs=data.get("staticBrokerConfigs", {}),
        authorizer=data.get("acls", []) is not None,
    )
    cluster.address = cluster_data.get("address", cluster.address)
    cluster.controller_id = cluster_data.get("controller")
    for name, default in data.get("topicConfigDefaults", {}).items():
        if default is None:
            cluster.configs.topic_defaults.pop(name, None)
        else:
            cluster.configs.topic_defaults[name] = default
    for name, value in data.get("brokerConfigs", {}).items():
        cluster.set_broker_config(None, name, _text(value))
    for broker, configs in data.get("perBrokerConfigs", {}).items():
        for name, value in configs.items():
            cluster.set_broker_config(int(broker), name, _text(value))
    for name, topic in data.get("topics", {}).items():
        _load_topic(cluster, name, topic, origin)
    # A broker in replica lists but not in `brokers` is down (docs/snapshots.md): as
    # Kafka fences it, it leaves the ISRs, and partitions it alone led go offline.
    for broker in cluster.stopped_brokers():
        cluster.stop_broker(broker)
    for index, item in enumerate(data.get("reassignments", [])):
        _load_reassignment(cluster, item, f"{origin}: $.reassignments[{index}]")
    _load_acls(cluster, data.get("acls") or [], origin)
    _load_quotas_and_users(cluster, data, origin)
    cluster.calls.clear()
    return cluster


def _load_quotas_and_users(cluster: MemoryCluster, data: dict[str, Any], origin: str) -> None:
    """Quotas, and users with credentials no password opens (none was read);
    the password records go to kafkaform's users ledger topic, as on the cluster."""
    try:
        for index, item in enumerate(data.get("quotas") or []):
            where = f"$.quotas[{index}]"
            cluster.set_quota(QuotaEntity(item.get("user"), item.get("clientId")),
                              item["values"])
        for name, credentials in (data.get("users") or {}).items():
            where = _json_path("users", name)
            for mechanism, iterations in credentials.items():
                cluster.set_scram_credential(name, ScramMechanism(mechanism), iterations)
    except ClusterError as error:
        raise KafkaformError(f"{origin}: {where}: {error.message}") from None
    records = {name: PasswordRecord.from_dict(entry)
               for name, entry in data.get("passwordRecords", {}).items()}
    if records:
        if USERS_LEDGER_TOPIC not in cluster.list_topics():
            first = cluster.describe_cluster().brokers[0].id
            cluster.add_topic(USERS_LEDGER_TOPIC, [[first]])
        cluster.write_record(USERS_LEDGER_TOPIC, USERS_LEDGER_KEY, users_ledger_json(records))


def _load_topic(cluster: MemoryCluster, name: str, topic: dict[str, Any], origin: str) -> None:
    overrides = {}
    for config, value in topic.get("configs", {}).items():
        source = ConfigSource.DYNAMIC_TOPIC_CONFIG
        if isinstance(value, dict):
            source = ConfigSource(value.get("source", source))
            value = value["value"]
        _apply_topic_config(cluster, overrides, config, _text(value), source)
    partitions = topic["partitions"]
    if all(isinstance(item, list) for item in partitions):
        # The short form only (what `kafkaform snapshot` writes for healthy
        # partitions): led by the first replica, all in sync, as add_topic defaults.
        cluster.add_topic(name, partitions, overrides, internal=topic.get("internal"))
        return
    assignment, leaders, isrs, sizes = [], [], [], {}
    for i, item in enumerate(partitions):
        if isinstance(item, list):  # the short form
            assignment.append(item)
            leaders.append(item[0])
            isrs.append(item)
            continue
        replicas = item["replicas"]
        leader = item.get("leader", replicas[0])
        isr = item.get("isr", replicas)
        where = f"{origin}: {_json_path('topics', name, 'partitions', i)}"
        if leader is not None and leader not in replicas:
            raise KafkaformError(f"{where}.leader: {leader} is not a replica")
        if not set(isr) <= set(replicas):
            raise KafkaformError(f"{where}.isr: {isr} is not within {replicas}")
        assignment.append(replicas)
        leaders.append(leader)
        isrs.append(isr)
        if "sizeBytes" in item:
            sizes[i] = item["sizeBytes"]
    cluster.add_topic(
        name, assignment, overrides, leaders=leaders, isrs=isrs, internal=topic.get("internal")
    )
    for i, size in sizes.items():  # a partition without one reports no size
        cluster.set_partition_size(TopicPartition(name, i), size)


def _apply_topic_config(
    cluster: MemoryCluster,
    overrides: dict[str, str | None],
    name: str,
    value: str | None,
    source: ConfigSource,
) -> None:
    """A topic entry with another source than an override is a cluster-wide fact."""
    definition = TOPIC_CONFIGS.get(name)
    synonym = (definition and definition.broker_synonym) or name
    if source is ConfigSource.DYNAMIC_TOPIC_CONFIG:
        overrides[name] = value
    elif source is ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG:
        cluster.set_broker_config(None, synonym, value)
    elif source is ConfigSource.STATIC_BROKER_CONFIG and value is not None:
        cluster.configs.static[synonym] = value
    else:
        cluster.configs.topic_defaults[name] = value


def _load_reassignment(cluster: MemoryCluster, item: dict[str, Any], where: str) -> None:
    tp = TopicPartition(item["topic"], item["partition"])
    topics = cluster.list_topics()
    if tp.topic not in topics or tp.partition >= len(topics[tp.topic].partitions):
        raise KafkaformError(f"{where}: no partition {tp} in topics")
    replicas = topics[tp.topic].partitions[tp.partition].replicas
    if list(item.get("replicas", replicas)) != list(replicas):
        raise KafkaformError(
            f"{where}.replicas: {item['replicas']} differ from the partition's {list(replicas)}"
        )
    adding, removing = item.get("adding", []), item.get("removing", [])
    if not set(adding) | set(removing) <= set(replicas):
        raise KafkaformError(f"{where}: adding and removing must be among {list(replicas)}")
    cluster.set_reassignment(tp, adding, removing)


def _load_acls(cluster: MemoryCluster, items: list[dict[str, Any]], origin: str) -> None:
    bindings = [
        AclBinding(
            principal=item["principal"],
            resource_type=ResourceType(item["resourceType"]),
            resource_name=item["resourceName"],
            pattern_type=PatternType(item.get("patternType", "LITERAL")),
            operation=AclOperation(item["operation"]),
            permission=AclPermission(item.get("permission", "ALLOW")),
            host=item.get("host", "*"),
        )
        for item in items
    ]
    for index, binding in enumerate(bindings):
        try:
            cluster.add_acls([binding])
        except ClusterError as error:
            raise KafkaformError(f"{origin}: $.acls[{index}]: {error.message}") from None


def _json_path(*keys: str | int) -> str:
    """`$.topics['orders.created'].partitions[0]`, written as jsonschema writes paths."""
    path = "$"
    for key in keys:
        if isinstance(key, int):
            path += f"[{key}]"
        elif re.fullmatch(r"[a-zA-Z][a-zA-Z0-9_]*", key):
            path += f".{key}"
        else:
            path += "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']"
    return path


def _text(value: object) -> str | None:
    """Kafka's string form of a hand-written JSON value (true -> "true")."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
