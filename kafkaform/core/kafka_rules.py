"""Kafka's validation rules for names, config values and ACLs.

Each `check_*` raises `ClusterError` with the error name and (close to) the
message a Kafka broker returns, so the in-memory cluster fails where Kafka
would; `validate` reports the same rules in kafkaform's words before any
cluster is contacted (`topic_name_problem`). Sources: clients
`Topic.validate`, `ConfigDef` parsing and validators,
`ThrottledReplicaListValidator`, metadata `AclControlManager.validateNewAcl`,
`AclEntry.supportedOperations` and `kafka-acls --producer / --consumer`,
metadata `ClientQuotaControlManager` (client quotas) and `ScramControlManager`
(SCRAM credentials), checked against Apache Kafka 4.4.
"""

from __future__ import annotations

import re
from enum import Enum

from kafkaform.core.kafka_configs import BROKER_CONFIGS, QUOTA_KEYS, ConfigDef
from kafkaform.core.model import (
    CLUSTER_RESOURCE_NAME,
    AclBinding,
    AclOperation,
    QuotaEntity,
    ResourceType,
)
from kafkaform.core.units import LONG_MAX, normalize_config_value
from kafkaform.errors import ClusterError

# Kafka's Topic.validate: legal characters and length.
LEGAL_TOPIC_CHARS = re.compile(r"[a-zA-Z0-9._-]+")
MAX_TOPIC_NAME_LENGTH = 249
# The topic configs ThrottledReplicaListValidator checks (core/reassign/throttles.py
# sets them while replicas move): "*" or "partition:broker,...". Named here, not
# there, so validating files loads nothing of reassignment.
LEADER_REPLICAS = "leader.replication.throttled.replicas"
FOLLOWER_REPLICAS = "follower.replication.throttled.replicas"
THROTTLED_REPLICA_LISTS = (LEADER_REPLICAS, FOLLOWER_REPLICAS)
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


# --- client quotas ---------------------------------------------------------------


class QuotaFault(Enum):
    UNKNOWN_KEY = "unknown key"
    NOT_POSITIVE = "not positive"
    FRACTIONAL = "fractional"
    TOO_LARGE = "too large"


def quota_value_fault(key: str, value: float) -> QuotaFault | None:
    """Why ClientQuotaControlManager refuses this value, or None: the one copy of
    the rule. Kafka 4.4 refuses values <= 0; a LONG key (the byte rates) must
    be a whole number within a long; request_percentage has no upper bound
    (it is a share of one thread's time, summed over the broker's threads)."""
    kind = QUOTA_KEYS.get(key)
    if kind is None:
        return QuotaFault.UNKNOWN_KEY
    if value <= 0:
        return QuotaFault.NOT_POSITIVE
    if kind == "long":
        if not float(value).is_integer():
            return QuotaFault.FRACTIONAL
        if value > LONG_MAX:
            return QuotaFault.TOO_LARGE
    return None


def quota_value_problem(key: str, value: float) -> str | None:
    """Why Kafka would refuse this quota value, in kafkaform's words, or None."""
    fault = quota_value_fault(key, value)
    if fault is QuotaFault.UNKNOWN_KEY:
        return f"not a client quota key (one of {', '.join(QUOTA_KEYS)})"
    if fault is QuotaFault.NOT_POSITIVE:
        return f"a quota must be greater than 0, got {_number(value)} (remove the key instead)"
    if fault is QuotaFault.FRACTIONAL:
        return f"{key} must be a whole number of bytes per second, got {_number(value)}"
    if fault is QuotaFault.TOO_LARGE:
        return f"{_number(value)} is too large for {key} (at most {LONG_MAX})"
    return None


def check_client_quota(entity: QuotaEntity, values: dict[str, float | None]) -> None:
    """ClientQuotaControlManager.alterClientQuotaEntity, with the broker's messages;
    a None value removes the key (removing a key that is not set is fine)."""
    if entity.user is None and entity.client_id is None:
        raise cluster_error("INVALID_REQUEST", "Invalid empty client quota entity")
    for kind, name in (("user", entity.user), ("client-id", entity.client_id)):
        if name == "":
            raise cluster_error("INVALID_REQUEST", f"Empty {kind} not supported")
    for key, value in values.items():
        # A removal is not validated: Kafka removes the key if it is set.
        fault = None if value is None else quota_value_fault(key, value)
        if fault is QuotaFault.UNKNOWN_KEY:
            raise cluster_error("INVALID_REQUEST", f"Invalid configuration key {key}")
        if fault is QuotaFault.NOT_POSITIVE:
            raise cluster_error("INVALID_REQUEST", f"Quota {key} must be greater than 0")
        if fault is QuotaFault.FRACTIONAL:
            raise cluster_error("INVALID_REQUEST", f"{key} cannot be a fractional value.")
        if fault is QuotaFault.TOO_LARGE:
            raise cluster_error("INVALID_REQUEST",
                                f"Proposed value for {key} is too large for a LONG.")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


# --- SCRAM credentials -------------------------------------------------------------

# ScramMechanism.minIterations (4096 for both SHA-256 and SHA-512) and
# ScramControlManager.MAX_ITERATIONS.
SCRAM_MIN_ITERATIONS = 4096
SCRAM_MAX_ITERATIONS = 16384


def scram_iterations_problem(iterations: int) -> str | None:
    """Why Kafka would refuse this iteration count, in kafkaform's words, or None."""
    if not SCRAM_MIN_ITERATIONS <= iterations <= SCRAM_MAX_ITERATIONS:
        return (f"Kafka takes {SCRAM_MIN_ITERATIONS} to {SCRAM_MAX_ITERATIONS} SCRAM "
                f"iterations, got {iterations}")
    return None


def check_scram_upsertion(user: str, iterations: int) -> None:
    """ScramControlManager.validateUpsertion, with the broker's messages."""
    if not user:
        raise cluster_error("UNACCEPTABLE_CREDENTIAL", "Username must not be empty")
    if iterations < SCRAM_MIN_ITERATIONS:
        raise cluster_error("UNACCEPTABLE_CREDENTIAL", "Too few iterations")
    if iterations > SCRAM_MAX_ITERATIONS:
        raise cluster_error("UNACCEPTABLE_CREDENTIAL", "Too many iterations")
