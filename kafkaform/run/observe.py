"""One consistent read of a cluster, in a constant number of port calls.

Ten calls at most, whatever the number of topics: describe cluster,
capabilities, list topics, one DescribeConfigs for all topics, one for the
cluster default plus every broker, ACLs, reassignments, client quotas and
SCRAM users when the cluster supports them, and kafkaform's users ledger when
it exists. Planning 10,000 topics must not mean 10,000 round trips.

An adapter that takes reads from several threads at once
(`concurrent_reads = True`: the Kafka adapter) has them overlap: the
capabilities (kafka-python's connection) while the topics are listed, and
the other reads while the topic configs are read, the one long wait (seconds
at thousands of topics). Other adapters (the in-memory cluster, snapshots,
test doubles) are read one call at a time, in the order below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from kafkaform.cluster.port import ClusterAdmin
from kafkaform.core.model import AclBinding, is_internal_topic
from kafkaform.core.observed import (
    CLUSTER_DEFAULT_BROKER,
    Api,
    ConfigEntry,
    ConfigSource,
    ObservedState,
    PasswordRecord,
    TopicInfo,
)
from kafkaform.errors import ClusterError, KafkaformError
from kafkaform.run.users_ledger import LEDGER_TOPIC, read_password_records

T = TypeVar("T")
# The reads observe overlaps at most: capabilities, then broker configs,
# reassignments, quotas, users, the ledger and ACLs.
_READERS = 6


def observe(admin: ClusterAdmin) -> ObservedState:
    cluster = admin.describe_cluster()  # first, alone: an unreachable cluster fails fast
    with _reads(admin) as start:
        capabilities_read = start(admin.capabilities)
        topics = admin.list_topics()
        capabilities = capabilities_read()
        can_describe_configs = Api.DESCRIBE_CONFIGS in capabilities
        # Internal topics' configs are never planned, imported or checked, and a
        # principal that may see them (kafkaform's own lock and ledger topics)
        # often may not describe their configs: asking would fail the whole read.
        user_topics = sorted(name for name, topic in topics.items()
                             if not (topic.internal or is_internal_topic(name)))
        unreadable: dict[str, str] = {}
        broker_configs = start(lambda: admin.describe_broker_configs(
            [CLUSTER_DEFAULT_BROKER, *(b.id for b in cluster.brokers)])
            if can_describe_configs else {})
        reassignments = start(lambda: admin.list_partition_reassignments()
                              if Api.LIST_PARTITION_REASSIGNMENTS in capabilities else {})
        quotas = start(lambda: _optional(admin.describe_client_quotas,
                                         Api.DESCRIBE_CLIENT_QUOTAS, capabilities, "quotas",
                                         unreadable))
        acls = start(lambda: _acls(admin, capabilities))
        topic_configs = (admin.describe_topic_configs(user_topics)
                         if user_topics and can_describe_configs else {})
        broker_configs_read, reassignments_read, quotas_read = (
            broker_configs(), reassignments(), quotas())
        # The SCRAM users only once the reads before them succeeded, as when
        # read one at a time: confluent-kafka 2.16.1 aborts the process
        # (munmap_chunk(): invalid pointer) after a DescribeUserScramCredentials
        # refused with CLUSTER_AUTHORIZATION_FAILED, and a principal without
        # DESCRIBE on the cluster is refused the reassignments first.
        users_read = start(lambda: _optional(admin.describe_scram_credentials,
                                             Api.DESCRIBE_USER_SCRAM_CREDENTIALS, capabilities,
                                             "users", unreadable))
        ledger = start(lambda: _ledger(admin, topics, capabilities))
        users, records = users_read(), {}
        if users is not None:
            try:
                records = ledger()
            except KafkaformError as error:  # without it, passwords cannot be planned
                users, unreadable["users"] = None, str(error)
        acls_read = acls()
    # Only the topics the environment manages need their configs: the plan
    # refuses a managed one among those not read, and leaves the rest alone.
    configs_unread = frozenset(user_topics).difference(topic_configs) if can_describe_configs \
        else frozenset()
    return ObservedState(
        cluster=cluster,
        capabilities=capabilities,
        topics=topics,
        topic_configs=topic_configs,
        broker_configs=_with_source(
            broker_configs_read.get(CLUSTER_DEFAULT_BROKER, {}),
            ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
        ),
        per_broker_configs={
            broker: _with_source(entries, ConfigSource.DYNAMIC_BROKER_CONFIG)
            for broker, entries in broker_configs_read.items()
            if broker is not CLUSTER_DEFAULT_BROKER
        },
        acls=acls_read,
        reassignments=reassignments_read,
        quotas=quotas_read,
        users=users,
        password_records=records,
        unreadable=unreadable,
        configs_unread=configs_unread,
    )


@contextmanager
def _reads(admin: ClusterAdmin) -> Iterator[Callable[[Callable[[], T]], Callable[[], T]]]:
    """`start(read)` gives a function returning the read's result (or raising its
    error): with an adapter that takes concurrent reads, the read runs on a
    worker thread from now on; with any other, it runs when its result is asked
    for, so the reads happen one at a time in the order they are asked for."""
    if not getattr(admin, "concurrent_reads", False):
        yield lambda read: read
        return
    with ThreadPoolExecutor(_READERS, thread_name_prefix="kafkaform-observe") as workers:
        # Leaving waits for every read still running, also when one failed:
        # the caller closes the admin next, and librdkafka freed under a
        # read in flight crashed the process (munmap_chunk(): invalid pointer).
        # Each read is bounded by the connection's timeout.
        yield lambda read: workers.submit(read).result


def _ledger(admin: ClusterAdmin, topics: dict[str, TopicInfo], capabilities: frozenset[Api]
            ) -> dict[str, PasswordRecord]:
    """kafkaform's password records, when SCRAM users can be read and the ledger
    exists (asked for only when the users were read)."""
    if Api.DESCRIBE_USER_SCRAM_CREDENTIALS not in capabilities or LEDGER_TOPIC not in topics:
        return {}
    return read_password_records(admin)


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
