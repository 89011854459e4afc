"""Typed actions: what a plan says to do, in the order apply does it.

The planner produces them, renderers print them, the executor walks them, and
saved plans store them as JSON (`to_dict` / `action_from_dict`). Each action
carries the before and after values it was planned from and a reason a
reviewer can read. Actions are frozen and hashable all the way down (a new
topic's configs are a read-only `Configs` mapping), so the executor keys its
results by the action itself.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any, ClassVar, Generic, TypeVar, overload

from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    AclPermission,
    PatternType,
    QuotaEntity,
    ResourceType,
    ScramMechanism,
)
from kafkaform.core.observed import Api
from kafkaform.core.problems import Problem, Severity


class Phase(IntEnum):
    """Apply order (DESIGN.md): each phase finishes before the next starts.

    SCRAM users are set before the ACLs that name them are created, and their
    credentials removed after the ACLs that name them are deleted. The two
    `*_AFTER_MOVES` phases hold the config changes that are only safe once
    replicas have moved: a `min.insync.replicas` raised together with the
    replication factor (`kafkaform.core.planner`, "safe order").
    """

    BROKER_CONFIGS = 1
    CLIENT_QUOTAS = 2
    SET_USERS = 3
    CREATE_TOPICS = 4
    TOPIC_CONFIGS = 5
    ADD_PARTITIONS = 6
    REASSIGN = 7
    TOPIC_CONFIGS_AFTER_MOVES = 8
    BROKER_CONFIGS_AFTER_MOVES = 9
    CREATE_ACLS = 10
    DELETE_ACLS = 11
    DELETE_USERS = 12
    DELETE_TOPICS = 13


@dataclass(frozen=True)
class ConfigChange:
    """One config key: `after` None means delete the override (revert).

    `default` is the value the key reverts to, when known, for display.
    """

    key: str
    before: str | None
    after: str | None
    default: str | None = None


class Configs(Mapping[str, str]):
    """A new topic's configs: a read-only, hashable mapping, equal to a dict with
    the same items. Built from any mapping or (key, value) pairs."""

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"Configs({self._items!r})"


@dataclass(frozen=True)
class SetBrokerConfigs:
    """Change cluster-wide dynamic broker defaults (resource "")."""

    changes: tuple[ConfigChange, ...]
    reason: str = ""
    # Only once the plan's replica moves are done (a min.insync.replicas raise
    # that topics reach the replication factor for in this plan).
    after_moves: bool = False
    kind: ClassVar[str] = "set_broker_configs"
    # The admin APIs it runs on, and its name in "N create-topic actions cannot run".
    needs: ClassVar[tuple[Api, ...]] = (Api.INCREMENTAL_ALTER_CONFIGS,)
    noun: ClassVar[str] = "broker-config"

    @property
    def phase(self) -> Phase:
        return Phase.BROKER_CONFIGS_AFTER_MOVES if self.after_moves else Phase.BROKER_CONFIGS


@dataclass(frozen=True)
class CreateTopic:
    topic: str
    partitions: int
    replication_factor: int
    configs: Configs = field(default_factory=Configs)
    assignment: tuple[tuple[int, ...], ...] | None = None
    reason: str = ""
    # How the partition count was sized, for display ("120000/s ÷ 40000/s × 1.5").
    sizing: str | None = None
    phase: ClassVar[Phase] = Phase.CREATE_TOPICS
    kind: ClassVar[str] = "create_topic"
    # The admin APIs it runs on, and its name in "N create-topic actions cannot run".
    needs: ClassVar[tuple[Api, ...]] = (Api.CREATE_TOPICS,)
    noun: ClassVar[str] = "create-topic"

    def __post_init__(self) -> None:
        if not isinstance(self.configs, Configs):  # a dict from the planner or a plan file
            object.__setattr__(self, "configs", Configs(self.configs))


@dataclass(frozen=True)
class AlterTopicConfigs:
    topic: str
    changes: tuple[ConfigChange, ...]
    reason: str = ""
    # Only once the topic's replicas have moved (a min.insync.replicas raise
    # that needs the replication factor this plan raises).
    after_moves: bool = False
    kind: ClassVar[str] = "alter_topic_configs"
    # The admin APIs it runs on, and its name in "N create-topic actions cannot run".
    needs: ClassVar[tuple[Api, ...]] = (Api.INCREMENTAL_ALTER_CONFIGS,)
    noun: ClassVar[str] = "topic-config"

    @property
    def phase(self) -> Phase:
        return Phase.TOPIC_CONFIGS_AFTER_MOVES if self.after_moves else Phase.TOPIC_CONFIGS


@dataclass(frozen=True)
class AddPartitions:
    topic: str
    before: int
    after: int
    # Replica lists for the new partitions only, or None to let Kafka place.
    assignment: tuple[tuple[int, ...], ...] | None = None
    reason: str = ""
    # How the partition count was sized, for display ("120000/s ÷ 40000/s × 1.5").
    sizing: str | None = None
    phase: ClassVar[Phase] = Phase.ADD_PARTITIONS
    kind: ClassVar[str] = "add_partitions"
    # The admin APIs it runs on, and its name in "N create-topic actions cannot run".
    needs: ClassVar[tuple[Api, ...]] = (Api.CREATE_PARTITIONS,)
    noun: ClassVar[str] = "add-partitions"


T = TypeVar("T")


class computed_once(Generic[T]):  # noqa: N801 (used as a decorator, like property)
    """A property computed on first use and then kept in the instance's
    `__dict__` (a frozen dataclass has one; reads then never reach here).
    `functools.cached_property` does the same but takes a lock on every first
    use in Python 3.11, which quadrupled the cost for the hundred thousand
    moves of a large reassignment, whose renderers and summaries each ask."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    @overload
    def __get__(self, instance: None, owner: type) -> computed_once[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object, owner: type) -> T | computed_once[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True, init=False)
class PartitionMove:
    partition: int
    before: tuple[int, ...]
    after: tuple[int, ...]
    # Already moving towards `after` (an interrupted apply, or a move started by
    # hand that ends where the files want it): apply waits for it, never resubmits.
    in_flight: bool = False
    # The partition's size (its largest copy on a broker it moves from), when
    # the brokers reported log-dir sizes; each added replica copies that much.
    size_bytes: int | None = None

    def __init__(self, partition: int, before: tuple[int, ...], after: tuple[int, ...],
                 in_flight: bool = False, size_bytes: int | None = None) -> None:
        # One update of the instance dict where a frozen dataclass's own __init__
        # calls object.__setattr__ once a field: a third of the time, for the
        # 100,000 moves of a large reassignment (made when planned and loaded).
        self.__dict__.update(partition=partition, before=before, after=after,
                             in_flight=in_flight, size_bytes=size_bytes)

    @computed_once
    def added(self) -> tuple[int, ...]:
        return tuple([b for b in self.after if b not in self.before])

    @computed_once
    def removed(self) -> tuple[int, ...]:
        return tuple([b for b in self.before if b not in self.after])

    @property
    def leader_changes(self) -> bool:
        return bool(self.before) and bool(self.after) and self.before[0] != self.after[0]

    @property
    def bytes_to_copy(self) -> int | None:
        return None if self.size_bytes is None else self.size_bytes * len(self.added)


@dataclass(frozen=True)
class Reassign:
    """Move replicas of some partitions of one topic (RF or placement change)."""

    topic: str
    moves: tuple[PartitionMove, ...]
    reason: str = ""
    # The environment's replication throttle per broker (bytes/s, 0 = none)
    # when planned: what the time estimate is computed at.
    throttle_bytes_per_sec: int | None = None
    phase: ClassVar[Phase] = Phase.REASSIGN
    kind: ClassVar[str] = "reassign"
    # The admin APIs it runs on, and its name in "N create-topic actions cannot run".
    needs: ClassVar[tuple[Api, ...]] = (
        Api.ALTER_PARTITION_REASSIGNMENTS,
        Api.LIST_PARTITION_REASSIGNMENTS,
    )
    noun: ClassVar[str] = "reassign"

    @computed_once
    def replica_moves(self) -> int:
        """Replicas that must be copied to a new broker (the data movement)."""
        return sum([len(m.added) for m in self.moves])


@dataclass(frozen=True)
class CreateAcl:
    binding: AclBinding
    reason: str = ""
    phase: ClassVar[Phase] = Phase.CREATE_ACLS
    kind: ClassVar[str] = "create_acl"
    # The admin APIs it runs on, and its name in "N create-topic actions cannot run".
    needs: ClassVar[tuple[Api, ...]] = (Api.CREATE_ACLS,)
    noun: ClassVar[str] = "create-acl"


@dataclass(frozen=True)
class DeleteAcl:
    binding: AclBinding
    reason: str = ""
    phase: ClassVar[Phase] = Phase.DELETE_ACLS
    kind: ClassVar[str] = "delete_acl"
    # The admin APIs it runs on, and its name in "N create-topic actions cannot run".
    needs: ClassVar[tuple[Api, ...]] = (Api.DELETE_ACLS,)
    noun: ClassVar[str] = "delete-acl"


@dataclass(frozen=True)
class DeleteTopic:
    topic: str
    partitions: int
    reason: str = ""
    phase: ClassVar[Phase] = Phase.DELETE_TOPICS
    kind: ClassVar[str] = "delete_topic"
    # The admin APIs it runs on, and its name in "N create-topic actions cannot run".
    needs: ClassVar[tuple[Api, ...]] = (Api.DELETE_TOPICS,)
    noun: ClassVar[str] = "delete-topic"


@dataclass(frozen=True)
class QuotaChange:
    """One quota key of an entity: `before` None adds it, `after` None removes it."""

    key: str
    before: float | None
    after: float | None


@dataclass(frozen=True)
class SetClientQuota:
    """Add, change or remove an entity's client quotas (one AlterClientQuotas entry)."""

    entity: QuotaEntity
    changes: tuple[QuotaChange, ...]
    # The entity has no quota yet / loses its last one.
    new_entity: bool = False
    removes_entity: bool = False
    reason: str = ""
    phase: ClassVar[Phase] = Phase.CLIENT_QUOTAS
    kind: ClassVar[str] = "set_client_quota"
    # The admin APIs it runs on, and its name in "N create-topic actions cannot run".
    needs: ClassVar[tuple[Api, ...]] = (Api.ALTER_CLIENT_QUOTAS,)
    noun: ClassVar[str] = "client-quota"

    @property
    def symbol(self) -> str:
        """`+` a new entity, `-` every quota of the entity removed, `~` a change."""
        return "+" if self.new_entity else "-" if self.removes_entity else "~"


@dataclass(frozen=True)
class CredentialChange:
    """One SCRAM mechanism of a user: iterations on the cluster (`before`, None:
    no credential) and as planned (`after`, None: remove it). Equal iterations
    mean the credential is set again: a new password, or a new salt."""

    mechanism: ScramMechanism
    before: int | None
    after: int | None


@dataclass(frozen=True)
class SetUserCredentials:
    """Create a SCRAM user, or add, re-salt or re-password its credentials.

    `password` names where the password comes from (`${VAR}`, `file PATH`):
    never the password. Apply reads it from the environment's files.
    """

    user: str
    changes: tuple[CredentialChange, ...]
    password: str
    new_user: bool = False
    reason: str = ""
    phase: ClassVar[Phase] = Phase.SET_USERS
    kind: ClassVar[str] = "set_user_credentials"
    # The admin APIs it runs on, and its name in "N create-topic actions cannot run".
    needs: ClassVar[tuple[Api, ...]] = (Api.ALTER_USER_SCRAM_CREDENTIALS,)
    noun: ClassVar[str] = "set-user"


@dataclass(frozen=True)
class DeleteUserCredentials:
    """Remove SCRAM credentials of a user: all of them (`whole_user`) or the
    mechanisms the files no longer list."""

    user: str
    changes: tuple[CredentialChange, ...]
    whole_user: bool = False
    reason: str = ""
    phase: ClassVar[Phase] = Phase.DELETE_USERS
    kind: ClassVar[str] = "delete_user_credentials"
    # The admin APIs it runs on, and its name in "N create-topic actions cannot run".
    needs: ClassVar[tuple[Api, ...]] = (Api.ALTER_USER_SCRAM_CREDENTIALS,)
    noun: ClassVar[str] = "delete-user"


Action = (
    SetBrokerConfigs
    | SetClientQuota
    | SetUserCredentials
    | CreateTopic
    | AlterTopicConfigs
    | AddPartitions
    | Reassign
    | CreateAcl
    | DeleteAcl
    | DeleteUserCredentials
    | DeleteTopic
)

ACTION_TYPES: dict[str, type] = {
    cls.kind: cls
    for cls in (
        SetBrokerConfigs,
        SetClientQuota,
        SetUserCredentials,
        CreateTopic,
        AlterTopicConfigs,
        AddPartitions,
        Reassign,
        CreateAcl,
        DeleteAcl,
        DeleteUserCredentials,
        DeleteTopic,
    )
}
# What each action type's `changes` hold (ConfigChange for the others).
_CHANGE_TYPES: dict[type, type] = {
    SetClientQuota: QuotaChange,
    SetUserCredentials: CredentialChange,
    DeleteUserCredentials: CredentialChange,
}


def sort_actions(actions: list[Action]) -> tuple[Action, ...]:
    """Apply order: by phase, then by the resource the action is about."""
    return tuple(sorted(actions, key=lambda a: (a.phase, _resource_key(a))))


def _resource_key(action: Action) -> str:
    if isinstance(action, CreateAcl | DeleteAcl):
        b = action.binding
        return "\0".join(
            (b.principal, b.resource_type, b.resource_name, b.pattern_type, b.operation,
             b.permission, b.host)
        )
    if isinstance(action, SetClientQuota):
        return "\0".join(action.entity.sort_key)
    if isinstance(action, SetUserCredentials | DeleteUserCredentials):
        return action.user
    return getattr(action, "topic", "")


@dataclass(frozen=True)
class Plan:
    """The result of planning: actions in apply order plus findings.

    `errors` are refusals (a partition decrease, RF above the broker count ...):
    a plan with errors must not be applied. `observed_fingerprint` identifies
    the cluster state the plan was computed from; apply refuses a saved plan
    when the cluster's fingerprint has changed since.
    """

    environment: str
    cluster_id: str | None
    observed_fingerprint: str
    desired_hash: str
    actions: tuple[Action, ...] = ()
    warnings: tuple[Problem, ...] = ()
    errors: tuple[Problem, ...] = ()
    # The compact canonical observed state the fingerprint hashes
    # (`kafkaform.core.fingerprint.observed_summary`), so a refused saved plan can
    # say what changed on the cluster.
    observed_summary: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    # In the managed scope, on the cluster, not in the files, and left there
    # because deletion is off for their kind: what the plan will not do.
    kept_topics: tuple[str, ...] = ()
    kept_acls: tuple[AclBinding, ...] = ()
    # `--target` resources ("topic/orders", "acl/User:app", "broker-configs") when
    # the plan covers only those: the rest of the environment was not planned.
    targets: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.actions

    def phase(self, phase: Phase) -> list[Action]:
        return [a for a in self.actions if a.phase is phase]


# 2: a reassignment's moves are columns (`move_columns`); 1 wrote an object a move.
PLAN_FORMAT_VERSION = 2


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names (none for any other type)."""
    return tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else ()


def action_to_dict(action: Action) -> dict[str, Any]:
    """JSON-ready dict with a `type` key; tuples become lists, enums strings, a
    reassignment's moves columns (`move_columns`).

    `after_moves` is written only when set, so plans without such changes read
    as they always have."""
    data = {name: move_columns(action.moves) if name == "moves" else _plain(getattr(action, name))
            for name in _field_names(type(action))}
    if data.get("after_moves") is False:
        del data["after_moves"]
    return {"type": action.kind, **data}


def move_columns(moves: Sequence[PartitionMove]) -> dict[str, list[Any]]:
    """A reassignment's moves as parallel columns, the i-th move at index i of each
    (plan format 2): `partition`, `before`, `after`, and `in_flight` / `size_bytes`
    only when some move is in flight / has a known size. A move a line, as format 1
    wrote them, made a 100,000-partition plan 14 MB and most of its JSON's time."""
    columns: dict[str, list[Any]] = {
        "partition": [m.partition for m in moves],
        "before": [list(m.before) for m in moves],
        "after": [list(m.after) for m in moves],
    }
    if any(m.in_flight for m in moves):
        columns["in_flight"] = [m.in_flight for m in moves]
    if any(m.size_bytes is not None for m in moves):
        columns["size_bytes"] = [m.size_bytes for m in moves]
    return columns


def moves_from_columns(columns: Mapping[str, list[Any]]) -> tuple[PartitionMove, ...]:
    """Inverse of `move_columns`; the columns must be of one length (the plan
    loader checks that first, `kafkaform.files.planfile`)."""
    count = len(columns["partition"])
    in_flight = columns.get("in_flight") or [False] * count
    sizes = columns.get("size_bytes") or [None] * count
    return tuple(
        PartitionMove(partition, tuple(before), tuple(after), flight, size)
        for partition, before, after, flight, size in zip(
            columns["partition"], columns["before"], columns["after"], in_flight, sizes,
            strict=True)
    )


def action_from_dict(data: dict[str, Any]) -> Action:
    """Inverse of `action_to_dict`, for saved plans."""
    data = dict(data)
    cls = ACTION_TYPES[data.pop("type")]
    if cls in (CreateAcl, DeleteAcl):
        data["binding"] = binding_from_dict(data["binding"])
    if "entity" in data:
        data["entity"] = QuotaEntity(**data["entity"])
    if "changes" in data:
        change = _CHANGE_TYPES.get(cls, ConfigChange)
        data["changes"] = tuple(change(**c) for c in data["changes"])
        if change is CredentialChange:
            data["changes"] = tuple(
                replace(c, mechanism=ScramMechanism(c.mechanism)) for c in data["changes"]
            )
    if "moves" in data:
        data["moves"] = moves_from_columns(data["moves"])
    if data.get("assignment") is not None:
        data["assignment"] = tuple(tuple(r) for r in data["assignment"])
    return cls(**data)


def binding_from_dict(data: dict[str, Any]) -> AclBinding:
    return AclBinding(
        principal=data["principal"],
        resource_type=ResourceType(data["resource_type"]),
        resource_name=data["resource_name"],
        pattern_type=PatternType(data["pattern_type"]),
        operation=AclOperation(data["operation"]),
        permission=AclPermission(data["permission"]),
        host=data["host"],
    )


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    return _plain(problem)


def problem_from_dict(data: dict[str, Any]) -> Problem:
    return Problem(**{**data, "severity": Severity(data["severity"])})


def _plain(value: Any) -> Any:
    """What `dataclasses.asdict` then JSON would make of the value, without asdict's deep
    copy of every field (most of the time `plan --format json` took for 100,000 moves)."""
    if isinstance(value, str | int | float | None):  # bools and str enums are among these
        return value
    names = _field_names(type(value))
    if names:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
