"""ACLs on the in-memory cluster: Kafka's filter semantics, idempotent create, errors."""

import pytest

from kafkaform.cluster.acl_filter import AclFilter, FilterPatternType
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.model import AclBinding, AclOperation, AclPermission, PatternType, ResourceType
from kafkaform.errors import ClusterError

T = ResourceType.TOPIC


def binding(principal="User:alice", name="orders", pattern=PatternType.LITERAL, **kw):
    return AclBinding(
        principal, kw.pop("type", T), name, pattern, kw.pop("op", AclOperation.READ), **kw
    )


LITERAL_ORDERS = binding()
LITERAL_WILDCARD = binding(name="*")
PREFIXED_ORD = binding(name="ord", pattern=PatternType.PREFIXED)
PREFIXED_PAY = binding(name="pay", pattern=PatternType.PREFIXED)
BOB_WRITE = binding("User:bob", op=AclOperation.WRITE, host="10.0.0.1")
ANY_USER = binding("User:*")
GROUP = binding(name="orders", type=ResourceType.GROUP)
ALL = [LITERAL_ORDERS, LITERAL_WILDCARD, PREFIXED_ORD, PREFIXED_PAY, BOB_WRITE, ANY_USER, GROUP]


@pytest.fixture
def cluster():
    cluster = MemoryCluster(3)
    assert set(cluster.create_acls(ALL).values()) == {None}
    return cluster


@pytest.mark.parametrize(
    ("acl_filter", "expected"),
    [
        (AclFilter(), ALL),
        (AclFilter(resource_type=ResourceType.GROUP), [GROUP]),
        # ANY pattern type: exact name, any pattern type.
        (AclFilter(resource_type=T, resource_name="orders"), [LITERAL_ORDERS, BOB_WRITE, ANY_USER]),
        # MATCH: also the literal wildcard and every prefix of the name.
        (
            AclFilter(
                resource_type=T, resource_name="orders", pattern_type=FilterPatternType.MATCH
            ),
            [LITERAL_ORDERS, LITERAL_WILDCARD, PREFIXED_ORD, BOB_WRITE, ANY_USER],
        ),
        (AclFilter(resource_name="ord", pattern_type=FilterPatternType.PREFIXED), [PREFIXED_ORD]),
        (AclFilter(resource_name="ord", pattern_type=FilterPatternType.LITERAL), []),
        (AclFilter(pattern_type=FilterPatternType.PREFIXED), [PREFIXED_ORD, PREFIXED_PAY]),
        # Principal and host filters are exact: "User:*" is not expanded.
        (AclFilter(principal="User:bob"), [BOB_WRITE]),
        (AclFilter(principal="User:*"), [ANY_USER]),
        (AclFilter(host="10.0.0.1"), [BOB_WRITE]),
        (AclFilter(operation=AclOperation.WRITE), [BOB_WRITE]),
        (AclFilter(permission=AclPermission.DENY), []),
    ],
)
def test_filters_match_like_kafka(cluster, acl_filter, expected):
    assert cluster.find_acls(acl_filter) == sorted(expected)


def test_describe_returns_every_binding(cluster):
    assert cluster.describe_acls() == frozenset(ALL)


def test_create_is_idempotent(cluster):
    assert cluster.create_acls([LITERAL_ORDERS]) == {LITERAL_ORDERS: None}
    assert len(cluster.describe_acls()) == len(ALL)


def test_delete_removes_exactly_the_given_bindings(cluster):
    missing = binding("User:nobody")
    assert cluster.delete_acls([LITERAL_ORDERS, missing]) == {LITERAL_ORDERS: None, missing: None}
    assert cluster.describe_acls() == frozenset(ALL) - {LITERAL_ORDERS}


def test_delete_with_a_filter_removes_all_matches(cluster):
    removed = cluster.delete_matching_acls(AclFilter(pattern_type=FilterPatternType.PREFIXED))
    assert removed == sorted([PREFIXED_ORD, PREFIXED_PAY])
    assert cluster.describe_acls() == frozenset(ALL) - {PREFIXED_ORD, PREFIXED_PAY}


@pytest.mark.parametrize(
    "bad",
    [
        binding(principal="alice"),
        binding(name=""),
        binding(type=ResourceType.CLUSTER, name="my-cluster", op=AclOperation.ALTER),
    ],
)
def test_invalid_bindings_are_refused(bad):
    cluster = MemoryCluster(3)
    result = cluster.create_acls([bad, LITERAL_ORDERS])
    assert result[bad].code == "INVALID_REQUEST" and result[LITERAL_ORDERS] is None


def test_without_an_authorizer_acl_calls_fail_with_security_disabled():
    cluster = MemoryCluster(3, authorizer=False)
    with pytest.raises(ClusterError) as raised:
        cluster.describe_acls()
    assert raised.value.code == "SECURITY_DISABLED"
    assert cluster.create_acls([LITERAL_ORDERS])[LITERAL_ORDERS].code == "SECURITY_DISABLED"
