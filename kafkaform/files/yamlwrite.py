"""TopicSpecs, ACL bindings and new environments -> YAML in the file format
(for `kafkaform import` and `kafkaform init`).

The output loads back (load.py) to exactly the same topics and bindings:
config values are written in human units only when the conversion is exact,
and ACLs are folded into `produce`/`consume` roles only where the role
expands to exactly those bindings; everything else stays a raw binding.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

from kafkaform.core.kafka_configs import TOPIC_CONFIGS
from kafkaform.core.kafka_rules import (
    CONSUME_GROUP_OPS,
    CONSUME_TOPIC_OPS,
    PRODUCE_TOPIC_OPS,
    PRODUCE_TXN_OPS,
)
from kafkaform.core.model import (
    CLUSTER_RESOURCE_NAME,
    AclBinding,
    AclOperation,
    AclPermission,
    DesiredState,
    PatternType,
    PlacementStrategy,
    ResourceType,
    TopicSpec,
)
from kafkaform.core.policies import Relaxation
from kafkaform.core.units import humanize_config_value
from kafkaform.errors import KafkaformError
from kafkaform.files.load.acls import RESOURCE_TYPES, operation_name
from kafkaform.files.load.environment import POLICY_FIELDS
from kafkaform.files.schemas import schemas_dir

SCHEMA_COMMENT = "# yaml-language-server: $schema=../../schemas/{name}.schema.json\n"
_SCHEMA_PREFIX = "# yaml-language-server: $schema="
_RESOURCE_KEYS = {resource: key for key, resource in RESOURCE_TYPES.items()}


class _Dumper(yaml.SafeDumper):
    """Block mappings, flow lists of scalars, no anchors."""

    def ignore_aliases(self, data: object) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # `  - name:` under `topics:`


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flat = all(not isinstance(item, dict) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(list, _represent_list)


def _dump(document: dict, schema: str) -> str:
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return SCHEMA_COMMENT.format(name=schema) + body


def topic_entry(topic: TopicSpec, omit_kafka_defaults: bool = True) -> dict:
    """One `topics:` item; what the loader would fill in anyway is left out."""
    entry: dict = {"name": topic.name}
    if topic.sizing is not None:
        sizing = topic.sizing
        entry["partitions"] = {"throughput": sizing.throughput,
                               "perPartition": sizing.per_partition, "factor": sizing.factor}
    else:
        entry["partitions"] = topic.partitions
    entry["replicationFactor"] = topic.replication_factor
    if topic.placement is PlacementStrategy.STATIC and topic.assignment is not None:
        entry["placement"] = {"replicas": [list(replicas) for replicas in topic.assignment]}
    elif topic.placement is not PlacementStrategy.DEFAULT:
        entry["placement"] = topic.placement.value
    compacted = "compact" in topic.configs.get("cleanup.policy", "").split(",")
    if topic.keyed != compacted:  # the loader's default: keyed iff compacted
        entry["keyed"] = topic.keyed
    configs = {
        key: humanize_config_value(key, value)
        for key, value in sorted(topic.configs.items())
        if not (omit_kafka_defaults and key in TOPIC_CONFIGS
                and TOPIC_CONFIGS[key].default == value)
    }
    if configs:
        entry["configs"] = configs
    return entry


def topics_document(topics: list[TopicSpec], omit_kafka_defaults: bool = True) -> str:
    """A `kind: Topics` document listing `topics` sorted by name.

    Pass topic-level overrides only (what DescribeConfigs reports as
    DYNAMIC_TOPIC_CONFIG). With `omit_kafka_defaults`, an override equal to
    Kafka's own default is left out, as the planner treats them alike.
    """
    entries = [topic_entry(t, omit_kafka_defaults) for t in sorted(topics, key=lambda t: t.name)]
    return _dump({"kind": "Topics", "topics": entries}, "topics")


def _written_name(name: str, pattern: PatternType) -> str | None:
    """How a role entry writes a resource name, or None if it cannot."""
    if pattern is PatternType.PREFIXED:
        return f"{name}*"
    if name != "*" and name.endswith("*"):
        return None  # a literal name ending in '*' would read back as a prefix
    return name


def _fold_roles(operations: dict[tuple, set[AclOperation]]) -> tuple[dict, dict]:
    """Take role-shaped grants out of `operations` (mutated); return the role."""
    produce: dict[str, list] = defaultdict(list)
    consume: dict[str, list] = defaultdict(list)
    for (resource, name, pattern), ops in sorted(operations.items()):
        written = _written_name(name, pattern)
        if written is None:
            continue
        if resource is ResourceType.TOPIC:
            covered: set[AclOperation] = set()
            if set(PRODUCE_TOPIC_OPS) <= ops:
                produce["topics"].append(written)
                covered |= set(PRODUCE_TOPIC_OPS)
            if set(CONSUME_TOPIC_OPS) <= ops:
                consume["topics"].append(written)
                covered |= set(CONSUME_TOPIC_OPS)
            ops -= covered
        elif resource is ResourceType.TRANSACTIONAL_ID and set(PRODUCE_TXN_OPS) <= ops:
            produce["transactionalIds"].append(written)
            ops -= set(PRODUCE_TXN_OPS)
        elif resource is ResourceType.GROUP and set(CONSUME_GROUP_OPS) <= ops:
            consume["groups"].append(written)
            ops -= set(CONSUME_GROUP_OPS)
        elif (resource is ResourceType.CLUSTER and name == CLUSTER_RESOURCE_NAME
              and AclOperation.IDEMPOTENT_WRITE in ops):
            produce["idempotent"] = True  # type: ignore[assignment]
            ops.discard(AclOperation.IDEMPOTENT_WRITE)
    return _ordered(produce, PRODUCE_KEYS), _ordered(consume, CONSUME_KEYS)


PRODUCE_KEYS = ("topics", "transactionalIds", "idempotent")
CONSUME_KEYS = ("topics", "groups")


def _ordered(role: dict, keys: tuple[str, ...]) -> dict:
    return {key: role[key] for key in keys if key in role}


def acls_document(bindings: Iterable[AclBinding]) -> str:
    """A `kind: Acls` document: roles where they fit exactly, raw bindings otherwise."""
    allowed: dict[tuple[str, str], dict[tuple, set[AclOperation]]] = defaultdict(
        lambda: defaultdict(set)
    )
    raw: dict[tuple, set[AclOperation]] = defaultdict(set)
    for b in bindings:
        if b.permission is AclPermission.ALLOW and b.operation is not AclOperation.ALL:
            allowed[(b.principal, b.host)][(b.resource_type, b.resource_name,
                                            b.pattern_type)].add(b.operation)
        else:
            raw[(b.principal, b.host, b.permission, b.resource_type, b.resource_name,
                 b.pattern_type)].add(b.operation)
    principals = []
    for (principal, host), operations in sorted(allowed.items()):
        produce, consume = _fold_roles(operations)
        if produce or consume:
            entry: dict = {"principal": principal}
            if host != "*":
                entry["host"] = host
            if produce:
                entry["produce"] = produce
            if consume:
                entry["consume"] = consume
            principals.append(entry)
        for (resource, name, pattern), ops in operations.items():
            if ops:
                raw[(principal, host, AclPermission.ALLOW, resource, name, pattern)] |= ops
    document: dict = {"kind": "Acls"}
    if principals:
        document["principals"] = principals
    if raw:
        document["bindings"] = [_raw_binding(key, ops) for key, ops in sorted(raw.items())]
    return _dump(document, "acls")


def _raw_binding(key: tuple, operations: set[AclOperation]) -> dict:
    principal, host, permission, resource, name, pattern = key
    binding: dict = {"principal": principal, "resource": _RESOURCE_KEYS[resource]}
    if resource is not ResourceType.CLUSTER:
        binding["name"] = name
    if pattern is PatternType.PREFIXED:
        binding["patternType"] = "prefixed"
    binding["operations"] = sorted(operation_name(op) for op in operations)
    if permission is AclPermission.DENY:
        binding["permission"] = "deny"
    if host != "*":
        binding["host"] = host
    return binding


def environment_document(
    desired: DesiredState,
    *,
    notes: Sequence[str] = (),
    relaxed: Sequence[Relaxation] = (),
    topic_defaults: bool = False,
) -> str:
    """A `kind: Environment` document for a new environment (`kafkaform init`, and
    `kafkaform import` of a cluster), commented where a reader needs to know why.

    Written by hand rather than dumped, for the comments: each relaxed policy
    says what the HA default requires and why the cluster does not meet it.
    The layout is `kafkaform fmt`'s.
    """
    cluster = desired.cluster
    lines = [f"# {note}" for note in notes]
    lines += ["kind: Environment", f"name: {yaml_scalar(desired.environment)}", "cluster:",
              f"  bootstrap: {yaml_scalar(cluster.bootstrap or '${KAFKA_BOOTSTRAP}')}"]
    if cluster.cluster_id:
        lines.append(f"  clusterId: {yaml_scalar(cluster.cluster_id)}"
                     "   # no other cluster is touched")
    if topic_defaults:
        lines += ["defaults:",
                  "  topic: {partitions: 3, replicationFactor: 3, "
                  "configs: {min.insync.replicas: 2}}"]
    if relaxed:
        lines.append("policies:")
        by_key = {r.policy: r for r in relaxed}
        for key in POLICY_FIELDS:  # the schema's order, as fmt writes it
            if key in by_key:
                r = by_key[key]
                lines.append(f"  # relaxed to what the cluster satisfies; the HA default "
                             f"is {yaml_scalar(r.default)}")
                lines.append(f"  # ({r.because})")
                lines.append(f"  {key}: {yaml_scalar(r.value)}")
    topics = desired.scope.topics
    patterns = f"patterns: [{', '.join(map(yaml_scalar, topics.patterns))}], " \
        if topics.patterns else ""
    what = "the topics matching the pattern" if topics.patterns else \
        "every topic but internal ones"
    lines += ["manage:",
              f"  topics: {{{patterns}delete: false}}   # {what}; none is ever deleted",
              "  acls: {delete: false}   # every principal's bindings; none is ever deleted"]
    return SCHEMA_COMMENT.format(name="environment") + "\n".join(lines) + "\n"


def yaml_scalar(value: object) -> str:
    """A YAML scalar: JSON's double-quoted form for strings that need it (YAML reads it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and not re.fullmatch(r"[A-Za-z][A-Za-z0-9._-]*", value):
        return json.dumps(value)
    return str(value)


def with_schema_comment(document: str, schema_file: str, out_dir: Path) -> str:
    """The document, starting with a `$schema` comment that is right for `out_dir`."""
    if document.startswith(_SCHEMA_PREFIX):
        document = document.split("\n", 1)[1]
    relative = os.path.relpath(schemas_dir() / schema_file, out_dir.resolve())
    return f"{_SCHEMA_PREFIX}{Path(relative).as_posix()}\n{document}"


def write_new(path: Path, text: str, force: bool) -> None:
    """Write a new file; one that exists only with `force`."""
    if path.exists() and not force:
        raise KafkaformError(f"{path} exists: choose another --out folder or pass --force")
    path.write_text(text, encoding="utf-8")
