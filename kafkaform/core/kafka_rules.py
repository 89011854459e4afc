"""Kafka's validation rules for names, config values and ACLs.

Each `check_*` raises `ClusterError` with the error name and (close to) the
message a Kafka broker returns, so the in-memory cluster fails where Kafka
would; `validate` reports the same rules in kafkaform's words before any
cluster is contacted (`topic_name_problem`). Sources: clients
`Topic.validate`, `ConfigDef` parsing and validators,
`ThrottledReplicaListValidator`, metadata `AclControlManager.validateNewAcl`,
`AclEntry.supportedOperations` and `kafka-acls --producer / --consumer`.
"""

from __future__ import annotations

import re
from enum import Enum

from kafkaform.core.kafka_configs import BROKER_CONFIGS, ConfigDef
from kafkaform.core.model import CLUSTER_RESOURCE_NAME, AclBinding, AclOperation, ResourceType
from kafkaform.core.reassign.throttles import THROTTLED_REPLICA_LISTS
from kafkaform.core.units import normalize_config_value
from kafkaform.errors import ClusterError

# Kafka's Topic.validate: legal characters and length.
LEGAL_TOPIC_CHARS = re.compile(r"[a-zA-Z0-9._-]+")
MAX_TOPIC_NAME_LENGTH = 249
# ThrottledReplicaListValidator: "*" or "partition:broker,...".
_THROTTLED_REPLICAS = re.compile(r"\*|\d+:\d+(\s*,\s*\d+:\d+)*|")


def cluster_error(code: str, message: str = "", *, retriable: bool = False) -> ClusterError:
    return ClusterError(code, message, retriable=retriable)


class TopicNameFault(Enum):
    EMPTY = "empty"
    DOTS = "dots"
    TOO_LONG = "too long"
    ILLEGAL_CHARACTERS = "illegal characters"


def topic_name_fault(name: str) -> TopicNameFault | None:
    """Why Kafka's Topic.validate refuses this name, or None: the one copy of the rule."""
    if not name:
        return TopicNameFault.EMPTY
    if name in (".", ".."):
        return TopicNameFault.DOTS
    if len(name) > MAX_TOPIC_NAME_LENGTH:
        return TopicNameFault.TOO_LONG
    if not LEGAL_TOPIC_CHARS.fullmatch(name):
        return TopicNameFault.ILLEGAL_CHARACTERS
    return None


def check_topic_name(name: str) -> None:
    """Kafka's Topic.validate, with the broker's messages."""
    fault = topic_name_fault(name)
    if fault is TopicNameFault.EMPTY:
        raise cluster_error("INVALID_TOPIC_EXCEPTION", "Topic name is illegal, it can't be empty")
    if fault is TopicNameFault.DOTS:
        raise cluster_error("INVALID_TOPIC_EXCEPTION", 'Topic name cannot be "." or ".."')
    if fault is TopicNameFault.TOO_LONG:
        raise cluster_error(
            "INVALID_TOPIC_EXCEPTION",
            f"Topic name is illegal, it can't be longer than {MAX_TOPIC_NAME_LENGTH} characters, "
            f"topic name: {name}",
        )
    if fault is TopicNameFault.ILLEGAL_CHARACTERS:
        raise cluster_error(
            "INVALID_TOPIC_EXCEPTION",
            f'Topic name "{name}" is illegal, it contains a character other than '
            "ASCII alphanumerics, '.', '_' and '-'",
        )


def topic_name_problem(name: str) -> str | None:
    """Why Kafka would refuse this topic name, in kafkaform's words, or None."""
    fault = topic_name_fault(name)
    if fault is TopicNameFault.DOTS:
        return "a topic cannot be named '.' or '..'"
    if fault is TopicNameFault.TOO_LONG:
        return f"topic names are at most {MAX_TOPIC_NAME_LENGTH} characters ({len(name)} here)"
    if fault is not None:  # illegal characters, or none at all
        return "topic names may only contain ASCII letters, digits, '.', '_' and '-'"
    return None


def check_broker_config(name: str, value: str | None) -> None:
    """Stricter than Kafka, which also accepts custom broker config names: only
    the dynamic configs kafkaform knows may be set."""
    if name not in BROKER_CONFIGS:
        raise cluster_error("INVALID_CONFIG", f"Cannot update these configs dynamically: {name}")
    check_config_value(BROKER_CONFIGS[name], name, value)


def check_config_value(definition: ConfigDef | None, name: str, value: str | None) -> None:
    """Kafka's ConfigDef parsing: plain numbers (no human units), ranges, enums."""
    if value is None:
        raise cluster_error("INVALID_CONFIG", f"Null value not supported for : {name}")
    reason = None
    if (
        definition is not None
        and definition.type in ("int", "long")
        and not re.fullmatch(r"-?\d+", value.strip())
    ):
        reason = "Not a number of type " + definition.type.upper()
    elif name in THROTTLED_REPLICA_LISTS and not _THROTTLED_REPLICAS.fullmatch(
        value.strip()
    ):
        reason = "must be the literal '*' or a list of replicas in the form partitionId:brokerId"
    else:
        try:
            normalize_config_value(name, value)
        except ValueError as error:
            reason = str(error)
    if reason:
        message = f"Invalid value {value} for configuration {name}: {reason}"
        raise cluster_error("INVALID_CONFIG", message)


def check_new_acl(binding: AclBinding) -> None:
    """AclControlManager.validateNewAcl, plus the CLUSTER resource name rule."""
    if not binding.resource_name:
        raise cluster_error("INVALID_REQUEST", "Resource name should not be empty")
    if ":" not in binding.principal:
        raise cluster_error(
            "INVALID_REQUEST",
            f"Could not parse principal from `{binding.principal}` "
            "(no colon is present separating the principal type from the principal name)",
        )
    if (
        binding.resource_type is ResourceType.CLUSTER
        and binding.resource_name != CLUSTER_RESOURCE_NAME
    ):
        raise cluster_error(
            "INVALID_REQUEST",
            f"The only valid name for the CLUSTER resource is {CLUSTER_RESOURCE_NAME}",
        )


# Which operations Kafka accepts on which resource type (AclEntry.supportedOperations).
SUPPORTED_OPERATIONS: dict[ResourceType, frozenset[AclOperation]] = {
    ResourceType.TOPIC: frozenset(
        {AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE,
         AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS,
         AclOperation.ALTER_CONFIGS}
    ),
    ResourceType.GROUP: frozenset({AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE}),
    ResourceType.CLUSTER: frozenset(
        {AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS,
         AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER,
         AclOperation.DESCRIBE}
    ),
    ResourceType.TRANSACTIONAL_ID: frozenset({AclOperation.DESCRIBE, AclOperation.WRITE}),
    ResourceType.DELEGATION_TOKEN: frozenset({AclOperation.DESCRIBE}),
}
# kafka-acls --producer / --consumer
PRODUCE_TOPIC_OPS = (AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.CREATE)
PRODUCE_TXN_OPS = (AclOperation.WRITE, AclOperation.DESCRIBE)
CONSUME_TOPIC_OPS = (AclOperation.READ, AclOperation.DESCRIBE)
CONSUME_GROUP_OPS = (AclOperation.READ,)
