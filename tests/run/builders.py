"""Small builders shared by the apply tests."""

from __future__ import annotations

from kafkaform.core.actions import Action, Plan, sort_actions
from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    AclScope,
    ClusterConnection,
    DesiredState,
    ManagedScope,
    PatternType,
    ResourceType,
    TopicScope,
    TopicSpec,
)
from kafkaform.run.apply import RetryPolicy

WRITES = (
    "alter_broker_configs",
    "create_topics",
    "alter_topic_configs",
    "create_partitions",
    "alter_partition_reassignments",
    "create_acls",
    "delete_acls",
    "delete_topics",
    "alter_client_quotas",
    "alter_scram_credentials",
)

# Retries without waiting; the delays asked for are kept for assertions.
class RecordedSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def no_wait() -> RetryPolicy:
    return RetryPolicy(sleep=RecordedSleep())


def topic(name: str, partitions: int = 3, rf: int = 3, **configs: str) -> TopicSpec:
    return TopicSpec(name, partitions, rf, {k.replace("_", "."): v for k, v in configs.items()})


def read_acl(principal: str, topic_name: str, op: AclOperation = AclOperation.READ) -> AclBinding:
    return AclBinding(principal, ResourceType.TOPIC, topic_name, PatternType.LITERAL, op)


def desired_state(
    *topics: TopicSpec,
    acls: frozenset[AclBinding] = frozenset(),
    broker_configs: dict[str, str] | None = None,
    cluster_id: str | None = None,
) -> DesiredState:
    """Manages everything, deletes included, so a plan can reach any state."""
    return DesiredState(
        environment="test",
        cluster=ClusterConnection(cluster_id=cluster_id),
        broker_configs=dict(broker_configs or {}),
        topics={t.name: t for t in topics},
        acls=acls,
        scope=ManagedScope(TopicScope(delete=True), AclScope(delete=True), True),
    )


def plan_of(*actions: Action, cluster_id: str | None = None) -> Plan:
    actions_in_order = sort_actions(list(actions))
    return Plan("test", cluster_id, "sha256:observed", "sha256:desired", actions_in_order)


class OrderLog:
    """Wraps an admin and records the order of its write calls."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.writes: list[str] = []

    def __getattr__(self, name: str):
        attribute = getattr(self.inner, name)
        if name in WRITES:
            def logged(*args, **kwargs):
                self.writes.append(name)
                return attribute(*args, **kwargs)

            return logged
        return attribute
