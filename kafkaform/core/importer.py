"""Import: the observed cluster as desired-state topics, ACL bindings, client
quotas and SCRAM users.

Pure: `import_topics`, `import_acls`, `import_quotas` and `import_users` turn
an ObservedState into the model that `kafkaform.files.yamlwrite` writes as
YAML. Only a topic's own overrides are imported (not broker or Kafka
defaults), so the files say what is special about each topic, and planning
them against the same cluster is a no-op.

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
    NameScope,
    QuotaSpec,
    TopicScope,
    TopicSpec,
    UserSpec,
    is_internal_topic,
)
from kafkaform.core.observed import ConfigEntry, ConfigSource, ObservedState, TopicInfo
from kafkaform.core.policies import Relaxation, relaxations
from kafkaform.core.reassign.throttles import is_throttle_key
from kafkaform.core.wording import plural
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
    ones are marked keyed. Refused when a selected topic's configs could not be
    read: its file would say it has none."""
    selected = sorted((t for t in observed.topics.values() if which.selects(t)),
                      key=lambda t: t.name)
    unread = [t.name for t in selected if t.name in observed.configs_unread]
    if unread:
        raise KafkaformError(
            f"the configs of {plural(len(unread), 'topic')} could not be read "
            f"({', '.join(unread[:5])}{', ...' if len(unread) > 5 else ''}): importing needs "
            "DESCRIBE_CONFIGS on the topics imported (or leave them out with --exclude)")
    specs = []
    for topic in selected:
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


# No principals listed: every binding.
EVERY_PRINCIPAL = AclScope()


def import_acls(observed: ObservedState, scope: AclScope = EVERY_PRINCIPAL) -> list[AclBinding]:
    """The bindings of the principals in `scope` (the environment's manage.acls),
    sorted; none when the cluster cannot list ACLs. Another principal's binding
    in the files would make the environment invalid ("outside the managed scope")."""
    return sorted(b for b in observed.acls or () if scope.manages(b))


# No prefixes: every quota entity, every user.
EVERYTHING = NameScope()


def import_quotas(observed: ObservedState, scope: NameScope = EVERYTHING) -> list[QuotaSpec]:
    """The client quotas of the entities in `scope` (the environment's
    manage.quotas), sorted by user, then client id."""
    return [
        QuotaSpec(entity, dict(sorted(values.items())))
        for entity, values in sorted((observed.quotas or {}).items(),
                                     key=lambda item: item[0].sort_key)
        if scope.manages(entity.names)
    ]


def import_users(observed: ObservedState, scope: NameScope = EVERYTHING) -> list[UserSpec]:
    """The SCRAM users in `scope` (manage.users), sorted by name, with their
    credentials and, where kafkaform set the password, where it set it from
    (its users ledger); a user kafkaform never set a password for has none."""
    users = []
    for name, credentials in sorted((observed.users or {}).items()):
        if not scope.manages((name,)):
            continue
        record = observed.password_records.get(name)
        users.append(UserSpec(
            name, dict(sorted(credentials.items())),
            password=record.reference if record else None,
            password_version=record.version if record else None,
        ))
    return users

@dataclass(frozen=True)
class Adoption:
    """An existing cluster as a new environment (`kafkaform import NEW_ENV`): its
    topics, ACLs, client quotas and SCRAM users, a managed scope covering
    exactly those, and the policies relaxed to what the cluster satisfies, so
    the environment validates and plans no change as it is."""

    desired: DesiredState
    cluster_id: str
    topics: list[TopicSpec]
    # None: the cluster does not let them be listed (Tansu has no quota APIs).
    acls: list[AclBinding] | None
    quotas: list[QuotaSpec] | None
    users: list[UserSpec] | None
    relaxed: list[Relaxation]


def adopt(observed: ObservedState, name: str, which: TopicFilter = TopicFilter()) -> Adoption:
    if which.internal:
        raise KafkaformError("internal topics are never managed, so a new environment "
                             "cannot adopt them: leave out --internal")
    topics = import_topics(observed, which)
    acls = None if observed.acls is None else import_acls(observed)
    quotas = None if observed.quotas is None else import_quotas(observed)
    users = None if observed.users is None else import_users(observed)
    pattern = which.pattern()
    desired = DesiredState(
        name,
        topics={t.name: t for t in topics},
        acls=frozenset(acls or ()),
        quotas={q.entity: q for q in quotas or ()},
        users={u.name: u for u in users or ()},
        scope=ManagedScope(TopicScope(patterns=(pattern,) if pattern else ()), AclScope()),
    )
    return Adoption(desired, observed.cluster.cluster_id, topics, acls, quotas, users,
                    relaxations(desired, observed))
