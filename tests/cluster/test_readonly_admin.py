"""ReadOnlyAdmin: reads pass through, every other port method is refused."""

import inspect

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.cluster.port import ClusterAdmin
from kafkaform.cluster.readonly import READ_METHODS, ReadOnlyAdmin
from kafkaform.core.requests import NewTopic
from kafkaform.errors import ReadOnlyViolation

PORT_METHODS = sorted(
    name
    for name, member in inspect.getmembers(ClusterAdmin, inspect.isfunction)
    if not name.startswith("_")
)
WRITE_METHODS = [name for name in PORT_METHODS if name not in READ_METHODS]


def test_the_protocol_has_writes_to_refuse():
    assert {"create_topics", "alter_partition_reassignments", "write_record"} <= set(WRITE_METHODS)


@pytest.mark.parametrize("method", WRITE_METHODS)
def test_every_write_is_refused_without_reaching_the_cluster(method):
    inner = MemoryCluster(3)
    admin = ReadOnlyAdmin(inner)
    arguments = [None] * (len(inspect.signature(getattr(ClusterAdmin, method)).parameters) - 1)
    with pytest.raises(ReadOnlyViolation, match=method):
        getattr(admin, method)(*arguments)
    assert inner.calls[method] == 0


def test_reads_pass_through():
    inner = MemoryCluster(3)
    inner.create_topics([NewTopic("t", 1, 1)])
    admin = ReadOnlyAdmin(inner)
    assert isinstance(admin, ClusterAdmin)
    assert list(admin.list_topics()) == ["t"]
    assert admin.describe_cluster() == inner.describe_cluster()
    assert inner.calls["list_topics"] == 1


def test_read_methods_are_all_port_methods():
    assert READ_METHODS.issubset(PORT_METHODS)


def test_unknown_attributes_still_raise_attribute_error():
    with pytest.raises(AttributeError):
        ReadOnlyAdmin(MemoryCluster(3)).lsit_topics  # noqa: B018
