"""Topics: merged by name across the layers, field by field, then built with the defaults.

`partitions`, `replicationFactor`, `placement`, `keyed` replace; `configs`
merge key by key and `key: null` removes an inherited key (also one from
`defaults.topic.configs`); `remove: true` drops the inherited topic.
`defaults.topic` (from the Environment document) fills what a topic leaves
unset; topic values win. Config values normalise to Kafka's strings here.
"""

from __future__ import annotations

import math
from fractions import Fraction

from kafkaform.core.model import (
    PartitionSizing,
    PlacementStrategy,
    Source,
    TopicOrigin,
    TopicSpec,
)
from kafkaform.core.problems import Problem, Severity
from kafkaform.core.units import normalize_config_value
from kafkaform.files.documents import Document, Path_
from kafkaform.files.load.layers import Layer, items
from kafkaform.files.load.reading import Loading

DEFAULT_SIZING_FACTOR = 1.5
TOPIC_FIELDS = ("partitions", "replicationFactor", "placement", "keyed")


def merge_topics(loading: Loading, layers: list[Layer]) -> dict[str, tuple[dict, TopicOrigin]]:
    merged: dict[str, tuple[dict, TopicOrigin]] = {}
    for layer in layers:
        seen_here: dict[str, Source] = {}
        for doc in layer.documents_of("Topics"):
            for path, entry in items(doc, "topics"):
                name = entry["name"]
                if name in seen_here:
                    loading.report(doc, (*path, "name"),
                                   f"duplicate topic {name!r} (also defined at {seen_here[name]})")
                    continue
                seen_here[name] = loading.source(doc, (*path, "name"))
                _merge_topic(loading, merged, doc, path, entry)
    return {name: value for name, value in merged.items() if not value[1].removed}


def _merge_topic(loading: Loading, merged: dict[str, tuple[dict, TopicOrigin]], doc: Document,
                 path: Path_, entry: dict) -> None:
    name = entry["name"]
    if entry.get("remove"):
        if name in merged and not merged[name][1].removed:
            merged[name][1].removed = True
        else:
            loading.report(doc, (*path, "remove"),
                           f"`remove: true` but no included folder defines topic {name!r}",
                           Severity.WARNING)
        return
    fields, origin = merged.get(name, ({}, TopicOrigin()))
    if origin.removed:  # removed by an earlier overlay, defined again later
        fields, origin = {}, TopicOrigin()
    origin.where["name"] = loading.source(doc, (*path, "name"))
    for key in TOPIC_FIELDS:
        if key in entry:
            fields[key] = entry[key]
            origin.where[key] = loading.source(doc, (*path, key))
    if "keyed" in entry:
        origin.keyed = entry["keyed"]
    for key, value in entry.get("configs", {}).items():
        origin.raw_configs[key] = value
        origin.where[f"configs.{key}"] = loading.source(doc, (*path, "configs", key))
    merged[name] = (fields, origin)


def build_topics(loading: Loading, merged: dict[str, tuple[dict, TopicOrigin]],
                 defaults: dict, env_doc: Document) -> dict[str, TopicSpec]:
    topics: dict[str, TopicSpec] = {}
    default_configs = defaults.get("configs", {})
    # Where each default is written, looked up once for all topics.
    field_sources = {key: loading.source(env_doc, ("defaults", "topic", key))
                     for key in TOPIC_FIELDS if key in defaults}
    config_sources = {key: loading.source(env_doc, ("defaults", "topic", "configs", key))
                      for key in default_configs}
    default_fields = _without_configs(defaults)
    for name, (fields, origin) in sorted(merged.items()):
        for key, source in field_sources.items():
            if key not in fields:
                origin.where[key] = source
        for key, value in default_configs.items():
            if key not in origin.raw_configs:
                origin.raw_configs[key] = value
                origin.where[f"configs.{key}"] = config_sources[key]
        spec = _build_topic(loading, name, {**default_fields, **fields}, origin)
        if spec is not None:
            topics[name] = spec
    return topics


def _build_topic(
    loading: Loading, name: str, fields: dict, origin: TopicOrigin
) -> TopicSpec | None:
    where = origin.where
    placement = fields.get("placement", "default")
    assignment = None
    if isinstance(placement, dict):
        assignment = tuple(tuple(replicas) for replicas in placement["replicas"])
        strategy = PlacementStrategy.STATIC
    else:
        strategy = PlacementStrategy(placement)
    partitions, sizing = _resolve_partitions(fields.get("partitions"))
    if partitions is None and assignment is not None:
        partitions = len(assignment)
    replication_factor = fields.get("replicationFactor")
    if replication_factor is None and assignment is not None:
        replication_factor = len(assignment[0])
    missing = [key for key, value in
               (("partitions", partitions), ("replicationFactor", replication_factor))
               if value is None]
    if missing:
        loading.problems.append(Problem(
            where["name"].file, where["name"].line, f"topics[{name}]",
            f"no {' and no '.join(missing)}: set it on the topic or in defaults.topic",
        ))
        return None
    configs = _normalize_configs(loading, name, origin)
    keyed = origin.keyed
    if keyed is None:
        keyed = "compact" in configs.get("cleanup.policy", "").split(",")
    return TopicSpec(
        name=name,
        partitions=partitions,
        replication_factor=replication_factor,
        configs=configs,
        placement=strategy,
        assignment=assignment,
        keyed=keyed,
        sizing=sizing,
        source=where["name"],
    )


def _normalize_configs(loading: Loading, topic: str, origin: TopicOrigin) -> dict[str, str]:
    """Kafka's strings for the topic's configs; bad values are reported and left out."""
    configs: dict[str, str] = {}
    for key, raw in sorted(origin.raw_configs.items()):
        if raw is None:
            continue
        try:
            configs[key] = normalize_config_value(key, raw)
        except ValueError as error:
            where = origin.where[f"configs.{key}"]
            loading.problems.append(Problem(
                where.file, where.line, f"topics[{topic}].configs.{key}", str(error)
            ))
    return configs


def _resolve_partitions(raw: object) -> tuple[int | None, PartitionSizing | None]:
    """An int, or the HA sizing rule ceil(throughput / perPartition * factor)."""
    if not isinstance(raw, dict):
        return raw, None  # type: ignore[return-value]
    sizing = PartitionSizing(
        throughput=raw["throughput"],
        per_partition=raw["perPartition"],
        factor=raw.get("factor", DEFAULT_SIZING_FACTOR),
    )
    exact = (Fraction(str(sizing.throughput)) / Fraction(str(sizing.per_partition))
             * Fraction(str(sizing.factor)))
    return math.ceil(exact), sizing


def _without_configs(defaults: dict) -> dict:
    return {k: v for k, v in defaults.items() if k != "configs"}
