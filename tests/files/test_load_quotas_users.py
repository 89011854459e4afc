"""Loading Quotas and Users documents: units, overlays, defaults, and passwords
that stay references."""

from __future__ import annotations

from pathlib import Path

import pytest

from kafkaform.core.model import DEFAULT_ENTITY, QuotaEntity, ScramMechanism, SecretRef
from kafkaform.files.documents import read_documents
from kafkaform.files.load import load_environment

from .conftest import ENVIRONMENT

SHA256, SHA512 = ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512
MiB = 1024 * 1024


def loaded(folder: Path, environ: dict[str, str] | None = None):
    result = load_environment(folder, environ or {})
    assert not result.shape_problems and not result.problems, [
        p.render() for p in result.shape_problems + result.problems]
    assert result.desired is not None
    return result.desired


def test_quota_values_take_human_units_and_become_kafkas_numbers(write):
    write("env/environment.yaml", ENVIRONMENT)
    write("env/quotas.yaml", """
        kind: Quotas
        quotas:
          - user: orders
            producer_byte_rate: 10MiB
            consumer_byte_rate: 512KB/s
            request_percentage: 12.5
          - user: orders
            clientId: <default>
            producer_byte_rate: 1048576
          - clientId: <default>
            controller_mutation_rate: 2
        """)
    quotas = loaded(write("env/x", "").parent).quotas
    assert quotas[QuotaEntity("orders")].values == {
        "producer_byte_rate": 10 * MiB, "consumer_byte_rate": 512000, "request_percentage": 12.5}
    assert quotas[QuotaEntity("orders", DEFAULT_ENTITY)].values == {"producer_byte_rate": MiB}
    assert quotas[QuotaEntity(None, DEFAULT_ENTITY)].values == {"controller_mutation_rate": 2}
    assert quotas[QuotaEntity("orders")].source.line == 3


def test_quota_overlays_merge_key_by_key_and_remove(write):
    write("base/quotas.yaml", """
        kind: Quotas
        quotas:
          - {user: orders, producer_byte_rate: 1MiB, consumer_byte_rate: 2MiB}
          - {user: legacy, producer_byte_rate: 1MiB}
        """)
    write("env/environment.yaml", ENVIRONMENT + "include: [../base]\n")
    write("env/quotas.yaml", """
        kind: Quotas
        quotas:
          - {user: orders, producer_byte_rate: 5MiB, consumer_byte_rate: null}
          - {user: legacy, remove: true}
        """)
    quotas = loaded(write("env/x", "").parent).quotas
    assert quotas == {QuotaEntity("orders"): quotas[QuotaEntity("orders")]}
    assert quotas[QuotaEntity("orders")].values == {"producer_byte_rate": 5 * MiB}


def test_users_default_to_scram_sha_512_at_4096_iterations(write):
    write("env/environment.yaml", ENVIRONMENT)
    write("env/users.yaml", """
        kind: Users
        users:
          - name: plain
          - name: tuned
            mechanisms: [SCRAM-SHA-256, {mechanism: SCRAM-SHA-512, iterations: 16384}]
            iterations: 8192
            password: ${TUNED_PASSWORD}
            passwordVersion: 3
        """)
    users = loaded(write("env/x", "").parent).users
    assert users["plain"].credentials == {SHA512: 4096} and users["plain"].password is None
    assert users["tuned"].credentials == {SHA256: 8192, SHA512: 16384}
    assert users["tuned"].password == SecretRef(variable="TUNED_PASSWORD")
    assert users["tuned"].password_version == 3


def test_a_password_reference_is_never_replaced_by_its_value(write):
    """The variable is set, yet neither the data nor the desired state holds its value."""
    path = write("env/users.yaml", """
        kind: Users
        users:
          - name: svc
            password: ${SVC_PASSWORD}
            mechanisms: ["${MECHANISM}"]
        """)
    secret = "s3cr3t-marker"
    environ = {"SVC_PASSWORD": secret, "MECHANISM": "SCRAM-SHA-256"}
    (doc,) = read_documents(path, environ)
    assert doc.data["users"][0]["password"] == "${SVC_PASSWORD}"
    assert doc.data["users"][0]["mechanisms"] == ["SCRAM-SHA-256"]  # others interpolate
    write("env/environment.yaml", ENVIRONMENT)
    desired = loaded(path.parent, environ)
    assert secret not in repr(desired)


def test_a_numeric_looking_literal_password_is_still_a_literal(write):
    write("env/environment.yaml", ENVIRONMENT)
    write("env/users.yaml", """
        kind: Users
        users:
          - {name: svc, password: 12345678}
        """)
    result = load_environment(write("env/x", "").parent, {})
    assert [p.message.split(";")[0] for p in result.problems] == [
        "a literal password is not allowed in a file"]
    assert "12345678" not in "".join(p.render() for p in result.problems)


def test_a_password_file_is_relative_to_the_file_naming_it_and_overlays_switch(write, tmp_path):
    write("base/users.yaml", """
        kind: Users
        users:
          - {name: svc, password: "${SVC_PASSWORD}"}
          - {name: other, password: "${OTHER_PASSWORD}"}
        """)
    write("env/environment.yaml", ENVIRONMENT + "include: [../base]\n")
    write("env/users.yaml", """
        kind: Users
        users:
          - {name: svc, passwordFile: secrets/svc.pw, iterations: 8192}
        """)
    users = loaded(write("env/x", "").parent).users
    assert users["svc"].password == SecretRef(file="secrets/svc.pw")
    assert users["svc"].password.path == str(tmp_path / "env" / "secrets" / "svc.pw")
    assert users["svc"].credentials == {SHA512: 8192}
    assert users["other"].password == SecretRef(variable="OTHER_PASSWORD")


def test_an_include_may_leave_out_quotas_and_users(write):
    write("base/quotas.yaml", "kind: Quotas\nquotas: [{user: a, producer_byte_rate: 1}]\n")
    write("base/users.yaml", "kind: Users\nusers: [{name: a}]\n")
    write("env/environment.yaml", ENVIRONMENT + "include: [{path: ../base, kinds: [Users]}]\n")
    desired = loaded(write("env/x", "").parent)
    assert desired.quotas == {} and list(desired.users) == ["a"]


@pytest.mark.parametrize("written, why", [
    ("${SVC_PASSWORD:-s3cret}", "a password reference takes no default"),
    ("${SVC_PASSWORD-s3cret}", "a password reference takes no default"),
    ("${SVC_PASSWORD}s3cret", "a literal password is not allowed in a file"),
    ("${SVC_PASSWORD", "a literal password is not allowed in a file"),
])
def test_only_a_reference_with_a_default_is_called_one(write, written, why):
    write("env/environment.yaml", ENVIRONMENT)
    write("env/users.yaml", f"""
        kind: Users
        users:
          - {{name: svc, password: '{written}'}}
        """)
    result = load_environment(write("env/x", "").parent, {})
    assert [p.message.startswith(why) for p in result.problems] == [True]
    assert "s3cret" not in "".join(p.render() for p in result.problems)
