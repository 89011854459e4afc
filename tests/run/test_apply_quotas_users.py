"""Applying client quotas and SCRAM users: order, passwords read up front and
never shown, the users ledger, rotation, and the dependency rules."""

from __future__ import annotations

import dataclasses

import pytest

from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.actions import (
    CreateAcl,
    CredentialChange,
    DeleteAcl,
    DeleteUserCredentials,
    QuotaChange,
    SetClientQuota,
    SetUserCredentials,
)
from kafkaform.core.model import (
    AclScope,
    DesiredState,
    ManagedScope,
    NameScope,
    QuotaEntity,
    QuotaSpec,
    ScramMechanism,
    SecretRef,
    UserSpec,
)
from kafkaform.core.observed import PasswordRecord
from kafkaform.core.planner import plan
from kafkaform.core.requests import ScramDeletion
from kafkaform.errors import ClusterError
from kafkaform.run.apply import ApplyRefused, apply_plan
from kafkaform.run.events import RecordingReporter, Status
from kafkaform.run.observe import observe
from kafkaform.run.users_ledger import read_password_records

from .builders import WRITES, OrderLog, no_wait, plan_of, read_acl

SHA256, SHA512 = ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512
SECRET = "pw-marker-7f3a"
ENVIRON = {"SVC_PASSWORD": SECRET}


def svc(version: int | None = None, password: SecretRef | None = None, **credentials: int):
    return UserSpec("svc", {ScramMechanism(k.replace("_", "-")): v
                            for k, v in (credentials or {"SCRAM_SHA_512": 4096}).items()},
                    password or SecretRef(variable="SVC_PASSWORD"), version)


def desired(*users: UserSpec, quotas=(), delete_users: bool = False) -> DesiredState:
    return DesiredState("test", users={u.name: u for u in users},
                        quotas={q.entity: q for q in quotas},
                        scope=ManagedScope(acls=AclScope(delete=True),
                                           users=NameScope(delete=delete_users),
                                           quotas=NameScope(delete=True)))


def converge(state: DesiredState, cluster: MemoryCluster, environ=ENVIRON):
    reporter = RecordingReporter()
    report = apply_plan(plan(state, observe(cluster)), cluster, reporter=reporter,
                        desired=state, retry=no_wait(), environ=environ)
    return report, reporter


def test_quotas_and_users_come_before_acls_and_user_deletions_after():
    cluster = MemoryCluster(3)
    cluster.set_scram_credential("old", SHA256, 4096, "x")
    old_acl, new_acl = read_acl("User:old", "t"), read_acl("User:svc", "t")
    cluster.create_acls([old_acl])
    log = OrderLog(cluster)
    the_plan = plan_of(
        CreateAcl(new_acl), DeleteAcl(old_acl),
        SetUserCredentials("svc", (CredentialChange(SHA512, None, 4096),), "${SVC_PASSWORD}",
                           new_user=True),
        DeleteUserCredentials("old", (CredentialChange(SHA256, 4096, None),), whole_user=True),
        SetClientQuota(QuotaEntity("svc"), (QuotaChange("producer_byte_rate", None, 1024),),
                       new_entity=True),
    )

    state = desired(svc(), quotas=[QuotaSpec(QuotaEntity("svc"), {"producer_byte_rate": 1024})],
                    delete_users=True)  # the executor's guard holds deletes to the opt-in
    state = dataclasses.replace(state, acls=frozenset({new_acl}))

    report = apply_plan(the_plan, log, reporter=RecordingReporter(), desired=state,
                        retry=no_wait(), environ=ENVIRON)

    assert report.ok, report.summary_rows()
    assert log.writes == ["alter_client_quotas", "alter_scram_credentials",
                          "create_topics",  # the users ledger, on first use
                          "create_acls", "delete_acls", "alter_scram_credentials"]
    assert cluster.authenticates("svc", SHA512, SECRET)
    assert cluster.describe_scram_credentials() == {"svc": {SHA512: 4096}}
    assert cluster.describe_client_quotas() == {QuotaEntity("svc"): {"producer_byte_rate": 1024}}


def test_a_password_that_cannot_be_read_refuses_the_apply_before_any_write(tmp_path):
    cluster = MemoryCluster(3)
    empty = tmp_path / "empty.pw"
    empty.write_text("\n")
    state = desired(svc(), UserSpec("filed", {SHA512: 4096},
                                    SecretRef(file="empty.pw", path=str(empty))),
                    quotas=[QuotaSpec(QuotaEntity("svc"), {"producer_byte_rate": 1024.0})])

    with pytest.raises(ApplyRefused) as refused:
        converge(state, cluster, environ={})

    assert str(refused.value) == (
        "cannot read the passwords to set: user filed: the password file "
        f"{empty} is empty; user svc: ${{SVC_PASSWORD}} is not set or empty; "
        "nothing was applied")
    assert not any(cluster.calls[m] for m in WRITES)


def test_a_password_file_is_read_without_its_line_break(tmp_path):
    cluster = MemoryCluster(3)
    secret = tmp_path / "svc.pw"
    secret.write_text(SECRET + "\n")
    state = desired(svc(password=SecretRef(file="svc.pw", path=str(secret))))

    report, _ = converge(state, cluster, environ={})

    assert report.ok
    assert cluster.authenticates("svc", SHA512, SECRET)


def test_the_ledger_records_the_reference_and_a_version_bump_rotates_the_password():
    cluster = MemoryCluster(3)
    report, _ = converge(desired(svc(version=1, SCRAM_SHA_512=4096, SCRAM_SHA_256=8192)),
                         cluster)
    assert report.ok, report.summary_rows()
    assert read_password_records(cluster) == {
        "svc": PasswordRecord(SecretRef(variable="SVC_PASSWORD"), 1)}
    state = desired(svc(version=1, SCRAM_SHA_512=4096, SCRAM_SHA_256=8192))
    assert plan(state, observe(cluster)).is_empty

    rotated = desired(svc(version=2, SCRAM_SHA_512=4096, SCRAM_SHA_256=8192))
    report, _ = converge(rotated, cluster, environ={"SVC_PASSWORD": "new-" + SECRET})

    assert report.ok, report.summary_rows()
    for mechanism in (SHA256, SHA512):
        assert cluster.authenticates("svc", mechanism, "new-" + SECRET)
        assert not cluster.authenticates("svc", mechanism, SECRET)
    assert read_password_records(cluster)["svc"].version == 2
    assert plan(rotated, observe(cluster)).is_empty


def test_a_deleted_user_is_forgotten_by_the_ledger():
    cluster = MemoryCluster(3)
    converge(desired(svc()), cluster)
    report, _ = converge(desired(delete_users=True), cluster)
    assert report.ok
    assert cluster.describe_scram_credentials() == {}
    assert read_password_records(cluster) == {}


def test_user_deletions_wait_for_user_creations():
    cluster = MemoryCluster(3)
    cluster.set_scram_credential("old", SHA512, 4096, "x")
    cluster.fail_next("alter_scram_credentials", ClusterError("UNACCEPTABLE_CREDENTIAL"),
                      ("svc", SHA512))

    report, _ = converge(desired(svc(), delete_users=True), cluster)

    by_user = {r.action.user: r for r in report.results}
    assert by_user["svc"].status is Status.FAILED
    assert by_user["old"].status is Status.NOT_ATTEMPTED
    assert "removals wait for additions" in by_user["old"].detail
    assert "old" in cluster.describe_scram_credentials()
    assert read_password_records(cluster) == {}  # nothing set, nothing recorded


def test_a_ledger_that_cannot_be_written_is_a_warning_and_the_next_plan_sets_it_again():
    cluster = MemoryCluster(3)
    cluster.fail_next("create_topics", ClusterError("TOPIC_AUTHORIZATION_FAILED"))

    report, reporter = converge(desired(svc()), cluster)

    assert report.results[0].status is Status.DONE
    assert any("could not record the passwords set in __kafkaform_users" in w
               for w in reporter.messages("warning"))
    assert report.not_converged == [
        "update SCRAM user svc (SCRAM-SHA-512, password from ${SVC_PASSWORD}) is still "
        "planned after apply"]


def test_quota_changes_go_in_one_request_and_converge():
    cluster = MemoryCluster(3)
    cluster.set_quota(QuotaEntity("gone"), {"consumer_byte_rate": 1.0})
    quotas = [QuotaSpec(QuotaEntity("a"), {"producer_byte_rate": 1024.0}),
              QuotaSpec(QuotaEntity("b", "c"), {"request_percentage": 50.0})]

    report, _ = converge(desired(quotas=quotas), cluster)

    assert report.ok and cluster.calls["alter_client_quotas"] == 1
    assert cluster.describe_client_quotas() == {q.entity: q.values for q in quotas}


def test_a_credential_already_gone_counts_as_deleted():
    cluster = MemoryCluster(3)
    cluster.set_scram_credential("old", SHA256, 4096, "x")
    the_plan = plan(desired(delete_users=True), observe(cluster))
    cluster.alter_scram_credentials([ScramDeletion("old", SHA256)])  # someone else was quicker

    report = apply_plan(the_plan, cluster, reporter=RecordingReporter(),
                        desired=desired(delete_users=True), retry=no_wait())

    assert report.ok
    assert [(r.status, r.detail) for r in report.results] == [(Status.DONE, "already deleted")]


def test_the_guard_holds_quotas_and_users_to_the_managed_scope():
    """The executor's last guard knows quota and user actions (it read `.topic`
    off every action that was not a broker config or ACL)."""
    from kafkaform.core.guard import violations

    scoped = DesiredState(
        "test", users={"app.svc": svc()}, quotas={QuotaEntity("app.svc"): QuotaSpec(
            QuotaEntity("app.svc"), {"producer_byte_rate": 1024})},
        scope=ManagedScope(users=NameScope(prefixes=("app.",)),
                           quotas=NameScope(prefixes=("app.",))))
    quota = (QuotaChange("producer_byte_rate", None, 1024),)
    gone = (CredentialChange(SHA256, 4096, None),)
    assert violations([SetClientQuota(QuotaEntity("app.svc"), quota),
                       DeleteUserCredentials("app.svc", gone)], scoped) == []
    found = violations([
        SetClientQuota(QuotaEntity("other"), quota),
        SetClientQuota(QuotaEntity("app.old"), quota, removes_entity=True),
        SetUserCredentials("other", (CredentialChange(SHA512, None, 4096),), "${P}"),
        DeleteUserCredentials("app.old", gone, whole_user=True),
    ], scoped)
    assert [line.split(": ")[-1] for line in found] == [
        "an entity outside the environment's manage.quotas",
        "a delete, and manage.quotas.delete is off",
        "a user outside the environment's manage.users",
        "a delete, and manage.users.delete is off"]
