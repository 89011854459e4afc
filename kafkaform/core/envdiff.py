"""What differs between two environments' desired state (staging vs prod).

Pure: two `DesiredState`s in, an `EnvironmentDiff` out. Read it as "what
would change going from A to B": topics only in B are additions, topics only
in A removals, then field, config, ACL and broker-config differences. Config
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
    DeleteAcl,
    DeleteTopic,
    Plan,
    SetBrokerConfigs,
    sort_actions,
)
from kafkaform.core.model import AclBinding, DesiredState, PlacementStrategy, TopicSpec
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
class EnvironmentDiff:
    a: str
    b: str
    topics_only_a: tuple[TopicSpec, ...]
    topics_only_b: tuple[TopicSpec, ...]
    topics_changed: tuple[TopicDifference, ...]
    acls_only_a: tuple[AclBinding, ...]
    acls_only_b: tuple[AclBinding, ...]
    broker_configs: tuple[ConfigChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.topics_only_a or self.topics_only_b or self.topics_changed
                    or self.acls_only_a or self.acls_only_b or self.broker_configs)

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
        return Plan(environment=f"{self.a} → {self.b}", cluster_id=None,
                    observed_fingerprint="", desired_hash="", actions=sort_actions(actions))

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
    )


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
