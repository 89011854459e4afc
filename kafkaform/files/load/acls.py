"""ACLs: the union of every layer's bindings, from `principals` roles and raw `bindings`.

A `principals` entry expands like `kafka-acls --producer / --consumer`; one
with `remove: true` drops every binding inherited for that principal. Which
operations Kafka accepts on which resource is `kafkaform.core.kafka_rules`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from kafkaform.core.kafka_rules import (
    CONSUME_GROUP_OPS,
    CONSUME_TOPIC_OPS,
    PRODUCE_TOPIC_OPS,
    PRODUCE_TXN_OPS,
    SUPPORTED_OPERATIONS,
)
from kafkaform.core.model import (
    CLUSTER_RESOURCE_NAME,
    AclBinding,
    AclOperation,
    AclPermission,
    PatternType,
    ResourceType,
    Source,
    acl_order,
)
from kafkaform.core.problems import Severity
from kafkaform.files.documents import Document, Path_
from kafkaform.files.load.layers import Layer, items
from kafkaform.files.load.reading import Loading

RESOURCE_TYPES = {
    "topic": ResourceType.TOPIC,
    "group": ResourceType.GROUP,
    "cluster": ResourceType.CLUSTER,
    "transactionalId": ResourceType.TRANSACTIONAL_ID,
    "delegationToken": ResourceType.DELEGATION_TOKEN,
}

# The files' spellings (the schema's enums): looked up, not converted, per binding.
_PATTERN_TYPES = {pattern.value.lower(): pattern for pattern in PatternType}
_PERMISSIONS = {permission.value.lower(): permission for permission in AclPermission}


def build_acls(
    loading: Loading, layers: list[Layer]
) -> tuple[frozenset[AclBinding], dict[AclBinding, Source]]:
    """Every layer's bindings, with where each was first written."""
    sources: dict[AclBinding, Source] = {}
    for layer in layers:
        added: dict[AclBinding, Source] = {}
        for doc in layer.documents_of("Acls"):
            for path, entry in items(doc, "principals"):
                if entry.get("remove"):
                    _remove_principal(loading, sources, doc, path, entry["principal"])
                    continue
                for binding, binding_path in _expand_role(entry):
                    added.setdefault(binding, loading.source(doc, (*path, *binding_path)))
            for path, entry in items(doc, "bindings"):
                for binding in _raw_bindings(loading, doc, path, entry):
                    added.setdefault(binding, loading.source(doc, path))
        for binding, source in added.items():
            sources.setdefault(binding, source)
    return frozenset(sources), {binding: sources[binding]
                                for binding in sorted(sources, key=acl_order)}


def _remove_principal(loading: Loading, sources: dict[AclBinding, Source], doc: Document,
                      path: Path_, principal: str) -> None:
    dropped = [b for b in sources if b.principal == principal]
    if not dropped:
        loading.report(doc, (*path, "remove"),
                       f"`remove: true` but no included folder grants {principal} anything",
                       Severity.WARNING)
    for binding in dropped:
        del sources[binding]


def _raw_bindings(loading: Loading, doc: Document, path: Path_, entry: dict) -> list[AclBinding]:
    resource_type = RESOURCE_TYPES[entry["resource"]]
    pattern = _PATTERN_TYPES[entry.get("patternType", "literal")]
    name = entry.get("name")
    if resource_type is ResourceType.CLUSTER:
        if name not in (None, CLUSTER_RESOURCE_NAME) or pattern is PatternType.PREFIXED:
            loading.report(doc, (*path, "name"),
                           f"the cluster resource is always the literal {CLUSTER_RESOURCE_NAME!r}")
            return []
        name = CLUSTER_RESOURCE_NAME
    elif name is None:
        loading.report(doc, path, f"a {entry['resource']} binding needs a `name`")
        return []
    operations = [_operation(op) for op in entry["operations"]]
    unsupported = [op for op in operations
                   if op is not AclOperation.ALL
                   and op not in SUPPORTED_OPERATIONS[resource_type]]
    if unsupported:
        names = ", ".join(operation_name(op) for op in unsupported)
        loading.report(doc, (*path, "operations"),
                       f"Kafka does not support {names} on a {entry['resource']}")
        return []
    permission = _PERMISSIONS[entry.get("permission", "allow")]
    return [
        AclBinding(entry["principal"], resource_type, name, pattern, op, permission,
                   entry.get("host", "*"))
        for op in operations
    ]


def _expand_role(entry: dict) -> Iterable[tuple[AclBinding, Path_]]:
    """kafka-acls --producer / --consumer for one principal entry."""
    principal, host = entry["principal"], entry.get("host", "*")

    def grant(section: str, names_key: str, resource: ResourceType,
              operations: Iterable[AclOperation]) -> Iterable[tuple[AclBinding, Path_]]:
        for index, written in enumerate(entry.get(section, {}).get(names_key, ())):
            name, pattern = resource_pattern(written)
            for operation in operations:
                yield (AclBinding(principal, resource, name, pattern, operation, host=host),
                       (section, names_key, index))

    yield from grant("produce", "topics", ResourceType.TOPIC, PRODUCE_TOPIC_OPS)
    yield from grant("produce", "transactionalIds", ResourceType.TRANSACTIONAL_ID,
                     PRODUCE_TXN_OPS)
    if entry.get("produce", {}).get("idempotent"):
        yield (AclBinding(principal, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME,
                          PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE, host=host),
               ("produce", "idempotent"))
    yield from grant("consume", "topics", ResourceType.TOPIC, CONSUME_TOPIC_OPS)
    yield from grant("consume", "groups", ResourceType.GROUP, CONSUME_GROUP_OPS)


def resource_pattern(written: str) -> tuple[str, PatternType]:
    """`payments.*` -> ("payments.", PREFIXED); `*` alone is Kafka's literal wildcard."""
    if written != "*" and written.endswith("*"):
        return written[:-1], PatternType.PREFIXED
    return written, PatternType.LITERAL


@cache  # a handful of spellings, written 50,000 times in a large environment
def _operation(camel: str) -> AclOperation:
    """`DescribeConfigs` -> DESCRIBE_CONFIGS (kafka-acls spelling to the enum)."""
    return AclOperation(re.sub(r"(?<!^)(?=[A-Z])", "_", camel).upper())


def operation_name(operation: AclOperation) -> str:
    """DESCRIBE_CONFIGS -> `DescribeConfigs`, as kafka-acls and the files write it."""
    return "".join(part.capitalize() for part in operation.value.split("_"))
