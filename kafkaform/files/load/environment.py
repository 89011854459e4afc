"""The Environment document: cluster connection, broker configs, policies, scope, settings."""

from __future__ import annotations

import re
from pathlib import Path

from kafkaform.core.kafka_configs import BROKER_CONFIGS
from kafkaform.core.model import (
    AclScope,
    ClusterConnection,
    ManagedScope,
    Policies,
    PolicyLevel,
    ReassignmentSettings,
    TopicScope,
)
from kafkaform.core.problems import Problem
from kafkaform.core.units import normalize_config_value, parse_size_bytes
from kafkaform.core.wording import did_you_mean
from kafkaform.files.documents import Document
from kafkaform.files.load.reading import Loading, is_connection_path

POLICY_FIELDS = {
    "minReplicationFactor": "min_replication_factor",
    "minInsyncReplicas": "min_insync_replicas",
    "uncleanLeaderElection": "require_unclean_leader_election_disabled",
    "topicName": "topic_name_pattern",
    "maxPartitionsPerBroker": "max_partitions_per_broker",
    "rackSpread": "require_rack_spread",
    "compaction": "compacted_topics_require_keys",
}


def environment_document(
    loading: Loading, folder: Path, docs: list[Document]
) -> Document | None:
    envs = [doc for doc in docs if doc.kind == "Environment"]
    if not envs:
        if not loading.shape_problems and not any(p.is_error for p in loading.problems):
            loading.problems.append(Problem(
                str(folder), None, "", "no `kind: Environment` document in this folder"
            ))
        return None
    for extra in envs[1:]:
        loading.report(extra, ("kind",),
                       f"a second Environment document (the first is at {envs[0].file}:"
                       f"{envs[0].line(())})")
    return envs[0]


def broker_configs(loading: Loading, doc: Document) -> dict[str, str]:
    result = {}
    for key, raw in doc.data.get("cluster", {}).get("brokerConfigs", {}).items():
        path = ("cluster", "brokerConfigs", key)
        if key not in BROKER_CONFIGS:
            hint = did_you_mean(key, BROKER_CONFIGS)
            loading.report(doc, path, "not a cluster-wide dynamic broker config kafkaform "
                                      "manages (see docs/file-format.md)"
                                      + (f"; {hint}" if hint else ""))
            continue
        try:
            result[key] = normalize_config_value(key, raw)
        except ValueError as error:
            loading.report(doc, path, str(error))
    return result


def policies(loading: Loading, doc: Document) -> Policies:
    values: dict[str, object] = {}
    levels: dict[str, PolicyLevel] = {}
    for key, raw in doc.data.get("policies", {}).items():
        value = raw["value"] if isinstance(raw, dict) else raw
        if isinstance(raw, dict) and "level" in raw:
            # YAML 1.1 reads an unquoted `off` as false.
            levels[key] = PolicyLevel(raw["level"] or PolicyLevel.OFF)
        if key == "uncleanLeaderElection":
            value = value == "forbid"
        if key == "topicName":
            try:
                re.compile(str(value))
            except re.error as error:
                loading.report(doc, ("policies", key), f"not a valid regular expression: {error}")
                continue
        values[POLICY_FIELDS[key]] = value
    return Policies(**values, levels=levels)


def reassignment(loading: Loading, doc: Document) -> ReassignmentSettings:
    raw = doc.data.get("reassignment", {})
    settings = ReassignmentSettings()
    throttle = settings.throttle_bytes_per_sec
    if "throttle" in raw:
        try:
            throttle = parse_size_bytes(raw["throttle"])
            if throttle <= 0:
                raise ValueError("a throttle must be positive")
        except ValueError as error:
            loading.report(doc, ("reassignment", "throttle"), str(error))
    return ReassignmentSettings(
        throttle_bytes_per_sec=throttle,
        batch_size=raw.get("batchSize", settings.batch_size),
        max_moves_per_broker=raw.get("maxMovesPerBroker", settings.max_moves_per_broker),
    )


def connection(loading: Loading, doc: Document) -> ClusterConnection:
    cluster = doc.data.get("cluster", {})
    unresolved = {path for path, _ in doc.unresolved}
    bootstrap = cluster.get("bootstrap")
    if ("cluster", "bootstrap") in unresolved:
        bootstrap = None
    client = {
        key: _client_value(value)
        for key, value in cluster.get("client", {}).items()
        if ("cluster", "client", key) not in unresolved
    }
    return ClusterConnection(
        bootstrap=bootstrap,
        cluster_id=cluster.get("clusterId"),
        client=client,
        timeout_seconds=float(cluster.get("timeoutSeconds", 30.0)),
        missing_variables=tuple(sorted({
            name for path, name in doc.unresolved if is_connection_path(path)
        })),
    )


def scope(data: dict) -> ManagedScope:
    manage = data.get("manage", {})
    topics = manage.get("topics", {})
    acls = manage.get("acls", {})
    return ManagedScope(
        topics=TopicScope(
            prefixes=tuple(topics.get("prefixes", ())),
            patterns=tuple(topics.get("patterns", ())),
            delete=topics.get("delete", False),
        ),
        acls=AclScope(principals=tuple(acls.get("principals", ())),
                      delete=acls.get("delete", False)),
        delete_broker_configs=manage.get("brokerConfigs", {}).get("delete", False),
    )


def _client_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
