"""Kafka's validation rules for names, config values and new ACLs.

Each check raises `ClusterError` with the error name and (close to) the
message a Kafka broker returns, so the in-memory cluster fails where Kafka
would. Sources: clients `Topic.validate`, `ConfigDef` parsing and validators,
`ThrottledReplicaListValidator`, metadata `AclControlManager.validateNewAcl`.
"""

from __future__ import annotations

import re

from kafkaform.core.kafka_configs import BROKER_CONFIGS, ConfigDef
from kafkaform.core.model import CLUSTER_RESOURCE_NAME, AclBinding, ResourceType
from kafkaform.core.units import normalize_config_value
from kafkaform.errors import ClusterError

_LEGAL_TOPIC_CHARS = re.compile(r"[a-zA-Z0-9._-]+")
_MAX_TOPIC_NAME_LENGTH = 249
# ThrottledReplicaListValidator: "*" or "partition:broker,...".
_THROTTLED_REPLICAS = re.compile(r"\*|\d+:\d+(\s*,\s*\d+:\d+)*|")


def cluster_error(code: str, message: str = "", *, retriable: bool = False) -> ClusterError:
    return ClusterError(code, message, retriable=retriable)


def check_topic_name(name: str) -> None:
    """Kafka's Topic.validate."""
    if not name:
        raise cluster_error("INVALID_TOPIC_EXCEPTION", "Topic name is illegal, it can't be empty")
    if name in (".", ".."):
        raise cluster_error("INVALID_TOPIC_EXCEPTION", 'Topic name cannot be "." or ".."')
    if len(name) > _MAX_TOPIC_NAME_LENGTH:
        raise cluster_error(
            "INVALID_TOPIC_EXCEPTION",
            f"Topic name is illegal, it can't be longer than {_MAX_TOPIC_NAME_LENGTH} characters, "
            f"topic name: {name}",
        )
    if not _LEGAL_TOPIC_CHARS.fullmatch(name):
        raise cluster_error(
            "INVALID_TOPIC_EXCEPTION",
            f'Topic name "{name}" is illegal, it contains a character other than '
            "ASCII alphanumerics, '.', '_' and '-'",
        )


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
    elif name.endswith("replication.throttled.replicas") and not _THROTTLED_REPLICAS.fullmatch(
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
