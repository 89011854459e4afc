"""Quotas and SCRAM users through the command line, on an in-memory cluster:
no secret in any output or written file, and the YAML round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.model import ScramMechanism
from kafkaform.errors import ClusterError
from kafkaform.run.session import Runtime
from tests.support.imported import body, body_of

SHA256, SHA512 = ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512
# What no output and no written file may ever contain.
MARKER = "kf-SECRET-marker-3b9d41"
FILE_MARKER = "kf-SECRET-file-marker-77e0c2"

ENVIRONMENT = """\
kind: Environment
name: {name}
cluster: {{bootstrap: 127.0.0.1:9092, client: {{sasl.username: kafkaform}}}}
policies: {{minReplicationFactor: 1, minInsyncReplicas: 1}}
manage:
  quotas: {{delete: true}}
  users: {{prefixes: [svc-], delete: true}}
"""
QUOTAS = """\
# yaml-language-server: $schema=../../schemas/quotas.schema.json
kind: Quotas
quotas:
  - clientId: <default>
    consumer_byte_rate: 100MiB
  - user: svc-orders
    producer_byte_rate: 10MiB
    request_percentage: 25
  - user: svc-orders
    clientId: orders-producer
    producer_byte_rate: 1500KiB
"""
USERS = """\
# yaml-language-server: $schema=../../schemas/users.schema.json
kind: Users
users:
  - name: svc-ledger
    passwordFile: secrets/ledger.pw
  - name: svc-orders
    mechanisms:
      - mechanism: SCRAM-SHA-256
        iterations: 8192
      - mechanism: SCRAM-SHA-512
        iterations: 4096
    password: ${{SVC_ORDERS_PASSWORD}}
    passwordVersion: {version}
"""


def write_env(folder: Path, version: int = 1) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "environment.yaml").write_text(ENVIRONMENT.format(name=folder.name))
    (folder / "quotas.yaml").write_text(QUOTAS)
    (folder / "users.yaml").write_text(USERS.format(version=version))
    (folder / "secrets").mkdir(exist_ok=True)
    (folder / "secrets" / "ledger.pw").write_text(FILE_MARKER + "\n")
    return folder


@pytest.fixture
def cluster() -> MemoryCluster:
    cluster = MemoryCluster(3)
    cluster.set_scram_credential("svc-retired", SHA256, 4096, "old")
    cluster.set_scram_credential("admin", SHA512, 4096, "admin")  # outside manage.users
    return cluster


@pytest.fixture
def run(cluster):
    runtime = Runtime(open_admin=lambda *args, **kwargs: cluster, sleep=lambda s: None)
    outputs: list[str] = []

    def invoke(*args: str, password: str = MARKER):
        result = CliRunner().invoke(app, list(args), obj=runtime,
                                    env={"SVC_ORDERS_PASSWORD": password})
        outputs.append(result.output + (result.stderr or ""))
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    invoke.outputs = outputs
    return invoke


def test_no_secret_in_any_output_or_written_file(tmp_path, cluster, run, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where `import NEW_ENV` writes the environment it adopts
    env = write_env(tmp_path / "environments" / "prod")
    other = write_env(tmp_path / "environments" / "staging", version=2)
    saved = tmp_path / "plan.json"

    assert run("validate", str(env)).exit_code == 0
    for output_format in ("text", "json", "markdown"):
        assert run("plan", str(env), "--format", output_format).exit_code == 0
    assert run("plan", str(env), "--detailed-exitcode").exit_code == 2
    assert run("plan", str(env), "--target", "user/svc-orders").exit_code == 0
    assert run("plan", str(env), "--out", str(saved)).exit_code == 0
    applied = run("apply", str(env), str(saved))
    assert applied.exit_code == 0, applied.output
    assert cluster.authenticates("svc-orders", SHA256, MARKER)
    assert cluster.authenticates("svc-ledger", SHA512, FILE_MARKER)
    assert "svc-retired" not in cluster.describe_scram_credentials()
    # A rotation, a failing one, and everything that reads the cluster back.
    rotated = write_env(tmp_path / "environments" / "prod", version=2)
    cluster.fail_next("alter_scram_credentials", ClusterError("POLICY_VIOLATION", "no"),
                      ("svc-orders", SHA256))
    assert run("apply", str(rotated), "--auto-approve", password=MARKER + "-2").exit_code == 1
    assert run("apply", str(rotated), "--auto-approve", password=MARKER + "-2").exit_code == 0
    assert cluster.authenticates("svc-orders", SHA512, MARKER + "-2")
    assert run("import", str(env), "--out", str(tmp_path / "imported")).exit_code == 0
    assert run("snapshot", str(env), "--out", str(tmp_path / "snapshot.json")).exit_code == 0
    for output_format in ("text", "json", "markdown"):
        assert run("diff", str(env), str(other), "--format", output_format).exit_code == 0
    for output_format in ("text", "json"):
        assert run("check", str(env), "--format", output_format).exit_code in (0, 1)
    adopted = run("import", "adopted", "--bootstrap-server", "127.0.0.1:9092")
    assert adopted.exit_code == 0, adopted.output
    assert (tmp_path / "environments" / "adopted" / "users.yaml").is_file()

    secrets = (MARKER, FILE_MARKER)
    for output in run.outputs:
        assert not any(secret in output for secret in secrets), output
    password_files = {p for p in tmp_path.rglob("*.pw")}
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p not in password_files]
    assert {p.name for p in written} >= {"plan.json", "snapshot.json", "users.yaml",
                                         "quotas.yaml"}
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not any(secret in text for secret in secrets), path
    records = " ".join(value for _, value in cluster.read_records("__kafkaform_users"))
    assert "SVC_ORDERS_PASSWORD" in records and not any(s in records for s in secrets)


def test_yaml_apply_import_gives_the_same_yaml_and_an_empty_plan(tmp_path, cluster, run):
    env = write_env(tmp_path / "environments" / "prod")
    assert run("apply", str(env), "--auto-approve").exit_code == 0
    imported = tmp_path / "environments" / "imported"

    result = run("import", str(env), "--out", str(imported))

    assert result.exit_code == 0, result.output
    assert "imported 3 client quota entities" in result.output
    # Identical but for the first line, the editor's $schema path, relative to the folder.
    assert body(imported / "quotas.yaml") == body_of(QUOTAS)
    assert body(imported / "users.yaml") == body_of(USERS.format(version=1))
    (imported / "environment.yaml").write_text(ENVIRONMENT.format(name="imported"))
    (imported / "secrets").mkdir()
    (imported / "secrets" / "ledger.pw").write_text(FILE_MARKER)
    replanned = run("plan", str(imported), "--detailed-exitcode")
    assert replanned.exit_code == 0, replanned.output



def test_plan_shows_quotas_and_users_with_their_symbols(tmp_path, cluster, run):
    env = write_env(tmp_path / "environments" / "prod")

    result = run("plan", str(env))

    assert result.exit_code == 0
    lines = result.output.splitlines()
    for expected in (
        "+ client quota for user svc-orders",
        "    + producer_byte_rate: 10485760 (10MiB/s)",
        "+ SCRAM user svc-orders",
        "    + SCRAM-SHA-256: 8192 iterations",
        "    + password: from ${SVC_ORDERS_PASSWORD}",
        "- SCRAM user svc-retired",
        "    - SCRAM-SHA-256: 4096 iterations",
        "Plan: 5 to create, 0 to change, 1 to destroy, 0 reassignments.",
    ):
        assert expected in lines, result.output
    assert "admin" not in result.output
