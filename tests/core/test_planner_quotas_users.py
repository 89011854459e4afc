"""The planner on client quotas and SCRAM users: compare, remove, scope,
rotation, and refusing what the cluster cannot show."""

from __future__ import annotations

import dataclasses

import pytest

from kafkaform.core.actions import (
    CredentialChange,
    DeleteUserCredentials,
    Phase,
    QuotaChange,
    SetClientQuota,
    SetUserCredentials,
)
from kafkaform.core.model import (
    DEFAULT_ENTITY,
    DesiredState,
    ManagedScope,
    NameScope,
    QuotaEntity,
    QuotaSpec,
    ScramMechanism,
    SecretRef,
    Source,
    UserSpec,
)
from kafkaform.core.observed import Api, PasswordRecord
from kafkaform.core.planner import Targets, plan
from kafkaform.core.summary import PlanSummary
from tests.support.observed import ALL_APIS, observed

SHA256, SHA512 = ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512
MiB = 1024 * 1024
ORDERS = QuotaEntity("orders")
PW = SecretRef(variable="ORDERS_PASSWORD")


def quota(entity: QuotaEntity = ORDERS, **values: float) -> QuotaSpec:
    return QuotaSpec(entity, values, Source("quotas.yaml", 3))


def user(name: str = "orders", credentials=None, password: SecretRef | None = PW,
         version: int | None = None) -> UserSpec:
    return UserSpec(name, credentials or {SHA512: 4096}, password, version,
                    Source("users.yaml", 2))


def desired(*specs, scope: ManagedScope | None = None) -> DesiredState:
    return DesiredState(
        "test",
        quotas={q.entity: q for q in specs if isinstance(q, QuotaSpec)},
        users={u.name: u for u in specs if isinstance(u, UserSpec)},
        scope=scope or ManagedScope(),
    )


def cluster(quotas=None, users=None, records=None, **kwargs):
    return dataclasses.replace(observed(**kwargs), quotas=quotas or {}, users=users or {},
                               password_records=records or {})


def only(result, kind):
    matching = [a for a in result.actions if isinstance(a, kind)]
    assert len(matching) == 1, result.actions
    return matching[0]


# --- client quotas -------------------------------------------------------------------


def test_a_new_entity_is_one_action_with_every_key():
    result = plan(desired(quota(producer_byte_rate=10 * MiB, request_percentage=25)), cluster())
    action = only(result, SetClientQuota)
    assert action.entity == ORDERS
    assert action.changes == (QuotaChange("producer_byte_rate", None, 10 * MiB),
                              QuotaChange("request_percentage", None, 25))
    assert action.symbol == "+" and action.phase is Phase.CLIENT_QUOTAS
    assert PlanSummary.of(result).create == 1


def test_equal_values_are_no_change_and_a_key_the_files_drop_is_removed():
    state = cluster({ORDERS: {"producer_byte_rate": 10.0 * MiB, "consumer_byte_rate": 5.0}})
    result = plan(desired(quota(producer_byte_rate=10 * MiB)), state)
    assert only(result, SetClientQuota).changes == (QuotaChange("consumer_byte_rate", 5.0, None),)
    assert PlanSummary.of(result).change == 1
    assert plan(desired(quota(producer_byte_rate=10 * MiB, consumer_byte_rate=5)),
                state).is_empty


def test_entities_not_in_the_files_are_removed_only_with_the_delete_opt_in():
    state = cluster({QuotaEntity("other"): {"producer_byte_rate": 1.0}})
    assert plan(desired(), state).is_empty
    result = plan(desired(scope=ManagedScope(quotas=NameScope(delete=True))), state)
    action = only(result, SetClientQuota)
    assert action.symbol == "-" and action.changes == (QuotaChange("producer_byte_rate", 1.0,
                                                                   None),)
    assert PlanSummary.of(result).destroy == 1


def test_prefixes_scope_named_entities_and_leave_default_entities_alone():
    scope = ManagedScope(quotas=NameScope(prefixes=("svc-",), delete=True))
    state = cluster({
        QuotaEntity("svc-a"): {"producer_byte_rate": 1.0},
        QuotaEntity("team-b"): {"producer_byte_rate": 1.0},
        QuotaEntity(DEFAULT_ENTITY): {"producer_byte_rate": 1.0},
        QuotaEntity("team-b", "svc-client"): {"producer_byte_rate": 1.0},
    })
    removed = {a.entity for a in plan(desired(scope=scope), state).actions}
    assert removed == {QuotaEntity("svc-a"), QuotaEntity("team-b", "svc-client")}


def test_quota_targets_select_entities_by_user_or_client_id():
    files = desired(quota(producer_byte_rate=1), quota(QuotaEntity("x", "orders"),
                                                       producer_byte_rate=1),
                    quota(QuotaEntity("other"), producer_byte_rate=1))
    planned = {a.entity for a in plan(files, cluster(), Targets.parse(["quota/orders"])).actions}
    assert planned == {ORDERS, QuotaEntity("x", "orders")}
    assert plan(files, cluster(), Targets.parse(["topic/t"])).is_empty


def test_quotas_on_a_cluster_without_the_api_are_refused_naming_it():
    state = cluster(capabilities=ALL_APIS - {Api.DESCRIBE_CLIENT_QUOTAS})
    state = dataclasses.replace(state, quotas=None)
    result = plan(desired(quota(producer_byte_rate=1)), state)
    assert result.is_empty
    assert [e.message for e in result.errors] == [
        "the cluster at localhost:9093 does not support DescribeClientQuotas (needs Kafka ≥ 2.6)"
        ": 1 client quota cannot be planned"]
    assert plan(desired(), state).errors == ()  # nothing declared: nothing to refuse


def test_quotas_the_cluster_refuses_to_show_are_refused_with_its_reason():
    state = dataclasses.replace(cluster(), quotas=None, unreadable={
        "quotas": "CLUSTER_AUTHORIZATION_FAILED: not allowed"})
    result = plan(desired(quota(producer_byte_rate=1)), state)
    assert "cannot read the cluster's quotas: CLUSTER_AUTHORIZATION_FAILED" in \
        result.errors[0].message


# --- SCRAM users ---------------------------------------------------------------------


def test_a_new_user_is_created_with_every_mechanism_and_its_password_reference():
    result = plan(desired(user(credentials={SHA512: 8192, SHA256: 4096})), cluster())
    action = only(result, SetUserCredentials)
    assert action.new_user and action.password == "${ORDERS_PASSWORD}"
    assert action.changes == (CredentialChange(SHA256, None, 4096),
                              CredentialChange(SHA512, None, 8192))
    assert action.phase is Phase.SET_USERS and PlanSummary.of(result).create == 1


def test_mechanisms_and_iterations_are_compared_and_the_extra_mechanism_removed():
    record = {"orders": PasswordRecord(PW)}
    state = cluster(users={"orders": {SHA256: 4096, SHA512: 4096}}, records=record)
    result = plan(desired(user(credentials={SHA512: 8192})), state)
    assert only(result, SetUserCredentials).changes == (CredentialChange(SHA512, 4096, 8192),)
    deleted = only(result, DeleteUserCredentials)
    assert deleted.changes == (CredentialChange(SHA256, 4096, None),) and not deleted.whole_user
    assert deleted.phase is Phase.DELETE_USERS
    assert PlanSummary.of(result).change == 1  # one user, changed


def test_a_changed_mechanism_sets_the_password_on_every_mechanism():
    """So the mechanisms never carry two different passwords (the secret behind
    the reference may have changed since it was last set)."""
    state = cluster(users={"orders": {SHA256: 4096, SHA512: 4096}},
                    records={"orders": PasswordRecord(PW)})
    result = plan(desired(user(credentials={SHA256: 4096, SHA512: 8192})), state)
    action = only(result, SetUserCredentials)
    assert action.changes == (CredentialChange(SHA256, 4096, 4096),
                              CredentialChange(SHA512, 4096, 8192))
    assert action.reason == "SCRAM-SHA-512 iterations 4096 → 8192"


def test_a_matching_user_with_a_matching_record_is_no_change():
    state = cluster(users={"orders": {SHA512: 4096}},
                    records={"orders": PasswordRecord(PW, 3)})
    assert plan(desired(user(version=3)), state).is_empty


@pytest.mark.parametrize(("record", "why"), [
    (None, "no record that kafkaform set this password: set it from ${ORDERS_PASSWORD}"),
    (PasswordRecord(PW, 2), "passwordVersion 2 → 3: set it again"),
    (PasswordRecord(SecretRef(file="old.pw"), 3),
     "the password now comes from ${ORDERS_PASSWORD} (was file old.pw)"),
])
def test_a_password_is_set_again_when_the_record_differs(record, why):
    records = {} if record is None else {"orders": record}
    state = cluster(users={"orders": {SHA512: 4096, SHA256: 8192}}, records=records)
    result = plan(desired(user(credentials={SHA512: 4096, SHA256: 8192}, version=3)), state)
    action = only(result, SetUserCredentials)
    assert action.reason == why and not action.new_user
    assert action.changes == (CredentialChange(SHA256, 8192, 8192),
                              CredentialChange(SHA512, 4096, 4096))


def test_a_user_without_a_password_reference_is_left_alone_if_it_matches():
    state = cluster(users={"orders": {SHA512: 4096}})
    assert plan(desired(user(password=None)), state).is_empty


def test_setting_a_password_without_a_reference_is_refused_at_the_user():
    result = plan(desired(user(password=None)), cluster())
    assert result.is_empty
    error = result.errors[0]
    assert (error.file, error.line, error.path) == ("users.yaml", 2, "users[orders].password")
    assert "has no password reference" in error.message


def test_users_not_in_the_files_are_deleted_only_with_the_opt_in_and_in_scope():
    state = cluster(users={"svc-old": {SHA256: 4096}, "admin": {SHA512: 4096}})
    assert plan(desired(), state).is_empty
    scope = ManagedScope(users=NameScope(prefixes=("svc-",), delete=True))
    result = plan(desired(scope=scope), state)
    action = only(result, DeleteUserCredentials)
    assert action.user == "svc-old" and action.whole_user
    assert PlanSummary.of(result).destroy == 1


def test_users_outside_the_scope_or_target_are_not_planned():
    scope = ManagedScope(users=NameScope(prefixes=("svc-",)))
    assert plan(desired(user("orders"), scope=scope), cluster()).is_empty
    files = desired(user("a"), user("b"))
    assert [a.user for a in plan(files, cluster(), Targets.parse(["user/b"])).actions] == ["b"]


def test_users_on_a_cluster_without_the_api_are_refused():
    state = dataclasses.replace(
        cluster(capabilities=ALL_APIS - {Api.DESCRIBE_USER_SCRAM_CREDENTIALS}), users=None)
    result = plan(desired(user()), state)
    assert result.errors[0].message == (
        "the cluster at localhost:9093 does not support DescribeUserScramCredentials "
        "(needs Kafka ≥ 2.7): 1 SCRAM user cannot be planned")


def test_apply_needs_the_alter_apis_and_the_plan_says_so_up_front():
    state = cluster(capabilities=ALL_APIS - {Api.ALTER_CLIENT_QUOTAS,
                                             Api.ALTER_USER_SCRAM_CREDENTIALS})
    messages = [e.message for e in plan(desired(quota(producer_byte_rate=1), user()),
                                        state).errors]
    assert any("AlterClientQuotas" in m and "1 client-quota action" in m for m in messages)
    assert any("AlterUserScramCredentials" in m and "1 set-user action" in m for m in messages)


def test_user_and_quota_targets_are_kept_in_the_plan_as_written():
    targets = Targets.parse(["quota/orders", "user/b", "topic/t"])
    assert Targets.parse(targets.specs()) == targets
    assert targets.specs() == ("topic/t", "user/b", "quota/orders")


def test_a_user_or_quota_target_that_names_nothing_managed_is_an_error():
    files = desired(user("orders"), quota(producer_byte_rate=1))
    result = plan(files, cluster(), Targets.parse(["user/ordres", "quota/xyz"]))
    assert [e.message for e in result.errors] == [
        "quota/xyz matches no client quota entity the environment manages, in the files "
        "or on the cluster",
        "user/ordres matches no SCRAM user the environment manages, in the files or on the "
        "cluster; did you mean 'user/orders'?",
    ]
