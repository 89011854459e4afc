"""kafkaform against the floor: start-up, validate, plan, apply, ACLs, a large reassignment.

    python benchmarks/plan_scale.py [--sizes 1000,10000] [--cases startup,validate,...]
                                    [--no-tansu] [--no-kafka]

Every row times whole processes (`python -m kafkaform ...`, from process start
to exit: imports, validation, observation, planning and rendering included),
the median of three, with the peak RSS read from `wait4`, and beside it its
floor, measured in the same run the same way: a small plain script (`FLOORS`)
doing the least the same job needs, so anyone can rerun it. The ratio is
kafkaform ÷ floor, in wall seconds and in CPU seconds (user + system; on a
shared machine the CPU ratio is the steadier one). kafkaform's bytecode is
written first, as installing it does (`compile_kafkaform`). Cases (`--cases`):

- startup:  `kafkaform --version` and `--help` against `python -c pass`;
- validate: `kafkaform validate ENV` (loading, schemas, checks, policies)
            against reading the same YAML with PyYAML's C loader and checking
            each document against its JSON Schema;
- memory:   a no-op plan against a snapshot of a 3-broker cluster (RF 3),
            against reading the snapshot and the YAML;
- reassign: `plan --format json` for a reassignment of every partition (the
            snapshot at RF 2, the files at RF 3: 10 partitions a topic, so
            100,000 at 10,000 topics), against reading the snapshot and
            writing kafka-reassign-partitions' JSON for the same moves;
- tansu:    a no-op plan against the local Tansu broker (one broker, RF 1),
            against one Metadata request and the batched DescribeConfigs;
- apply:    `apply --auto-approve` creating 1,000 topics on an empty Tansu
            broker (a fresh one a run), against one batched CreateTopics plus
            the reads the verification needs (Metadata, DescribeConfigs);
- kafka:    the no-op plan on a real Apache Kafka cluster (3 KRaft brokers
            from Kafka's jars, `kafkaform.cluster.local_kafka`), RF 3, ONE
            partition a topic: ten per topic would put 100,000 replicas on
            each broker, past this machine's vm.max_map_count; at 10,000
            topics a second row holds the same runs' peak to <= 300 MB;
- acls:     on that cluster, 50,000 ACL bindings (StandardAuthorizer): a
            no-op plan against one DescribeAcls, and an apply changing 1,000
            bindings (500 created, 500 deleted) against one CreateAcls and
            one DeleteAcls; the row counts the admin requests kafkaform sent
            per phase (one run in this process, through a counting client).
            Kafka's cost, the same for both: KRaft's controller matches each
            DeleteAcls filter against every binding (AclControlManager.
            deleteAcls), 500 x 50,000 here. The cluster runs the full JIT
            (LocalKafka's full_jit, as production brokers run); on a loaded
            machine that work can still outlast the broker's wait for the
            controller (REQUEST_TIMED_OUT): the floor then fails, and
            kafkaform, which never sends such a request again blindly, reads
            the cluster back and reports the deletes done.

A plan must be empty (exit 0) where it says so: a benchmark of a plan that
finds drift would measure the wrong thing. Targets (issue 15): start-up <=
0.12 s; no-op plan <= 1.5 x the floor at 1,000 topics and <= 1.3 x at
10,000; apply <= 1.5 x; 50,000 ACLs planned in <= 2 s; the 100,000-partition
plan --format json in <= 2 s; <= 300 MB at 10,000 topics.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kafkaform import __file__ as package_init
from kafkaform.cluster.kafka import KafkaClusterAdmin
from kafkaform.cluster.local_kafka import LocalKafka
from kafkaform.cluster.local_tansu import LocalBroker
from kafkaform.cluster.memory import MemoryCluster
from kafkaform.core.model import AclBinding, AclOperation, AclPermission, PatternType, ResourceType
from kafkaform.core.requests import NewTopic
from kafkaform.errors import OutcomeUnknown
from kafkaform.files.schemas import schemas_dir
from kafkaform.files.snapshot import write_snapshot
from kafkaform.run.observe import observe

PARTITIONS = 10
CONFIGS = {"retention.ms": "86400000", "cleanup.policy": "delete", "max.message.bytes": "2097152"}
CREATE_BATCH = 500
RUNS = 3  # processes timed per row; the table shows the median
APPLY_TOPICS = 1000
ACL_BINDINGS, ACL_CHANGE, ACL_PRINCIPALS = 50_000, 1000, 50
# Bindings per CreateAcls while setting up: KRaft's controller refuses more than
# 10,000 records in one operation (QuorumController.MAX_RECORDS_PER_USER_OP).
ACL_BATCH = 2000
CASES = ("startup", "validate", "memory", "reassign", "tansu", "apply", "kafka", "acls")


@dataclass
class Timing:
    """Medians of RUNS processes (the largest peak): what a row compares."""

    exit_code: int
    wall_s: float
    cpu_s: float
    peak_mb: float


@dataclass
class Row:
    case: str
    topics: int
    partitions: int
    setup_s: float
    run: Timing
    floor: Timing | None
    target: str  # what issue 15 asks of this row, "" for none
    met: bool | None = None
    note: str = ""
    # The 1-minute load average when the row was measured: on a shared machine
    # a number means little without it.
    load: float = field(default_factory=lambda: os.getloadavg()[0])


def topic_names(n: int) -> list[str]:
    return [f"bench.t{i:05d}" for i in range(n)]


ENVIRONMENT = """kind: Environment
name: bench-{n}
cluster: {{bootstrap: '127.0.0.1:1', timeoutSeconds: 120}}
defaults:
  topic: {{partitions: {partitions}, replicationFactor: {rf}, configs: {{retention.ms: 1d,
    cleanup.policy: delete, max.message.bytes: 2MiB}}}}
policies:
  minReplicationFactor: {rf}
  minInsyncReplicas: 1
  maxPartitionsPerBroker: {{value: 1000, level: off}}
  rackSpread: {{value: false, level: off}}
manage:
  topics: {{prefixes: [{prefix}]}}
{acls}"""


def write_environment(folder: Path, n: int, rf: int, partitions: int = PARTITIONS,
                      acls: list[AclBinding] | None = None) -> Path:
    """An environment declaring N topics (and ACL bindings), policies relaxed to what the
    cluster can honour. With bindings, kafkaform manages (and deletes) the bench principals'."""
    folder.mkdir(parents=True, exist_ok=True)
    managed = "" if acls is None else (
        f"  acls: {{principals: [{', '.join(acl_principals())}], delete: true}}\n")
    # An ACL environment manages no topic: those of the topic rows are not its business.
    prefix = "bench." if acls is None else "bench-acl-env."
    (folder / "environment.yaml").write_text(
        ENVIRONMENT.format(n=n, partitions=partitions, rf=rf, acls=managed, prefix=prefix),
        encoding="utf-8")
    lines = ["kind: Topics", "topics:" if n else "topics: []"] + [
        f"  - name: {name}" for name in topic_names(n)]
    (folder / "topics.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for old in folder.glob("acls-*.yaml"):
        old.unlink()
    # One file per principal, as teams keep theirs: 1,000 one-line bindings, well
    # under the 50,000 YAML nodes kafkaform reads from one file (files/documents.py).
    by_principal: dict[str, list[AclBinding]] = {}
    for binding in acls or []:
        by_principal.setdefault(binding.principal, []).append(binding)
    for principal, bindings in by_principal.items():
        lines = ["kind: Acls", "bindings:"] + [
            f"  - {{principal: '{b.principal}', resource: topic, name: {b.resource_name}, "
            f"operations: [Read]}}" for b in bindings]
        (folder / f"acls-{principal.split(':')[1]}.yaml").write_text(
            "\n".join(lines) + "\n", encoding="utf-8")
    return folder


# Runs one command and prints "exit wall_seconds cpu_seconds peak_kib". A
# separate small process starts it because Linux carries the parent's peak RSS
# into a forked child's ru_maxrss across exec: forked from this (big) process,
# every plan would seem to need as much memory as this benchmark holds.
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - start
sys.stderr.write(child.stderr.read().decode(errors="replace"))
print(os.waitstatus_to_exitcode(status), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""

# The floors: the same job with nothing else, as a plain script gets it done.
FLOORS = {
    # Start-up: the interpreter itself.
    "startup": "pass",
    # validate: read every YAML file with PyYAML's C loader and check each
    # document against its kind's JSON Schema (argv: environment, schemas folder).
    "validate": """
import json, sys, yaml
from pathlib import Path
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
schemas = {p.name: json.loads(p.read_text()) for p in Path(sys.argv[2]).glob("*.schema.json")}
registry = Registry().with_resources(
    (name, Resource.from_contents(schema)) for name, schema in schemas.items())
validators = {}
for path in sorted(Path(sys.argv[1]).glob("*.yaml")):
    for doc in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader):
        kind = doc["kind"].lower()
        if kind not in validators:
            validators[kind] = Draft202012Validator(schemas[f"{kind}.schema.json"],
                                                    registry=registry)
        validators[kind].validate(doc)
""",
    # A plan from a snapshot: read the snapshot and the YAML (argv: snapshot, environment).
    "memory": """
import json, sys, yaml
from pathlib import Path
json.loads(Path(sys.argv[1]).read_text())
for path in sorted(Path(sys.argv[2]).glob("*.yaml")):
    list(yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader))
""",
    # The reassignment: read the snapshot, write kafka-reassign-partitions' JSON
    # giving every partition a third replica (argv: snapshot).
    "reassign": """
import json, sys
from pathlib import Path
snapshot = json.loads(Path(sys.argv[1]).read_text())
moves = []
for name, topic in snapshot["topics"].items():
    for partition, replicas in enumerate(topic["partitions"]):
        extra = next(b for b in (1, 2, 3) if b not in replicas)
        moves.append({"topic": name, "partition": partition, "replicas": [*replicas, extra]})
sys.stdout.write(json.dumps({"version": 1, "partitions": moves}, indent=1))
""",
    # A live no-op plan: one Metadata request and DescribeConfigs for the topics
    # in batches of 1,000 sent together (the adapter's batching, librdkafka's
    # reply size limit). argv: bootstrap. Every floor waits as long as the
    # environments' timeoutSeconds (120): librdkafka's own socket.timeout.ms
    # (60 s) failed the floor of 10,000 topics on a loaded machine.
    "plan": """
import sys
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType
admin = AdminClient({"bootstrap.servers": sys.argv[1], "socket.timeout.ms": 120000})
names = [t for t in admin.list_topics(timeout=120).topics if t.startswith("bench.")]
futures = {}
for first in range(0, len(names), 1000):
    batch = [ConfigResource(ResourceType.TOPIC, n) for n in names[first:first + 1000]]
    futures.update(admin.describe_configs(batch, request_timeout=120))
assert all(future.result() for future in futures.values())
""",
    # apply: one batched CreateTopics, then the reads its verification needs.
    # argv: bootstrap, topic count.
    "apply": """
import sys
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType
admin = AdminClient({"bootstrap.servers": sys.argv[1], "socket.timeout.ms": 120000})
configs = {"retention.ms": "86400000", "cleanup.policy": "delete",
           "max.message.bytes": "2097152"}
names = [f"bench.t{i:05d}" for i in range(int(sys.argv[2]))]
created = admin.create_topics([NewTopic(n, 10, 1, config=configs) for n in names],
                              request_timeout=120)
for future in created.values():
    future.result()
listed = admin.list_topics(timeout=120).topics
assert all(n in listed for n in names)
read = admin.describe_configs([ConfigResource(ResourceType.TOPIC, n) for n in names],
                              request_timeout=120)
assert all(future.result() for future in read.values())
""",
    # ACLs: one DescribeAcls of every binding. argv: bootstrap.
    "acls": """
import sys
from confluent_kafka.admin import (AclBindingFilter, AclOperation, AclPermissionType,
                                   AdminClient, ResourcePatternType, ResourceType)
admin = AdminClient({"bootstrap.servers": sys.argv[1], "socket.timeout.ms": 120000})
every = AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                         AclOperation.ANY, AclPermissionType.ANY)
assert admin.describe_acls(every, request_timeout=120).result()
""",
    # An ACL change: one CreateAcls and one DeleteAcls. argv: bootstrap, then
    # "+principal/topic" to create and "-principal/topic" to delete (Read, allow).
    "acl-change": """
import sys
from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation,
                                   AclPermissionType, AdminClient, ResourcePatternType,
                                   ResourceType)
admin = AdminClient({"bootstrap.servers": sys.argv[1], "socket.timeout.ms": 120000})
def binding(kind, spec):
    principal, topic = spec.rsplit("/", 1)
    return kind(ResourceType.TOPIC, topic, ResourcePatternType.LITERAL, principal, "*",
                AclOperation.READ, AclPermissionType.ALLOW)
create = [binding(AclBinding, a[1:]) for a in sys.argv[2:] if a[0] == "+"]
delete = [binding(AclBindingFilter, a[1:]) for a in sys.argv[2:] if a[0] == "-"]
for future in admin.create_acls(create, request_timeout=120).values():
    future.result()
for future in admin.delete_acls(delete, request_timeout=120).values():
    assert future.result()
""",
}


def time_processes(command: list[str], before_each: Callable[[], list[str]] | None = None
                   ) -> Timing:
    """RUNS runs of `command` (each after `before_each`, which may give the arguments to
    append), through LAUNCHER. A failed run ends the row: its exit code is the row's.

    The median of a few runs, because one run on a shared two-core machine
    swings by a third.
    """
    runs = []
    for _ in range(RUNS):
        extra = before_each() if before_each else []
        done = subprocess.run([sys.executable, "-c", LAUNCHER, *command, *extra],
                              capture_output=True, text=True, check=True)
        code, wall, cpu, peak_kib = done.stdout.split()
        if code != "0":
            print(f"  {' '.join(command[2:5])} exited {code}: "
                  f"{' / '.join(done.stderr.strip().splitlines()[-3:])}", file=sys.stderr)
            return Timing(int(code), float(wall), float(cpu), int(peak_kib) / 1024)
        runs.append((float(wall), float(cpu), int(peak_kib) / 1024))  # ru_maxrss: KiB
    return Timing(0, statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
                  max(r[2] for r in runs))


def kafkaform(*args: str, before_each: Callable[[], list[str]] | None = None) -> Timing:
    return time_processes([sys.executable, "-m", "kafkaform", *args], before_each)


def floor(name: str, *args: str, before_each: Callable[[], list[str]] | None = None) -> Timing:
    """A floor's timing; one that failed shows in the table as such (no ratio)."""
    return time_processes([sys.executable, "-c", FLOORS[name], *args], before_each)


def within(ratio: float) -> Callable[[Row], bool]:
    return lambda row: (row.floor is not None and row.floor.exit_code == 0
                        and row.run.wall_s <= ratio * row.floor.wall_s)


# --- cases ---------------------------------------------------------------------------


def bench_startup() -> list[Row]:
    base = floor("startup")
    rows = []
    for flag in ("--version", "--help"):
        rows.append(Row(f"{flag.strip('-')}", 0, 0, 0.0, kafkaform(flag), base, "<= 0.12 s"))
        rows[-1].met = rows[-1].run.wall_s <= 0.12
    return rows


def bench_validate(n: int, work: Path) -> Row:
    env = write_environment(work / f"validate-{n}", n, rf=3)
    return Row("validate", n, n * PARTITIONS, 0.0, kafkaform("validate", str(env)),
               floor("validate", str(env), str(schemas_dir())), "")


def memory_snapshot(n: int, rf: int, path: Path) -> float:
    """A snapshot of a 3-broker cluster holding the N topics at `rf`; seconds taken."""
    start = time.perf_counter()
    cluster = MemoryCluster(3)
    brokers = [1, 2, 3]
    for i, name in enumerate(topic_names(n)):
        assignment = [[brokers[(i + p + r) % 3] for r in range(rf)] for p in range(PARTITIONS)]
        cluster.add_topic(name, assignment, CONFIGS)
    write_snapshot(observe(cluster), path)
    return time.perf_counter() - start


def bench_memory(n: int, work: Path) -> Row:
    snapshot = work / f"memory-{n}.json"
    setup = memory_snapshot(n, 3, snapshot)
    env = write_environment(work / f"memory-{n}", n, rf=3)
    return Row("memory", n, n * PARTITIONS, setup,
               kafkaform("plan", str(env), "--detailed-exitcode", "--snapshot", str(snapshot)),
               floor("memory", str(snapshot), str(env)),
               "<= 300 MB" if n >= 10_000 else "")


def bench_reassign(n: int, work: Path) -> Row:
    snapshot = work / f"reassign-{n}.json"
    setup = memory_snapshot(n, 2, snapshot)
    env = write_environment(work / f"reassign-{n}", n, rf=3)
    command = ["plan", str(env), "--snapshot", str(snapshot), "--format", "json"]
    plan = kafkaform(*command)
    # The timed runs print to /dev/null; one more, untimed, for the JSON's size.
    out = work / f"reassign-{n}.plan.json"
    with out.open("w", encoding="utf-8") as sink:
        subprocess.run([sys.executable, "-m", "kafkaform", *command], stdout=sink, check=False)
    row = Row("reassign", n, n * PARTITIONS, setup, plan, floor("reassign", str(snapshot)),
              "<= 2 s" if n * PARTITIONS >= 100_000 else "",
              note=f"plan JSON {out.stat().st_size / 1e6:.1f} MB" if out.exists() else "")
    return row


def create_topics(bootstrap: str, names: list[str], partitions: int, rf: int, total: int) -> float:
    """Create topics in batches; seconds until `total` benchmark topics are ready.

    A batch is sent once the one before is listed with a leader and a full ISR
    for every partition: KRaft's controller answers CreateTopics once the
    records are committed, and each broker then creates its replicas' logs on
    its own, so sending every batch at once piles 30,000 log creations onto
    three JVMs on two cores, where brokers that miss heartbeats get fenced.
    """
    start = time.perf_counter()
    admin = KafkaClusterAdmin(bootstrap, timeout_seconds=120)
    try:
        for i in range(0, len(names), CREATE_BATCH):
            batch = names[i:i + CREATE_BATCH]
            send_until_present(f"creating topics {i}..{i + len(batch)}", batch,
                               admin.list_topics, lambda new: admin.create_topics(
                                   [NewTopic(t, partitions, rf, CONFIGS) for t in new]),
                               ok_codes={"TOPIC_ALREADY_EXISTS"})
            wait_until(f"topics {i}..{i + len(batch)} to have leaders and full ISRs",
                       lambda batch=batch: not unready(admin, batch))
        # Until the brokers asked know every topic, three reads in a row (each
        # may reach another broker, and KRaft brokers replay the metadata log
        # at their own pace): a plan timed before that would find "missing"
        # topics, and the floor would fail on unknown ones.
        wanted = topic_names(total)
        wait_until("every broker to know every topic", lambda: all(
            not unready(admin, wanted) and len(admin.describe_topic_configs(wanted)) == total
            for _ in range(3)))
    finally:
        admin.close()
    return time.perf_counter() - start


def unready(admin: KafkaClusterAdmin, names: list[str]) -> list[str]:
    """The topics not listed, or with a partition lacking a leader or a full ISR."""
    listed = admin.list_topics()
    return [t for t in names if t not in listed or any(
        p.leader is None or len(p.isr) < len(p.replicas) for p in listed[t].partitions)]


def send_until_present(what: str, items: list, present: Callable[[], Container],
                       send: Callable[[list], dict], ok_codes: set[str]) -> None:
    """Sends the items, up to three times. A request that timed out on the client
    may still have landed (KRaft committed it): after a pause what `present()`
    lists is not sent again. A refusal with a code in `ok_codes` is no error (a
    read-back from a lagging broker can miss what landed)."""
    for _ in range(3):
        try:
            results = send(items)
            if any(e and e.code == "REQUEST_TIMED_OUT" for e in results.values()):
                # The broker's forward to the controller timed out: landed or not.
                raise OutcomeUnknown("the broker's request to the controller timed out")
            refused = {k: e for k, e in results.items() if e and e.code not in ok_codes}
        except OutcomeUnknown as unknown:
            print(f"  {what}: {unknown}; reading back what landed", file=sys.stderr)
            time.sleep(10)
            have = present()
            items = [item for item in items if item not in have]
            if items:
                continue
            return
        if refused:
            raise SystemExit(f"{what} failed: {next(iter(refused.items()))}")
        return
    raise SystemExit(f"{what}: three requests timed out")


def wait_until(what: str, condition: Callable[[], bool], timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting {timeout_s:g} s for {what}")
        time.sleep(1)


def bench_tansu(n: int, work: Path) -> Row:
    env = write_environment(work / f"tansu-{n}", n, rf=1)
    with LocalBroker() as broker:
        setup = create_topics(broker.bootstrap, topic_names(n), PARTITIONS, 1, n)
        plan = kafkaform("plan", str(env), "--detailed-exitcode",
                         "--bootstrap-server", broker.bootstrap)
        return Row("tansu", n, n * PARTITIONS, setup, plan, floor("plan", broker.bootstrap),
                   f"<= {1.5 if n < 10_000 else 1.3} x", note="no-op plan")


@contextmanager
def fresh_brokers() -> Iterator[Callable[[], list[str]]]:
    """`next_broker()` stops the last broker and starts an empty one: its bootstrap."""
    current: list[LocalBroker] = []

    def next_broker() -> list[str]:
        while current:
            current.pop().stop()
        current.append(LocalBroker().start())
        return [current[-1].bootstrap]

    try:
        yield next_broker
    finally:
        while current:
            current.pop().stop()


def bench_apply(work: Path) -> Row:
    n = APPLY_TOPICS
    env = write_environment(work / f"apply-{n}", n, rf=1)
    with fresh_brokers() as next_broker:
        run = kafkaform("apply", str(env), "--auto-approve", "--bootstrap-server",
                        before_each=next_broker)
    with fresh_brokers() as next_broker:
        base = time_processes([sys.executable, "-c", FLOORS["apply"]],
                              before_each=lambda: [*next_broker(), str(n)])
    return Row("apply", n, n * PARTITIONS, 0.0, run, base, "<= 1.5 x",
               note="tansu, creating every topic")


# --- Apache Kafka: topics, then ACLs --------------------------------------------------


def acl_principals() -> list[str]:
    return [f"User:bench-{p:02d}" for p in range(ACL_PRINCIPALS)]


def acl_bindings(n: int, first: int = 0) -> list[AclBinding]:
    """n bindings, Read on a topic each, spread over the bench principals."""
    principals = acl_principals()
    return [AclBinding(principals[i % ACL_PRINCIPALS], ResourceType.TOPIC,
                       f"bench.acl{i // ACL_PRINCIPALS:05d}", PatternType.LITERAL,
                       AclOperation.READ, AclPermission.ALLOW, "*")
            for i in range(first, first + n)]


def bench_kafka_topics(kafka: LocalKafka, sizes: list[int], work: Path) -> list[Row]:
    """Topics are added up to each size in turn."""
    rows = []
    created = 0
    for n in sorted(sizes):
        print(f"kafka, {n} topics ...", file=sys.stderr)
        env = write_environment(work / f"kafka-{n}", n, rf=3, partitions=1)
        setup = create_topics(kafka.bootstrap, topic_names(n)[created:], 1, 3, n)
        created = n
        plan = kafkaform("plan", str(env), "--detailed-exitcode",
                         "--bootstrap-server", kafka.bootstrap)
        base = floor("plan", kafka.bootstrap)
        rows.append(Row("kafka", n, n, setup, plan, base,
                        f"<= {1.5 if n < 10_000 else 1.3} x", note="no-op plan"))
        if n >= 10_000:  # the same runs' peak, against issue 15's memory target
            rows.append(Row("kafka", n, n, setup, plan, base, "<= 300 MB",
                            note="no-op plan, peak memory"))
    return rows


def create_acls(bootstrap: str, bindings: list[AclBinding]) -> float:
    """Create the bindings in batches of ACL_BATCH; seconds until all are listed."""
    start = time.perf_counter()
    admin = KafkaClusterAdmin(bootstrap, timeout_seconds=120)
    try:
        for i in range(0, len(bindings), ACL_BATCH):
            send_until_present(f"creating ACLs {i}..{i + ACL_BATCH}", bindings[i:i + ACL_BATCH],
                               admin.describe_acls, admin.create_acls, ok_codes=set())
        wait_until("every ACL to be listed", lambda: all(
            admin.describe_acls() >= set(bindings) for _ in range(3)))
    finally:
        admin.close()
    return time.perf_counter() - start


def counted_apply(env: Path, bootstrap: str) -> Counter[str]:
    """Apply in this process, counting the ACL requests librdkafka is asked to send
    (each create_acls/delete_acls call is one CreateAcls/DeleteAcls request)."""
    from confluent_kafka.admin import AdminClient
    from typer.testing import CliRunner

    from kafkaform.cli import app

    calls: Counter[str] = Counter()
    originals = {name: getattr(AdminClient, name) for name in ("create_acls", "delete_acls")}

    def counting(name: str) -> Callable[..., object]:
        def call(self: AdminClient, *args: object, **kwargs: object) -> object:
            calls[name] += 1
            return originals[name](self, *args, **kwargs)
        return call

    for name in originals:
        setattr(AdminClient, name, counting(name))
    try:
        result = CliRunner().invoke(app, ["apply", str(env), "--auto-approve",
                                          "--bootstrap-server", bootstrap])
    finally:
        for name, original in originals.items():
            setattr(AdminClient, name, original)
    if result.exit_code != 0:
        raise SystemExit(f"the counted apply failed: {result.output[-500:]}")
    return calls


def bench_acls(kafka: LocalKafka, work: Path, rows: list[Row]) -> None:
    """50,000 bindings: a no-op plan; then changes of 1,000 (500 created, 500 deleted)."""
    print(f"kafka, {ACL_BINDINGS} ACL bindings ...", file=sys.stderr)
    half = ACL_CHANGE // 2
    state_a = acl_bindings(ACL_BINDINGS)
    # B: the first 500 of A gone, 500 new ones.
    state_b = state_a[half:] + acl_bindings(half, first=ACL_BINDINGS)
    env_a = write_environment(work / "acls-a", 0, rf=3, partitions=1, acls=state_a)
    env_b = write_environment(work / "acls-b", 0, rf=3, partitions=1, acls=state_b)
    setup = create_acls(kafka.bootstrap, state_a)
    noop = Row("acl-plan", 0, 0, setup,
               kafkaform("plan", str(env_a), "--detailed-exitcode",
                         "--bootstrap-server", kafka.bootstrap),
               floor("acls", kafka.bootstrap), "<= 2 s", note=f"{ACL_BINDINGS} bindings")
    noop.met = noop.run.exit_code == 0 and noop.run.wall_s <= 2.0
    rows.append(noop)

    def spec(b: AclBinding) -> str:
        return f"{b.principal}/{b.resource_name}"

    forward = [f"+{spec(b)}" for b in state_b[-half:]] + [f"-{spec(b)}" for b in state_a[:half]]
    backward = [f"+{spec(b)}" for b in state_a[:half]] + [f"-{spec(b)}" for b in state_b[-half:]]
    # The cluster goes A -> B -> A ...: each run changes 1,000 bindings.
    turns = iter([forward, backward, forward, backward])
    base = floor("acl-change", kafka.bootstrap, before_each=lambda: next(turns))
    envs = iter([env_a, env_b, env_a])  # after three floors the cluster is at B
    run = kafkaform("apply", "--auto-approve", "--bootstrap-server", kafka.bootstrap,
                    before_each=lambda: [str(next(envs))])
    calls = counted_apply(env_b, kafka.bootstrap)  # from A to B once more, counted
    rows.append(Row("acl-apply", 0, 0, 0.0, run, base, "1 request/phase",
                    met=run.exit_code == 0 and calls == Counter(create_acls=1, delete_acls=1),
                    note=f"{ACL_CHANGE} bindings; requests: "
                         + ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))))


def bench_kafka(sizes: list[int], cases: set[str], work: Path, rows: list[Row]) -> None:
    """The rows on one Apache Kafka cluster, added to `rows` as each is done."""
    # The full JIT, as production brokers run: the tests' C1-only nodes are a
    # start-up saving, and the ACL rows measure the controller's own work.
    with LocalKafka(brokers=3, heap_mb=1024, startup_timeout=300, full_jit=True) as kafka:
        if "kafka" in cases:
            rows += bench_kafka_topics(kafka, sizes, work)
        if "acls" in cases:
            bench_acls(kafka, work, rows)


# --- the table ------------------------------------------------------------------------


def print_table(rows: list[Row]) -> None:
    print()
    print(f"{'case':<9} {'topics':>6} {'parts':>7} {'setup s':>7} {'exit':>4} {'wall s':>7} "
          f"{'floor s':>7} {'ratio':>6} {'cpu s':>6} {'floor':>6} {'ratio':>6} {'peak MB':>7}"
          f" {'load':>5}  {'target':<16} note")
    for r in rows:
        if r.met is None and r.target.endswith(" x"):
            r.met = r.run.exit_code == 0 and within(float(r.target.split()[1]))(r)
        if r.met is None and r.target.endswith("MB"):
            r.met = r.run.exit_code == 0 and r.run.peak_mb <= float(r.target.split()[1])
        if r.met is None and r.target.endswith(" s"):
            r.met = r.run.exit_code == 0 and r.run.wall_s <= float(r.target.split()[1])
        f = r.floor if r.floor and r.floor.exit_code == 0 else None
        floors = (f"{f.wall_s:>7.2f} {r.run.wall_s / f.wall_s:>6.2f} {r.run.cpu_s:>6.2f} "
                  f"{f.cpu_s:>6.2f} {r.run.cpu_s / f.cpu_s:>6.2f}") if f else f"{'':>36}"
        verdict = "" if r.met is None else ("met" if r.met else "MISSED")
        target = f"{r.target} {verdict}".strip()
        print(f"{r.case:<9} {r.topics:>6} {r.partitions:>7} {r.setup_s:>7.1f} "
              f"{r.run.exit_code:>4} {r.run.wall_s:>7.2f} {floors} {r.run.peak_mb:>7.0f}"
              f" {r.load:>5.1f}  {target:<16} {r.note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated topic counts")
    parser.add_argument("--cases", default=",".join(CASES),
                        help=f"comma-separated, of {', '.join(CASES)}")
    parser.add_argument("--no-tansu", action="store_true", help="leave out the Tansu rows")
    parser.add_argument("--no-kafka", action="store_true", help="leave out the Apache Kafka rows")
    options = parser.parse_args()
    sizes = [int(s) for s in options.sizes.split(",")]
    cases = set(options.cases.split(","))
    if options.no_tansu:
        cases -= {"tansu", "apply"}
    if options.no_kafka:
        cases -= {"kafka", "acls"}
    rows: list[Row] = []
    try:
        run_cases(cases, sizes, rows)
    finally:  # the rows measured, even when a later one fails
        print_table(rows)


def compile_kafkaform() -> None:
    """Write kafkaform's bytecode, as installing it does (pip compiles a wheel's
    modules). A source checkout run with PYTHONDONTWRITEBYTECODE (set on these
    machines) never writes it: every timed process would compile kafkaform's
    modules from source first, about 0.3 CPU s that no installed kafkaform pays."""
    compileall.compile_dir(Path(package_init).parent, quiet=1)


def run_cases(cases: set[str], sizes: list[int], rows: list[Row]) -> None:
    compile_kafkaform()
    with tempfile.TemporaryDirectory(prefix="kafkaform-bench-") as tmp:
        work = Path(tmp)
        if "startup" in cases:
            print("start-up ...", file=sys.stderr)
            rows += bench_startup()
        for case, bench in (("validate", bench_validate), ("memory", bench_memory),
                            ("reassign", bench_reassign), ("tansu", bench_tansu)):
            if case in cases:
                for n in sizes:
                    print(f"{case}, {n} topics ...", file=sys.stderr)
                    rows.append(bench(n, work))
        if "apply" in cases:
            print(f"apply, {APPLY_TOPICS} topics ...", file=sys.stderr)
            rows.append(bench_apply(work))
        if cases & {"kafka", "acls"}:
            bench_kafka(sizes, cases, work, rows)


if __name__ == "__main__":
    main()
