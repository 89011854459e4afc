"""Catalog of Apache Kafka's topic configs, manageable broker configs and client quota keys.

The data lives in `kafkaform/data/kafka_configs.json`, derived from the jars of
every Kafka line 3.0 .. 4.4 by `tools/config_catalog.py` (`--check` compares):
the topic config definitions (name, type, default, validator) of `LogConfig`'s
ConfigDef, the topic -> broker synonyms (`ServerTopicConfigSynonyms`) and the
broker defaults (`KafkaConfig`'s ConfigDef); `tests/live/test_live_catalog.py`
checks them against a running broker.

Version tags are release lines 3.0 .. 4.4: `since` is the first line that
knows the config ("3.0" for anything older), `removed` the first that rejects
it, `backports` patch releases of older lines that got it (4.2.2 has
`max.decompressed.message.bytes`, 4.3 does not). Defaults and ranges are the
newest line's; `default_in` gives an older line's default
(`message.timestamp.after.max.ms` was Long.MAX before 4.0). Not covered:
internal configs (`internal.segment.bytes`) and anything still on Kafka's
trunk only.

`BROKER_CONFIGS` holds the cluster-wide dynamic broker configs kafkaform lets
an environment manage (`cluster.brokerConfigs`): every broker synonym of a topic
config not removed by 4.4 (Kafka's DynamicLogConfig makes all of them
reconfigurable cluster-wide; the tool warns if one is not), plus the
replication throttle rates and a few log-cleaner settings from DynamicBrokerConfig.
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
    `backports`: patch releases before `since` that know the config ("4.2.2":
    from 4.2.2 on in the 4.2 line). `earlier_defaults`: (line, default) pairs,
    oldest first: the default of the lines before that line.
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
    backports: tuple[str, ...] = ()
    earlier_defaults: tuple[tuple[str, str | None], ...] = ()


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
        backports=tuple(entry.get("backports", ())),
        # `earlier` is newest change first, and also records old ranges.
        earlier_defaults=tuple(
            (change["before"], change["default"])
            for change in reversed(entry.get("earlier", ())) if "default" in change
        ),
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
        own_default = synonym in broker_defaults
        broker[synonym] = replace(
            topic_def,
            name=synonym,
            default=broker_defaults[synonym] if own_default else topic_def.default,
            broker_synonym=None,
            earlier_defaults=() if own_default else topic_def.earlier_defaults,
        )
    broker.update({d.name: d for d in map(_config_def, data["broker_extra"])})
    return dict(sorted(topic.items())), dict(sorted(broker.items()))


TOPIC_CONFIGS, BROKER_CONFIGS = _load()


def version_tuple(version: str) -> tuple[int, ...]:
    """"4.0" -> (4, 0), for comparing the version tags."""
    return tuple(int(part) for part in version.split("."))


def available_in(config: ConfigDef, kafka_version: str) -> bool:
    """Whether a Kafka release ("4.2.2") or every release of a line ("4.2")
    knows this config."""
    wanted = version_tuple(kafka_version)
    for backport in map(version_tuple, config.backports):
        if wanted[:2] == backport[:2] and wanted >= backport:
            return True
    if wanted < version_tuple(config.since):
        return False
    return config.removed is None or wanted < version_tuple(config.removed)


def default_in(config: ConfigDef, kafka_version: str) -> str | None:
    """The default a Kafka release or line reports for this config."""
    wanted = version_tuple(kafka_version)
    for before, default in config.earlier_defaults:
        if wanted < version_tuple(before):
            return default
    return config.default


# QuotaConfigs.userConfigs()/clientConfigs(): the keys a user, client-id or
# user+client-id quota takes, with their ConfigDef types. (IP entities take
# connection_creation_rate only; kafkaform leaves them alone.)
QUOTA_KEYS: dict[str, str] = {
    "producer_byte_rate": "long",
    "consumer_byte_rate": "long",
    "request_percentage": "double",
    "controller_mutation_rate": "double",
}
# The LONG keys are rates in bytes per second (files may write them as sizes: 10MiB).
BYTE_RATE_QUOTAS = frozenset(key for key, kind in QUOTA_KEYS.items() if kind == "long")
