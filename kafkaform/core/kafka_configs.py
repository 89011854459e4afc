"""Catalog of Apache Kafka's topic configs and manageable broker configs.

Derived from Kafka's own sources, not typed from memory: the topic config
definitions (name, type, default, validator) of `LogConfig.java` and
`TopicConfig.java`, the topic -> broker synonyms of
`ServerTopicConfigSynonyms.java`, and the generated "Topic Configs" docs and
upgrade notes of Kafka 3.0 through 4.4 for the version tags. The data lives in
`kafkaform/data/kafka_configs.json` (its `source` field says the same).

Version tags cover 3.0 .. 4.4: `since` is the first release in that range that
knows the config ("3.0" for anything older), `removed` the first release that
rejects it. Defaults are the strings DescribeConfigs reports on the newest
release that has the config (`message.timestamp.after.max.ms` was Long.MAX
before 4.0; `segment.bytes` accepts 14 bytes before 4.0 but 1 MiB from 4.0).
Not covered: internal configs (`internal.segment.bytes`) and anything still on
Kafka's trunk only.

`BROKER_CONFIGS` holds the cluster-wide dynamic broker configs kafkaform lets
an environment manage (`cluster.brokerConfigs`): every broker synonym of a topic
config (Kafka's DynamicLogConfig makes all of them reconfigurable cluster-wide,
except the removed `log.message.format.version`), plus the replication throttle
rates and a few log-cleaner settings from DynamicBrokerConfig.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources
from typing import Literal

ConfigType = Literal["boolean", "int", "long", "double", "string", "list"]
Unit = Literal["ms", "bytes"]


@dataclass(frozen=True)
class ConfigDef:
    """One Kafka config as Kafka defines it.

    `default` is Kafka's string form (what DescribeConfigs reports), None when
    Kafka has no default (broker `log.retention.ms` falls back to
    `log.retention.hours`). `unit` marks configs that take human units.
    `valid_values` lists the enumerated values (each list item for LIST types).
    `minimum` / `maximum` are Kafka's Range validator bounds.
    `deprecated` explains a deprecation still accepted by Kafka.
    """

    name: str
    type: ConfigType
    default: str | None
    unit: Unit | None = None
    valid_values: tuple[str, ...] | None = None
    since: str = "3.0"
    removed: str | None = None
    broker_synonym: str | None = None
    read_only: bool = False
    minimum: float | None = None
    maximum: float | None = None
    deprecated: str | None = None
    note: str | None = None


def _config_def(entry: dict) -> ConfigDef:
    valid = entry.get("valid_values")
    return ConfigDef(
        name=entry["name"],
        type=entry["type"],
        default=entry["default"],
        unit=entry.get("unit"),
        valid_values=tuple(valid) if valid else None,
        since=entry.get("since", "3.0"),
        removed=entry.get("removed"),
        broker_synonym=entry.get("broker_synonym"),
        read_only=entry.get("read_only", False),
        minimum=entry.get("min"),
        maximum=entry.get("max"),
        deprecated=entry.get("deprecated"),
        note=entry.get("note"),
    )


def _load() -> tuple[dict[str, ConfigDef], dict[str, ConfigDef]]:
    text = resources.files("kafkaform.data").joinpath("kafka_configs.json").read_text()
    data = json.loads(text)
    topic = {d.name: d for d in map(_config_def, data["topic"])}
    broker_defaults: dict[str, str | None] = data["broker_synonym_defaults"]
    broker: dict[str, ConfigDef] = {}
    for topic_def in topic.values():
        synonym = topic_def.broker_synonym
        if synonym is None or topic_def.removed is not None:
            continue
        broker[synonym] = replace(
            topic_def,
            name=synonym,
            default=broker_defaults.get(synonym, topic_def.default),
            broker_synonym=None,
        )
    broker.update({d.name: d for d in map(_config_def, data["broker_extra"])})
    return dict(sorted(topic.items())), dict(sorted(broker.items()))


TOPIC_CONFIGS, BROKER_CONFIGS = _load()
