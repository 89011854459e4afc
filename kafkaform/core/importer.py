"""Import: the observed cluster as desired-state topics and ACL bindings.

Pure: `import_topics` and `import_acls` turn an ObservedState into the model
that `kafkaform.files.yamlwrite` writes as YAML. Only a topic's own overrides are
imported (not broker or Kafka defaults), so the files say what is special
about each topic, and planning them against the same cluster is a no-op.

(Tansu, the local test broker, labels every config it lists DEFAULT_CONFIG;
the Kafka adapter relabels those as the overrides they are, so nothing here
needs to know.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kafkaform.core.model import (
    AclBinding,
    AclScope,
    DesiredState,
    ManagedScope,
    TopicScope,
    TopicSpec,
    is_internal_topic,
)
from kafkaform.core.observed import ConfigEntry, ConfigSource, ObservedState, TopicInfo
from kafkaform.core.policies import Relaxation, relaxations
from kafkaform.core.reassign.throttles import is_throttle_key
from kafkaform.errors import KafkaformError


@dataclass(frozen=True)
class TopicFilter:
    """Which topics to import: regexes matched against the whole name."""

    include: str | None = None
    exclude: str | None = None
    internal: bool = False

    def __post_init__(self) -> None:
        for option, pattern in (("--include", self.include), ("--exclude", self.exclude)):
            if pattern is not None:
                try:
                    re.compile(pattern)
                except re.error as error:
                    raise KafkaformError(f"{option} {pattern!r}: invalid regex: {error}") from None

    def pattern(self) -> str | None:
        """One regex (for `manage.topics.patterns`) whole names match exactly when
        they are selected; None when every topic is."""
        if self.exclude is None:
            return self.include
        return f"(?!(?:{self.exclude})\\Z)(?:{self.include or '.*'})"

    def selects(self, topic: TopicInfo) -> bool:
        if (topic.internal or is_internal_topic(topic.name)) and not self.internal:
            return False
        if self.include is not None and not re.fullmatch(self.include, topic.name):
            return False
        return self.exclude is None or not re.fullmatch(self.exclude, topic.name)


def import_topics(observed: ObservedState, which: TopicFilter = TopicFilter()) -> list[TopicSpec]:
    """The selected topics, sorted by name, with their config overrides; compacted
    ones are marked keyed."""
    specs = []
    for topic in sorted(observed.topics.values(), key=lambda t: t.name):
        if not which.selects(topic):
            continue
        entries = observed.topic_configs.get(topic.name, {})
        specs.append(
            TopicSpec(
                name=topic.name,
                partitions=len(topic.partitions),
                replication_factor=topic.replication_factor,
                configs=topic_overrides(entries),
                keyed=is_compacted(entries),
            )
        )
    return specs


def is_compacted(entries: Mapping[str, ConfigEntry]) -> bool:
    """Compacted topics only take keyed records (Kafka rejects null keys there)."""
    policy = entries.get("cleanup.policy")
    return policy is not None and "compact" in (policy.value or "").split(",")


def topic_overrides(entries: Mapping[str, ConfigEntry]) -> dict[str, str]:
    """The configs set on the topic itself, as Kafka reports their values."""
    return {
        name: entry.value
        for name, entry in sorted(entries.items())
        if entry.value is not None
        and not entry.sensitive
        and not entry.read_only
        and not is_throttle_key(name)
        and entry.source is ConfigSource.DYNAMIC_TOPIC_CONFIG
    }



def import_acls(observed: ObservedState) -> list[AclBinding]:
    """Every binding, sorted; none when the cluster cannot list ACLs."""
    return sorted(observed.acls or ())


@dataclass(frozen=True)
class Adoption:
    """An existing cluster as a new environment (`kafkaform import NEW_ENV`): its
    topics and ACLs, a managed scope covering exactly those, and the policies
    relaxed to what the cluster satisfies, so the environment validates and
    plans no change as it is."""

    desired: DesiredState
    cluster_id: str
    topics: list[TopicSpec]
    acls: list[AclBinding] | None  # None: the cluster does not let ACLs be listed
    relaxed: list[Relaxation]


def adopt(observed: ObservedState, name: str, which: TopicFilter = TopicFilter()) -> Adoption:
    if which.internal:
        raise KafkaformError("internal topics are never managed, so a new environment "
                             "cannot adopt them: leave out --internal")
    topics = import_topics(observed, which)
    acls = None if observed.acls is None else import_acls(observed)
    pattern = which.pattern()
    desired = DesiredState(
        name,
        topics={t.name: t for t in topics},
        acls=frozenset(acls or ()),
        scope=ManagedScope(TopicScope(patterns=(pattern,) if pattern else ()), AclScope()),
    )
    return Adoption(desired, observed.cluster.cluster_id, topics, acls,
                    relaxations(desired, observed))
