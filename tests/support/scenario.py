"""One fixed scenario that exercises every action kind: the golden outputs' input."""

from __future__ import annotations

from kafkaform.core.actions import Plan
from kafkaform.core.model import (
    AclBinding,
    AclOperation,
    AclScope,
    ClusterConnection,
    DesiredState,
    ManagedScope,
    PartitionSizing,
    PatternType,
    PlacementStrategy,
    ResourceType,
    Source,
    TopicScope,
    TopicSpec,
)
from kafkaform.core.observed import ConfigSource, LogDirPartitionSize
from kafkaform.core.planner import plan, with_sizes
from tests.support.observed import default, entry, observed, override

SECRET = "s3cr3t-do-not-print"

READ_PAYMENTS = AclBinding("User:orders-service", ResourceType.TOPIC, "payments.",
                           PatternType.PREFIXED, AclOperation.READ)
WRITE_ORDERS = AclBinding("User:orders-service", ResourceType.TOPIC, "orders.created",
                          PatternType.LITERAL, AclOperation.WRITE)
OLD_WRITE = AclBinding("User:orders-service", ResourceType.TOPIC, "orders.legacy",
                       PatternType.LITERAL, AclOperation.WRITE)


def _topic(name: str, line: int, partitions: int, **kwargs) -> TopicSpec:
    return TopicSpec(name, partitions, kwargs.pop("rf", 3),
                     source=Source("environments/prod/topics.yaml", line), **kwargs)


def scenario_desired() -> DesiredState:
    topics = [
        _topic("orders.created", 3, 5, configs={"cleanup.policy": "delete",
                                                "retention.ms": "604800000"},
               sizing=PartitionSizing(120000, 40000, 1.5)),
        _topic("orders.audit", 12, 2, placement=PlacementStrategy.STATIC,
               assignment=((1, 2, 3), (2, 3, 4))),
        _topic("users.profiles", 20, 6, keyed=True,
               configs={"cleanup.policy": "compact", "min.insync.replicas": "2"}),
        _topic("users.events", 30, 3, configs={"retention.ms": "86400000"}),
    ]
    return DesiredState(
        environment="prod",
        cluster=ClusterConnection(bootstrap="kafka:9092", cluster_id="prod-cluster",
                                  client={"sasl.password": SECRET}),
        broker_configs={"min.insync.replicas": "2", "unclean.leader.election.enable": "false"},
        topics={t.name: t for t in topics},
        acls=frozenset({READ_PAYMENTS, WRITE_ORDERS}),
        acl_sources={WRITE_ORDERS: Source("environments/prod/acls.yaml", 4)},
        scope=ManagedScope(
            topics=TopicScope(prefixes=("orders.", "users."), delete=True),
            acls=AclScope(principals=("User:orders-service",), delete=True),
        ),
    )


def scenario_observed():
    return observed(
        {
            "orders.audit": [[1, 2, 3], [4, 1, 2]],
            "users.profiles": [[1, 2, 3], [2, 3, 4], [3, 4, 1], [4, 1, 2]],
            "users.events": [[1, 2, 3], [2, 3, 4], [3, 4, 1]],
            "orders.legacy": [[1, 2, 3], [2, 3, 4]],
            "payments.in": [[1, 2, 3]],
            "__consumer_offsets": [[1, 2, 3]],
        },
        {
            "users.profiles": {"cleanup.policy": override("compact"),
                               "min.insync.replicas": override("1"),
                               "retention.ms": override("86400000"),
                               "segment.bytes": default("1073741824")},
            "users.events": {"retention.ms": override("86400000"),
                             "leader.replication.throttled.replicas": override("0:1"),
                             "ssl.secret": entry(None, ConfigSource.DYNAMIC_TOPIC_CONFIG,
                                                 sensitive=True)},
        },
        brokers=4,
        broker_configs={
            "min.insync.replicas": entry("1", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
            "log.retention.ms": entry("259200000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
            "listener.name.sasl.password": entry(None, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
                                                 sensitive=True),
        },
        acls=frozenset({READ_PAYMENTS, OLD_WRITE}),
        cluster_id="prod-cluster",
    )


# What DescribeLogDirs reports for the partition that moves: 3 GiB on each copy.
SIZES = [LogDirPartitionSize(b, "orders.audit", 1, 3 * 1024**3) for b in (4, 1, 2)]


def scenario_plan() -> Plan:
    return with_sizes(plan(scenario_desired(), scenario_observed()), SIZES)
