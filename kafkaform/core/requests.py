"""What kafkaform asks a cluster to change: the write requests of the port.

Plain, immutable data, built by the executor and the reassignment steps and
carried out by an adapter (`kafkaform.cluster.port.ClusterAdmin`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from kafkaform.core.model import ScramMechanism


@dataclass(frozen=True)
class NewTopic:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)
    # Explicit replica lists (one per partition); then partitions and RF are
    # implied by it and the broker does not place replicas itself.
    assignment: tuple[tuple[int, ...], ...] | None = None


@dataclass(frozen=True)
class NewPartitions:
    topic: str
    total_count: int  # the new total, as Kafka's CreatePartitions takes it
    # Replica lists for the new partitions only, or None to let Kafka place.
    assignment: tuple[tuple[int, ...], ...] | None = None


class ConfigOpType(StrEnum):
    SET = "SET"
    DELETE = "DELETE"


@dataclass(frozen=True)
class ConfigOp:
    """One IncrementalAlterConfigs operation (SET a value or DELETE the override)."""

    name: str
    op: ConfigOpType
    value: str | None = None



@dataclass(frozen=True)
class ScramUpsertion:
    """Set a user's SCRAM credential for one mechanism (a new salt every time).

    `password` is the secret: kept out of `repr`, so no log or traceback shows it.
    """

    user: str
    mechanism: ScramMechanism
    iterations: int
    password: str = field(repr=False)


@dataclass(frozen=True)
class ScramDeletion:
    """Remove a user's SCRAM credential for one mechanism."""

    user: str
    mechanism: ScramMechanism


ScramAlteration = ScramUpsertion | ScramDeletion


def scram_rounds(alterations: Sequence[ScramAlteration]) -> list[list[ScramAlteration]]:
    """The alterations as successive AlterUserScramCredentials requests.

    Kafka refuses a user altered twice in one request (ScramControlManager:
    DUPLICATE_RESOURCE "A user credential cannot be altered twice in the same
    request"), so a user's second mechanism goes into the next request:
    round N holds every user's N-th alteration.
    """
    rounds: list[list[ScramAlteration]] = []
    seen: dict[str, int] = {}
    for alteration in alterations:
        index = seen.get(alteration.user, 0)
        seen[alteration.user] = index + 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(alteration)
    return rounds
