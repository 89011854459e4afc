"""Validate an environment folder: every problem, in one run, one line each.

Problems of reading and schema come first, then the semantic checks and the
policies, each group sorted by file, line and key path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kafkaform.core.kafka_configs import TOPIC_CONFIGS
from kafkaform.core.model import DesiredState, Source, TopicSpec, is_internal_topic
from kafkaform.core.policies import check_policies, effective_min_insync
from kafkaform.core.problems import Problem, Severity
from kafkaform.files.load import LoadResult, TopicOrigin, load_environment

# Kafka's Topic.validate: legal characters and length.
LEGAL_TOPIC_NAME = re.compile(r"[a-zA-Z0-9._-]+")
MAX_TOPIC_NAME_LENGTH = 249


@dataclass(frozen=True)
class ValidationResult:
    path: Path
    desired: DesiredState | None
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def sort_key(problem: Problem) -> tuple:
    return (problem.file or "", problem.line or 0, problem.path, problem.message)


def validate_environment(path: Path, environ: dict[str, str] | None = None) -> ValidationResult:
    """Load, check and apply the policies; `desired` is None when anything is an error."""
    loaded = load_environment(path, environ)
    semantic = [*loaded.problems, *check_semantics(loaded), *check_policies(loaded)]
    problems = sorted(loaded.shape_problems, key=sort_key) + sorted(semantic, key=sort_key)
    ok = not any(p.is_error for p in problems)
    return ValidationResult(path, loaded.desired if ok else None, problems, loaded.files)


def check_semantics(loaded: LoadResult) -> list[Problem]:
    desired = loaded.desired
    if desired is None:
        return []
    problems = list(_name_collisions(desired, loaded.topic_origins))
    for name, topic in desired.topics.items():
        origin = loaded.topic_origins.get(name, TopicOrigin())
        problems.extend(_topic_problems(desired, topic, origin))
    problems.extend(_acl_scope(desired))
    return problems


def _at(where: Source | None, path: str, message: str,
        severity: Severity = Severity.ERROR) -> Problem:
    return Problem(where.file if where else None, where.line if where else None, path, message,
                   severity)


def topic_name_problem(name: str) -> str | None:
    """Why Kafka would refuse this topic name, or None."""
    if name in (".", ".."):
        return "a topic cannot be named '.' or '..'"
    if len(name) > MAX_TOPIC_NAME_LENGTH:
        return f"topic names are at most {MAX_TOPIC_NAME_LENGTH} characters ({len(name)} here)"
    if not LEGAL_TOPIC_NAME.fullmatch(name):
        return "topic names may only contain ASCII letters, digits, '.', '_' and '-'"
    return None


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
            yield _at(where, f"{label}.configs.{key}", "unknown topic config")
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
                      f"partition {partition} has {len(replicas)} replicas, the replication "
                      f"factor is {topic.replication_factor}")


def _name_collisions(desired: DesiredState,
                     origins: dict[str, TopicOrigin]) -> Iterator[Problem]:
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
    for binding, where in sorted(desired.acl_sources.items(), key=lambda item: item[1]):
        if not scope.manages(binding) and binding.principal not in reported:
            reported.add(binding.principal)
            yield _at(where, f"principals[{binding.principal}]",
                      "outside the managed scope (manage.acls.principals): the planner "
                      "would ignore its bindings")
