"""What differs between two environments' desired state (staging vs prod).

Pure: two `DesiredState`s in, an `EnvironmentDiff` out. Read it as "what
would change going from A to B": topics only in B are additions, topics only
in A removals, then field, config, ACL, broker-config, client-quota and SCRAM
user differences (a user's password only by its reference: the files hold
no password). Config
values are Kafka's normalised strings, so `7d` and `604800000` are equal.

Shown by `kafkaform.render.envdiff`: text and Markdown reuse the plan
renderers on the plan that would turn a cluster shaped like A into B
(`as_plan`); JSON is the diff's own structure (`to_dict`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from kafkaform.core.actions import (
    Action,
    AddPartitions,
    AlterTopicConfigs,
    ConfigChange,
    CreateAcl,
    CreateTopic,
    CredentialChange,
    DeleteAcl,
    DeleteTopic,
    DeleteUserCredentials,
    Plan,
    QuotaChange,
    SetBrokerConfigs,
    SetClientQuota,
    SetUserCredentials,
    sort_actions,
)
from kafkaform.core.model import (
    AclBinding,
    DesiredState,
    PlacementStrategy,
    QuotaEntity,
    TopicSpec,
    UserSpec,
)
from kafkaform.core.units import humanize_config_value
from kafkaform.core.wording import plural

NO_DIFFERENCES = "No differences: both environments declare the same topics, ACLs and configs."


@dataclass(frozen=True)
class TopicDifference:
    """A topic both declare, differently. `fields` use the YAML key names."""

    name: str
    partitions: tuple[int, int] | None
    fields: tuple[ConfigChange, ...]  # replicationFactor, placement, keyed
    configs: tuple[ConfigChange, ...]


@dataclass(frozen=True)
class QuotaDifference:
    entity: QuotaEntity
    changes: tuple[QuotaChange, ...]  # before: A's value, after: B's
    only_in_b: bool = False
    only_in_a: bool = False


@dataclass(frozen=True)
class UserDifference:
    """A SCRAM user as A and B declare it (None: not declared there)."""

    name: str
    a: UserSpec | None
    b: UserSpec | None

    @property
    def credentials(self) -> tuple[CredentialChange, ...]:
        a = self.a.credentials if self.a else {}
        b = self.b.credentials if self.b else {}
        return tuple(CredentialChange(m, a.get(m), b.get(m))
                     for m in sorted(set(a) | set(b)) if a.get(m) != b.get(m))


def _password(user: UserSpec | None) -> str | None:
    if user is None or user.password is None:
        return None
    version = f" (passwordVersion {user.password_version})" if user.password_version else ""
    return user.password.describe() + version


@dataclass(frozen=True)
class EnvironmentDiff:
    a: str
    b: str
    topics_only_a: tuple[TopicSpec, ...]
    topics_only_b: tuple[TopicSpec, ...]
    topics_changed: tuple[TopicDifference, ...]
    acls_only_a: tuple[AclBinding, ...]
    acls_only_b: tuple[AclBinding, ...]
    broker_configs: tuple[ConfigChange, ...]
    quotas: tuple[QuotaDifference, ...] = ()
    users: tuple[UserDifference, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.topics_only_a or self.topics_only_b or self.topics_changed
                    or self.acls_only_a or self.acls_only_b or self.broker_configs
                    or self.quotas or self.users)

    def summary_line(self) -> str:
        if self.is_empty:
            return NO_DIFFERENCES
        def only(topics: tuple, acls: tuple, env: str) -> str:
            return f"{plural(len(topics), 'topic')} and {plural(len(acls), 'ACL binding')} " \
                   f"only in {env}"

        parts = [only(self.topics_only_b, self.acls_only_b, self.b),
                 only(self.topics_only_a, self.acls_only_a, self.a),
                 f"{plural(len(self.topics_changed), 'topic')} set differently"]
        if self.broker_configs:
            parts.append(f"{plural(len(self.broker_configs), 'broker config')} set differently")
        if self.quotas:
            parts.append(f"{plural(len(self.quotas), 'client quota')} set differently")
        if self.users:
            parts.append(f"{plural(len(self.users), 'SCRAM user')} declared differently")
        return f"Diff: {', '.join(parts)}."

    def as_plan(self) -> Plan:
        """The differences as plan actions, for the plan renderers (display only).

        Config values are shown in human units (`7d`), as the files write them.
        """
        actions: list[Action] = []
        if self.broker_configs:
            actions.append(SetBrokerConfigs(_humane(self.broker_configs)))
        for spec in self.topics_only_b:
            configs = {key: _human(key, value) for key, value in spec.configs.items()}
            actions.append(CreateTopic(spec.name, spec.partitions, spec.replication_factor,
                                       configs, reason=f"only in {self.b}"))
        for spec in self.topics_only_a:
            actions.append(DeleteTopic(spec.name, spec.partitions, reason=f"only in {self.a}"))
        for topic in self.topics_changed:
            if topic.partitions:
                actions.append(AddPartitions(topic.name, *topic.partitions))
            if topic.fields or topic.configs:
                actions.append(AlterTopicConfigs(topic.name,
                                                 topic.fields + _humane(topic.configs)))
        actions += [CreateAcl(b, reason=f"only in {self.b}") for b in self.acls_only_b]
        actions += [DeleteAcl(b, reason=f"only in {self.a}") for b in self.acls_only_a]
        actions += [SetClientQuota(q.entity, q.changes, new_entity=q.only_in_b,
                                   removes_entity=q.only_in_a) for q in self.quotas]
        for user in self.users:
            actions += self._user_actions(user)
        return Plan(environment=f"{self.a} → {self.b}", cluster_id=None,
                    observed_fingerprint="", desired_hash="", actions=sort_actions(actions))

    def _user_actions(self, user: UserDifference) -> list[Action]:
        """The user as plan actions: declared only in B (created), only in A
        (deleted), or differently (mechanisms, iterations, password reference)."""
        if user.b is None:
            return [DeleteUserCredentials(user.name, user.credentials, whole_user=True,
                                          reason=f"only in {self.a}")]
        changes = user.credentials
        actions: list[Action] = []
        added = tuple(c for c in changes if c.after is not None)
        password = _password(user.b) or "(none)"
        if user.a is None:
            return [SetUserCredentials(user.name, added, password, new_user=True,
                                       reason=f"only in {self.b}")]
        moved = _password(user.a) != _password(user.b)
        if moved:  # every mechanism of B gets the password from B's reference
            kept = tuple(CredentialChange(m, i, i) for m, i in sorted(user.b.credentials.items())
                         if m not in {c.mechanism for c in added})
            added = tuple(sorted(added + kept, key=lambda c: c.mechanism))
        if added:
            why = f"password {_password(user.a) or '(none)'} → {password}" if moved else ""
            actions.append(SetUserCredentials(user.name, added, password, reason=why))
        removed = tuple(c for c in changes if c.after is None)
        if removed:
            actions.append(DeleteUserCredentials(user.name, removed))
        return actions

    def to_dict(self) -> dict[str, object]:
        return {
            "a": self.a,
            "b": self.b,
            "topics": {
                "only_a": [_topic_dict(t) for t in self.topics_only_a],
                "only_b": [_topic_dict(t) for t in self.topics_only_b],
                "changed": [
                    {"name": t.name,
                     "partitions": list(t.partitions) if t.partitions else None,
                     "fields": [_change_dict(c) for c in t.fields],
                     "configs": [_change_dict(c) for c in t.configs]}
                    for t in self.topics_changed
                ],
            },
            "acls": {
                "only_a": [_binding_dict(b) for b in self.acls_only_a],
                "only_b": [_binding_dict(b) for b in self.acls_only_b],
            },
            "broker_configs": [_change_dict(c) for c in self.broker_configs],
            "quotas": [
                {"user": q.entity.user, "client_id": q.entity.client_id,
                 "changes": [{"key": c.key, "a": c.before, "b": c.after} for c in q.changes]}
                for q in self.quotas
            ],
            "users": [
                {"name": u.name,
                 "credentials": [{"mechanism": str(c.mechanism), "a": c.before, "b": c.after}
                                 for c in u.credentials],
                 "password": {"a": _password(u.a), "b": _password(u.b)},
                 "only": "a" if u.b is None else "b" if u.a is None else None}
                for u in self.users
            ],
        }


def diff_environments(a: DesiredState, b: DesiredState) -> EnvironmentDiff:
    only_a = sorted(set(a.topics) - set(b.topics))
    only_b = sorted(set(b.topics) - set(a.topics))
    changed = [
        difference for name in sorted(set(a.topics) & set(b.topics))
        if (difference := _topic_difference(a.topics[name], b.topics[name])) is not None
    ]
    return EnvironmentDiff(
        a=a.environment,
        b=b.environment,
        topics_only_a=tuple(a.topics[n] for n in only_a),
        topics_only_b=tuple(b.topics[n] for n in only_b),
        topics_changed=tuple(changed),
        acls_only_a=tuple(sorted(a.acls - b.acls)),
        acls_only_b=tuple(sorted(b.acls - a.acls)),
        broker_configs=map_changes(a.broker_configs, b.broker_configs),
        quotas=_quota_differences(a, b),
        users=tuple(
            UserDifference(name, a.users.get(name), b.users.get(name))
            for name in sorted(set(a.users) | set(b.users))
            if _user_fields(a.users.get(name)) != _user_fields(b.users.get(name))
        ),
    )


def _quota_differences(a: DesiredState, b: DesiredState) -> tuple[QuotaDifference, ...]:
    differences = []
    for entity in sorted(set(a.quotas) | set(b.quotas), key=lambda e: e.sort_key):
        values_a = a.quotas[entity].values if entity in a.quotas else {}
        values_b = b.quotas[entity].values if entity in b.quotas else {}
        changes = tuple(QuotaChange(k, values_a.get(k), values_b.get(k))
                        for k in sorted(set(values_a) | set(values_b))
                        if values_a.get(k) != values_b.get(k))
        if changes:
            differences.append(QuotaDifference(entity, changes, entity not in a.quotas,
                                               entity not in b.quotas))
    return tuple(differences)


def _user_fields(user: UserSpec | None) -> tuple | None:
    return None if user is None else (user.credentials, _password(user))


def map_changes(a: Mapping[str, str], b: Mapping[str, str]) -> tuple[ConfigChange, ...]:
    """Keys whose values differ; None where one side does not set the key."""
    return tuple(
        ConfigChange(key, a.get(key), b.get(key))
        for key in sorted(set(a) | set(b)) if a.get(key) != b.get(key)
    )


def _human(key: str, value: str) -> str:
    shown = humanize_config_value(key, value)
    return str(shown).lower() if isinstance(shown, bool) else str(shown)


def _humane(changes: tuple[ConfigChange, ...]) -> tuple[ConfigChange, ...]:
    return tuple(
        ConfigChange(c.key, *(None if v is None else _human(c.key, v) for v in (c.before, c.after)))
        for c in changes
    )


def _topic_difference(a: TopicSpec, b: TopicSpec) -> TopicDifference | None:
    fields = map_changes(_fields(a), _fields(b))
    configs = map_changes(a.configs, b.configs)
    partitions = (a.partitions, b.partitions) if a.partitions != b.partitions else None
    if not (fields or configs or partitions):
        return None
    return TopicDifference(a.name, partitions, fields, configs)


def _fields(spec: TopicSpec) -> dict[str, str]:
    placement = str(spec.placement)
    if spec.placement is PlacementStrategy.STATIC and spec.assignment is not None:
        placement = "static " + str([list(r) for r in spec.assignment]).replace(" ", "")
    return {"replicationFactor": str(spec.replication_factor), "placement": placement,
            "keyed": str(spec.keyed).lower()}


def _topic_dict(spec: TopicSpec) -> dict[str, object]:
    return {"name": spec.name, "partitions": spec.partitions,
            "replicationFactor": spec.replication_factor,
            "placement": _fields(spec)["placement"], "keyed": spec.keyed,
            "configs": dict(sorted(spec.configs.items()))}


def _change_dict(change: ConfigChange) -> dict[str, object]:
    return {"key": change.key, "a": change.before, "b": change.after}


def _binding_dict(binding: AclBinding) -> dict[str, str]:
    return {key: str(value) for key, value in dataclasses.asdict(binding).items()}
