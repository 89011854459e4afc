"""The checks of a desired state that need no cluster, beyond the schemas.

Kafka's own rules (topic names, config names, static replica lists) and
consistency (min.insync.replicas against the replication factor, compaction
lags, the managed scope, '.'/'_' collisions). Pure: `validate_environment`
(kafkaform.files.validate) runs them after loading; the HA policies are
`kafkaform.core.policies`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from kafkaform.core.kafka_configs import TOPIC_CONFIGS
from kafkaform.core.kafka_rules import topic_name_problem
from kafkaform.core.model import (
    DEFAULT_ENTITY,
    DesiredState,
    Source,
    TopicOrigin,
    TopicSpec,
    is_internal_topic,
)
from kafkaform.core.policies import effective_min_insync
from kafkaform.core.problems import Problem, Severity
from kafkaform.core.wording import did_you_mean, plural


def check_semantics(
    desired: DesiredState, topic_origins: Mapping[str, TopicOrigin]
) -> list[Problem]:
    """Kafka's rules and kafkaform's consistency checks (`topic_origins`: where each
    topic's parts are written, for the problem lines)."""
    problems = list(_name_collisions(desired, topic_origins))
    for name, topic in desired.topics.items():
        origin = topic_origins.get(name, TopicOrigin())
        problems.extend(_topic_problems(desired, topic, origin))
    problems.extend(_acl_scope(desired))
    problems.extend(_quota_and_user_scope(desired))
    problems.extend(_default_quotas_throttle_kafkaform(desired))
    return problems


def _at(where: Source | None, path: str, message: str,
        severity: Severity = Severity.ERROR) -> Problem:
    return Problem(where.file if where else None, where.line if where else None, path, message,
                   severity)


def _topic_problems(desired: DesiredState, topic: TopicSpec,
                    origin: TopicOrigin) -> Iterator[Problem]:
    label = f"topics[{topic.name}]"

    def where(key: str) -> Source | None:
        return origin.where.get(key, topic.source)

    reason = topic_name_problem(topic.name)
    if reason:
        yield _at(where("name"), f"{label}.name", reason)
    elif is_internal_topic(topic.name):
        yield _at(where("name"), f"{label}.name",
                  "internal topic names (__*, _confluent*, _schemas) are never managed")
    elif "." in topic.name and "_" in topic.name:
        yield _at(where("name"), f"{label}.name",
                  "mixes '.' and '_': Kafka metric names treat them alike, so it could "
                  "collide with another topic", Severity.WARNING)
    if not desired.scope.topics.manages(topic.name) and not is_internal_topic(topic.name):
        yield _at(where("name"), f"{label}.name",
                  "outside the managed scope (manage.topics): the planner would ignore it")
    if topic.partitions <= 0:
        yield _at(where("partitions"), f"{label}.partitions",
                  f"partitions must be at least 1, got {topic.partitions}")
    yield from _config_names(topic, origin, label)
    yield from _min_insync(desired, topic, origin, label)
    yield from _compaction_lags(topic, where, label)
    if topic.assignment is not None:
        yield from _static_placement(topic, where("placement"), label)


def _config_names(topic: TopicSpec, origin: TopicOrigin, label: str) -> Iterator[Problem]:
    for key in topic.configs:
        where = origin.where.get(f"configs.{key}", topic.source)
        config = TOPIC_CONFIGS.get(key)
        if config is None:
            hint = did_you_mean(key, TOPIC_CONFIGS)
            yield _at(where, f"{label}.configs.{key}",
                      "unknown topic config" + (f"; {hint}" if hint else ""))
        elif config.removed:
            yield _at(where, f"{label}.configs.{key}",
                      f"unknown to Kafka {config.removed} and later; {config.deprecated}",
                      Severity.WARNING)
        elif config.deprecated:
            yield _at(where, f"{label}.configs.{key}", f"deprecated: {config.deprecated}",
                      Severity.WARNING)


def _min_insync(desired: DesiredState, topic: TopicSpec, origin: TopicOrigin,
                label: str) -> Iterator[Problem]:
    min_insync = effective_min_insync(topic, desired)
    rf = topic.replication_factor
    where = origin.where.get("configs.min.insync.replicas", topic.source)
    path = f"{label}.configs.min.insync.replicas"
    if min_insync > rf:
        yield _at(where, path, f"min.insync.replicas {min_insync} is greater than the "
                               f"replication factor {rf}: acks=all writes would always fail")
    elif min_insync == rf and rf > 1:
        yield _at(where, path, f"min.insync.replicas equals the replication factor {rf}: "
                               "one broker down stops acks=all writes", Severity.WARNING)


def _compaction_lags(topic: TopicSpec, where, label: str) -> Iterator[Problem]:
    low = topic.configs.get("min.compaction.lag.ms")
    high = topic.configs.get("max.compaction.lag.ms")
    if low is not None and high is not None and int(low) > int(high):
        yield _at(where("configs.min.compaction.lag.ms"), f"{label}.configs.min.compaction.lag.ms",
                  "min.compaction.lag.ms is greater than max.compaction.lag.ms")


def _static_placement(topic: TopicSpec, where: Source | None, label: str) -> Iterator[Problem]:
    path = f"{label}.placement.replicas"
    assignment = topic.assignment or ()
    if len(assignment) != topic.partitions:
        yield _at(where, path, f"{len(assignment)} replica lists for {topic.partitions} "
                               "partitions: give one list per partition")
    for partition, replicas in enumerate(assignment):
        if len(set(replicas)) != len(replicas):
            yield _at(where, f"{path}[{partition}]",
                      f"partition {partition} lists a broker twice: {list(replicas)}")
        if len(replicas) != topic.replication_factor:
            yield _at(where, f"{path}[{partition}]",
                      f"partition {partition} has {plural(len(replicas), 'replica')}, the "
                      f"replication factor is {topic.replication_factor}")


def _name_collisions(desired: DesiredState,
                     origins: Mapping[str, TopicOrigin]) -> Iterator[Problem]:
    """Kafka refuses a topic whose name differs from another only by '.' vs '_'."""
    first: dict[str, str] = {}
    for name in sorted(desired.topics):
        folded = name.replace(".", "_")
        if folded in first:
            other = desired.topics[first[folded]]
            where = origins.get(name, TopicOrigin()).where.get("name", desired.topics[name].source)
            yield _at(where, f"topics[{name}].name",
                      f"collides with topic {other.name!r} ({other.source}): Kafka treats "
                      "'.' and '_' alike in topic names")
        else:
            first[folded] = name


def _acl_scope(desired: DesiredState) -> Iterator[Problem]:
    scope = desired.scope.acls
    reported: set[str] = set()
    # Source's order (file, line), compared as a tuple: the dataclass's __lt__
    # costs a Python call for each of 800,000 comparisons at 50,000 bindings.
    for binding, where in sorted(desired.acl_sources.items(),
                                 key=lambda item: (item[1].file, item[1].line)):
        if not scope.manages(binding) and binding.principal not in reported:
            reported.add(binding.principal)
            yield _at(where, f"principals[{binding.principal}]",
                      "outside the managed scope (manage.acls.principals): the planner "
                      "would ignore its bindings")


def _quota_and_user_scope(desired: DesiredState) -> Iterator[Problem]:
    scope = desired.scope
    for quota in desired.quotas.values():
        if not scope.quotas.manages(quota.entity.names):
            yield _at(quota.source, f"quotas[{quota.entity.describe()}]",
                      "outside the managed scope (manage.quotas.prefixes): the planner would "
                      "ignore it")
    for user in desired.users.values():
        if not scope.users.manages((user.name,)):
            yield _at(user.source, f"users[{user.name}].name",
                      "outside the managed scope (manage.users.prefixes): the planner would "
                      "ignore it")


# Quotas that slow down admin requests: every request's time, and the rate of
# topic and partition creations and deletions (KIP-599).
_ADMIN_QUOTAS = ("request_percentage", "controller_mutation_rate")


def _default_quotas_throttle_kafkaform(desired: DesiredState) -> Iterator[Problem]:
    """A `<default>` user or client-id quota applies to every client without a
    more specific quota, kafkaform's own admin connection included (on a
    PLAINTEXT listener it is User:ANONYMOUS, and its client id is kafkaform's
    or librdkafka's default): apply would be throttled by it."""
    own_user = desired.cluster.client.get("sasl.username")
    if own_user and any(q.entity.user == own_user for q in desired.quotas.values()):
        return  # kafkaform's user has a quota of its own, which wins over the default
    unless = (f"its user, User:{own_user}, has a quota of its own" if own_user
              else "kafkaform connects as a user with a quota of its own")
    for quota in desired.quotas.values():
        entity = quota.entity
        if DEFAULT_ENTITY not in (entity.user, entity.client_id) or entity.names:
            continue
        throttling = [key for key in _ADMIN_QUOTAS if key in quota.values]
        if throttling:
            yield _at(quota.source, f"quotas[{entity.describe()}]",
                      f"a {DEFAULT_ENTITY} quota with {' and '.join(throttling)} also throttles "
                      f"kafkaform's own admin requests (apply may slow down or time out), "
                      f"unless {unless}",
                      Severity.WARNING)
