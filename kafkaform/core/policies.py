"""The HA policies of an environment (docs/policies.md explains each one).

Each policy is checked against the desired state; a violation is reported at
the level the environment gives it (`error` by default, `warn`, or `off`).
`check_policies` needs only the files; `check_cluster_policies` needs the
cluster (broker count, racks, existing replicas) and runs in the planner.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from kafkaform.core.model import (
    DEFAULT_ENTITY,
    AclOperation,
    AclPermission,
    DesiredState,
    PlacementStrategy,
    Policies,
    PolicyLevel,
    QuotaEntity,
    ResourceType,
    Source,
    TopicOrigin,
    TopicSpec,
)
from kafkaform.core.placement import RackLayout
from kafkaform.core.problems import Problem, Severity
from kafkaform.core.wording import listed, plural

if TYPE_CHECKING:  # the planner hands one in; validating files loads no observed state
    from kafkaform.core.observed import ObservedState

# Kafka's own defaults, used when neither the topic nor brokerConfigs set them.
KAFKA_DEFAULT_MIN_INSYNC = 1
UNCLEAN_LEADER_ELECTION = "unclean.leader.election.enable"


def _violation(desired: DesiredState, policy: str, where: Source | None, path: str,
               message: str) -> Iterator[Problem]:
    level = desired.policies.level(policy)
    if level is PolicyLevel.OFF:
        return
    severity = Severity.WARNING if level is PolicyLevel.WARN else Severity.ERROR
    yield Problem(
        where.file if where else None,
        where.line if where else None,
        path,
        f"{message} (policy {policy})",
        severity,
    )


def effective_min_insync(topic: TopicSpec, desired: DesiredState) -> int:
    """The min.insync.replicas a topic gets: its own, the cluster's, Kafka's."""
    value = topic.configs.get(
        "min.insync.replicas", desired.broker_configs.get("min.insync.replicas")
    )
    return int(value) if value is not None else KAFKA_DEFAULT_MIN_INSYNC


def _where(topic: TopicSpec, origin: TopicOrigin | None, key: str) -> Source | None:
    if origin is not None and key in origin.where:
        return origin.where[key]
    return topic.source


def _cleanup_policies(topic: TopicSpec) -> set[str]:
    return set(topic.configs.get("cleanup.policy", "delete").split(","))


def check_policies(
    desired: DesiredState,
    topic_origins: Mapping[str, TopicOrigin],
    broker_config_sources: Mapping[str, Source],
) -> list[Problem]:
    """Every policy violation the files alone show (`*_origins`/`*_sources`: where
    the files wrote each part, for the problem lines)."""
    problems = list(_broker_config_policies(desired, broker_config_sources))
    for name, topic in desired.topics.items():
        problems.extend(_topic_policies(desired, topic, topic_origins.get(name)))
    problems.extend(_producer_quotas(desired))
    return problems


def _producer_quotas(desired: DesiredState) -> Iterator[Problem]:
    """producerQuota: every user the files let write to a topic has a
    producer_byte_rate quota that applies to all its clients: its own
    (`user: X`, or `user: X, clientId: <default>`), or a default one."""
    if not desired.policies.require_producer_quota:
        return
    covered = {q.entity for q in desired.quotas.values() if "producer_byte_rate" in q.values}
    producers = sorted(
        (source, binding.principal) for binding, source in desired.acl_sources.items()
        if binding.resource_type is ResourceType.TOPIC
        and binding.operation in (AclOperation.WRITE, AclOperation.ALL)
        and binding.permission is AclPermission.ALLOW
        and binding.principal.startswith("User:")
    )
    reported: set[str] = set()
    for source, principal in producers:
        user = principal.removeprefix("User:")
        if principal in reported or _has_producer_quota(user, covered):
            continue
        reported.add(principal)
        yield from _violation(
            desired, "producerQuota", source, f"principals[{principal}]",
            f"{principal} may produce but has no producer_byte_rate quota: add a Quotas "
            f"entry with user: {user} (or a {DEFAULT_ENTITY} one)",
        )


def _has_producer_quota(user: str, entities: set[QuotaEntity]) -> bool:
    """Kafka applies a quota to every client of a user when its client-id part is
    absent or the default; a default user (or client-id) quota applies to all."""
    all_clients = (None, DEFAULT_ENTITY)
    return any(
        entity.user in (user, DEFAULT_ENTITY, None) and entity.client_id in all_clients
        and entity != QuotaEntity()
        for entity in entities
    )


def _broker_config_policies(
    desired: DesiredState, sources: Mapping[str, Source]
) -> Iterator[Problem]:
    policies = desired.policies
    where = sources.get

    unclean = desired.broker_configs.get(UNCLEAN_LEADER_ELECTION)
    if policies.require_unclean_leader_election_disabled and unclean == "true":
        yield from _violation(
            desired, "uncleanLeaderElection", where("unclean.leader.election.enable"),
            "cluster.brokerConfigs.unclean.leader.election.enable",
            "unclean leader election can lose acknowledged writes; set it to false",
        )
    min_insync = desired.broker_configs.get("min.insync.replicas")
    if min_insync is not None and int(min_insync) < policies.min_insync_replicas:
        yield from _violation(
            desired, "minInsyncReplicas", where("min.insync.replicas"),
            "cluster.brokerConfigs.min.insync.replicas",
            f"min.insync.replicas {min_insync} is below {policies.min_insync_replicas}",
        )


def _topic_policies(desired: DesiredState, topic: TopicSpec,
                    origin: TopicOrigin | None) -> Iterator[Problem]:
    policies = desired.policies
    label = f"topics[{topic.name}]"
    if topic.replication_factor < policies.min_replication_factor:
        yield from _violation(
            desired, "minReplicationFactor", _where(topic, origin, "replicationFactor"),
            f"{label}.replicationFactor",
            f"replication factor {topic.replication_factor} is below "
            f"{policies.min_replication_factor}",
        )
    min_insync = effective_min_insync(topic, desired)
    if min_insync < policies.min_insync_replicas and topic.replication_factor > 1:
        yield from _violation(
            desired, "minInsyncReplicas", _where(topic, origin, "configs.min.insync.replicas"),
            f"{label}.configs.min.insync.replicas",
            f"min.insync.replicas {min_insync} is below {policies.min_insync_replicas}: "
            f"acks=all writes can succeed on fewer copies",
        )
    if (policies.require_unclean_leader_election_disabled
            and topic.configs.get(UNCLEAN_LEADER_ELECTION) == "true"):
        yield from _violation(
            desired, "uncleanLeaderElection",
            _where(topic, origin, "configs.unclean.leader.election.enable"),
            f"{label}.configs.unclean.leader.election.enable",
            "unclean leader election can lose acknowledged writes; set it to false",
        )
    pattern = policies.topic_name_pattern
    if pattern and not re.fullmatch(pattern, topic.name):
        yield from _violation(
            desired, "topicName", _where(topic, origin, "name"), f"{label}.name",
            f"topic name {topic.name!r} does not match {pattern}",
        )
    if policies.compacted_topics_require_keys:
        yield from _compaction_policy(desired, topic, origin, label)


def _compaction_policy(desired: DesiredState, topic: TopicSpec, origin: TopicOrigin | None,
                       label: str) -> Iterator[Problem]:
    cleanup = _cleanup_policies(topic)
    if "compact" not in cleanup:
        return
    if origin is not None and origin.keyed is False:
        yield from _violation(
            desired, "compaction", _where(topic, origin, "keyed"), f"{label}.keyed",
            "compaction keeps the latest record per key: a compacted topic must be keyed",
        )
    if "delete" in cleanup:
        return
    for key in ("retention.ms", "retention.bytes"):
        if key in topic.configs:
            yield from _violation(
                desired, "compaction", _where(topic, origin, f"configs.{key}"),
                f"{label}.configs.{key}",
                f"{key} never deletes anything on a compact-only topic; use "
                "cleanup.policy: [compact, delete] to also expire old records, or remove it",
            )


# --- adopting a cluster: the policies its state satisfies ---------------------------


@dataclass(frozen=True)
class Relaxation:
    """A policy value an existing cluster satisfies where the HA default does not."""

    policy: str  # the YAML key under `policies:`
    value: object  # what the cluster's state satisfies
    default: object  # what the HA default requires
    because: str  # what keeps the default from holding


def relaxations(desired: DesiredState, observed: ObservedState) -> list[Relaxation]:
    """The policies `desired` (an import of `observed`, under the default policies)
    violates, each with the value its state satisfies: what `kafkaform import`
    writes into a new environment so it validates as it is."""
    defaults = Policies()
    topics = sorted(desired.topics.values(), key=lambda t: t.name)
    found = []
    low_rf = [t for t in topics if t.replication_factor < defaults.min_replication_factor]
    if low_rf:
        found.append(Relaxation(
            "minReplicationFactor", min(t.replication_factor for t in low_rf),
            defaults.min_replication_factor, _topics("below it", low_rf)))
    low_isr = [t for t in topics if t.replication_factor > 1
               and effective_min_insync(t, desired) < defaults.min_insync_replicas]
    if low_isr:
        found.append(Relaxation(
            "minInsyncReplicas", min(effective_min_insync(t, desired) for t in low_isr),
            defaults.min_insync_replicas, _topics("below it", low_isr)))
    unclean = [t for t in topics if t.configs.get(UNCLEAN_LEADER_ELECTION) == "true"]
    if unclean:
        found.append(Relaxation("uncleanLeaderElection", "allow", "forbid",
                                _topics("allowing it", unclean)))
    average, total = replicas_per_broker(desired, observed)
    if average > defaults.max_partitions_per_broker:
        found.append(Relaxation(
            "maxPartitionsPerBroker", average, defaults.max_partitions_per_broker,
            f"{total} partition replicas on {plural(len(observed.cluster.brokers), 'broker')}"))
    at_defaults = replace(desired, policies=defaults)
    uncompacted = [t for t in topics
                   if any(_compaction_policy(at_defaults, t, None, f"topics[{t.name}]"))]
    if uncompacted:
        found.append(Relaxation("compaction", False, True,
                                _topics("compact-only with a retention limit", uncompacted)))
    return found


def _topics(what: str, topics: list[TopicSpec]) -> str:
    return f"{plural(len(topics), 'topic')} {what}: {listed([t.name for t in topics])}"


def check_cluster_policies(desired: DesiredState, observed: ObservedState) -> list[Problem]:
    """Policies that need the cluster: partitions per broker and rack spread."""
    return [
        *_partitions_per_broker(desired, observed),
        *_rack_spread(desired, observed),
    ]


def replicas_per_broker(desired: DesiredState, observed: ObservedState) -> tuple[int, int]:
    """(average partition replicas per broker, all replicas) once the plan is applied:
    the files' topics at their planned size, the cluster's others as they are,
    without the topics the plan deletes."""
    replicas = {
        name: len(info.partitions) * len(info.partitions[0].replicas)
        for name, info in observed.topics.items()
        if info.partitions and not _deleted_by_the_plan(desired, name)
    }
    for name, topic in desired.topics.items():
        replicas[name] = max(
            replicas.get(name, 0), topic.partitions * topic.replication_factor
        )
    total = sum(replicas.values())
    return math.ceil(total / max(1, len(observed.cluster.brokers))), total


def _deleted_by_the_plan(desired: DesiredState, topic: str) -> bool:
    scope = desired.scope.topics
    return scope.delete and scope.manages(topic) and topic not in desired.topics


def _partitions_per_broker(desired: DesiredState, observed: ObservedState) -> Iterator[Problem]:
    brokers = observed.cluster.brokers
    if not brokers:
        return
    average, total = replicas_per_broker(desired, observed)
    limit = desired.policies.max_partitions_per_broker
    if average > limit:
        yield from _violation(
            desired, "maxPartitionsPerBroker", None, "policies.maxPartitionsPerBroker",
            f"about {average} partition replicas per broker once the files are applied "
            f"({plural(total, 'replica')} on {plural(len(brokers), 'broker')}); the limit is "
            f"{limit}",
        )


def _rack_spread(desired: DesiredState, observed: ObservedState) -> Iterator[Problem]:
    if not desired.policies.require_rack_spread:
        return
    racks = {b.id: b.rack for b in observed.cluster.brokers}
    distinct = {rack for rack in racks.values() if rack is not None}
    if len(distinct) < 2:
        yield from _violation(
            desired, "rackSpread", None, "policies.rackSpread",
            "the brokers report fewer than two racks (broker.rack): replicas cannot span racks",
        )
        return
    layout = RackLayout(racks)
    for name, topic in sorted(desired.topics.items()):
        if topic.placement is PlacementStrategy.RACK_SPREAD:
            continue  # the planner moves these replicas itself
        if topic.assignment is not None:
            lists = list(enumerate(topic.assignment))
        elif name in observed.topics:
            lists = [(p.partition, p.replicas) for p in observed.topics[name].partitions]
        else:
            continue  # Kafka's own create-time placement is rack-aware
        for partition, replicas in lists:
            if layout.missing(replicas):
                yield from _violation(
                    desired, "rackSpread", topic.source, f"topics[{name}].placement",
                    f"partition {partition} spans {layout.spans(replicas)} of {layout.count} "
                    "racks; use placement: rack-spread",
                )
                break
