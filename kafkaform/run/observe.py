"""One consistent read of a cluster, in a constant number of port calls.

Ten calls at most, whatever the number of topics: describe cluster,
capabilities, list topics, one DescribeConfigs for all topics, one for the
cluster default plus every broker, ACLs, reassignments, client quotas and
SCRAM users when the cluster supports them, and kafkaform's users ledger when
it exists. Planning 10,000 topics must not mean 10,000 round trips.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.model import AclBinding, is_internal_topic
from kafkaform.core.observed import (
    CLUSTER_DEFAULT_BROKER,
    Api,
    ConfigEntry,
    ConfigSource,
    ObservedState,
)
from kafkaform.errors import ClusterError, KafkaformError
from kafkaform.run.users_ledger import LEDGER_TOPIC, read_password_records

T = TypeVar("T")


def observe(admin: ClusterAdmin) -> ObservedState:
    cluster = admin.describe_cluster()
    capabilities = admin.capabilities()
    topics = admin.list_topics()
    can_describe_configs = Api.DESCRIBE_CONFIGS in capabilities
    # Internal topics' configs are never planned, imported or checked, and a
    # principal that may see them (kafkaform's own lock and ledger topics)
    # often may not describe their configs: asking would fail the whole read.
    user_topics = sorted(name for name, topic in topics.items()
                         if not (topic.internal or is_internal_topic(name)))
    topic_configs = (
        admin.describe_topic_configs(user_topics) if user_topics and can_describe_configs else {}
    )
    broker_configs = (
        admin.describe_broker_configs([CLUSTER_DEFAULT_BROKER, *(b.id for b in cluster.brokers)])
        if can_describe_configs
        else {}
    )
    # Only the topics the environment manages need their configs: the plan
    # refuses a managed one among those not read, and leaves the rest alone.
    configs_unread = frozenset(user_topics).difference(topic_configs) if can_describe_configs \
        else frozenset()
    reassignments = (
        admin.list_partition_reassignments()
        if Api.LIST_PARTITION_REASSIGNMENTS in capabilities
        else {}
    )
    unreadable: dict[str, str] = {}
    quotas = _optional(admin.describe_client_quotas, Api.DESCRIBE_CLIENT_QUOTAS, capabilities,
                       "quotas", unreadable)
    users = _optional(admin.describe_scram_credentials, Api.DESCRIBE_USER_SCRAM_CREDENTIALS,
                      capabilities, "users", unreadable)
    records = {}
    if users is not None and LEDGER_TOPIC in topics:
        try:
            records = read_password_records(admin)
        except KafkaformError as error:  # without it, passwords cannot be planned
            users, unreadable["users"] = None, str(error)
    return ObservedState(
        cluster=cluster,
        capabilities=capabilities,
        topics=topics,
        topic_configs=topic_configs,
        broker_configs=_with_source(
            broker_configs.get(CLUSTER_DEFAULT_BROKER, {}),
            ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
        ),
        per_broker_configs={
            broker: _with_source(entries, ConfigSource.DYNAMIC_BROKER_CONFIG)
            for broker, entries in broker_configs.items()
            if broker is not CLUSTER_DEFAULT_BROKER
        },
        acls=_acls(admin, capabilities),
        reassignments=reassignments,
        quotas=quotas,
        users=users,
        password_records=records,
        unreadable=unreadable,
        configs_unread=configs_unread,
    )


def _with_source(entries: dict[str, ConfigEntry], source: ConfigSource) -> dict[str, ConfigEntry]:
    """Only what is set on that very resource: a broker's description also lists
    every static and default value, which nobody manages."""
    return {name: e for name, e in entries.items() if e.source is source}


def _acls(admin: ClusterAdmin, capabilities: frozenset[Api]) -> frozenset[AclBinding] | None:
    """None when ACLs cannot be read (no API, no authorizer, not allowed): then
    the planner neither creates nor deletes any."""
    if Api.DESCRIBE_ACLS not in capabilities:
        return None
    try:
        return admin.describe_acls()
    except ClusterError:
        return None


def _optional(read: Callable[[], T], api: Api, capabilities: frozenset[Api], what: str,
              unreadable: dict[str, str]) -> T | None:
    """Client quotas and SCRAM users: None when the cluster lacks the API or
    refuses the read (why is kept in `unreadable`); the planner refuses to
    plan them then, naming the reason, and plans everything else."""
    if api not in capabilities:
        return None
    try:
        return read()
    except ClusterError as error:
        unreadable[what] = str(error)
        return None
