"""A real Apache Kafka cluster on loopback, from Kafka's own jars (no Docker).

Used by the live tests, the benchmarks and `kafkaform local-broker --kafka`.

- **Jars**: Maven resolves `org.apache.kafka:kafka_2.13` and
  `org.apache.kafka:kafka-tools` (the official commands) with their
  dependencies, once, into `~/.cache/kafkaform/kafka-<version>/libs`
  (`$KAFKAFORM_CACHE_DIR` moves it); later starts work offline.
- **Nodes**: KRaft with a static quorum. The first `controllers` nodes are
  combined broker+controller nodes, further ones (also added while running)
  are broker-only. Each has `broker.rack`, a small heap, few threads (the
  machines have 2 cores) and its log in `<workdir>/node-<id>/server.log`.
- **Security is real**: the StandardAuthorizer is on and
  `allow.everyone.if.no.acl.found=false`. Three client listeners:
  PLAINTEXT (`bootstrap`, principal `User:ANONYMOUS`, a super user: the admin
  listener), SASL_PLAINTEXT with SCRAM-SHA-512/256 (`sasl_bootstrap`; user
  `admin` is a super user, `alice` and `bob` have no rights until an ACL gives
  them some) and SSL with client certificates (`ssl_bootstrap`; certificates
  are made with `openssl` at start, the client's CN `admin` maps to
  `User:admin`). Ready-made Java client property files for each are written
  next to the nodes (`command_config(...)`).
- **Processes**: every JVM is started in its own session with a parent-death
  signal, so even a killed kafkaform leaves no JVM behind; `stop()` (and the
  context manager, Ctrl-C, SIGTERM in the CLI) terminates them all. A start
  that fails stops what it started and raises one line naming the cause.

The official command-line tools run from the same jars (`run_tool`): the
tests use them as an oracle independent of kafkaform's own observe.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import functools
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from kafkaform.errors import KafkaformError

DEFAULT_KAFKA_VERSION = "4.4.0"
# Oldest release this launcher supports: SCRAM credentials at `format` time
# (KIP-900) arrived in 3.5; the StandardAuthorizer (KIP-801) in 3.2.
OLDEST_KAFKA_VERSION = "3.5.0"
CACHE_ENV = "KAFKAFORM_CACHE_DIR"
# The maven-dependency-plugin is pinned: Maven's built-in default (2.8) is
# older than the `includeScope` handling this relies on.
_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
SUPER_USER = "admin"
PLAIN_USERS = ("alice", "bob")
_PR_SET_PDEATHSIG = 1

# The official commands by their script name; the main class moved between
# releases (kafka.admin.* in 3.x, org.apache.kafka.tools.* in 4.x), so each
# lists its candidates and the first one present in the jars runs.
TOOLS: dict[str, tuple[str, ...]] = {
    "kafka-topics": ("org.apache.kafka.tools.TopicCommand", "kafka.admin.TopicCommand"),
    "kafka-configs": ("org.apache.kafka.tools.ConfigCommand", "kafka.admin.ConfigCommand"),
    "kafka-acls": ("org.apache.kafka.tools.AclCommand", "kafka.admin.AclCommand"),
    "kafka-reassign-partitions": (
        "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
        "kafka.admin.ReassignPartitionsCommand",
    ),
    "kafka-leader-election": (
        "org.apache.kafka.tools.LeaderElectionCommand",
        "kafka.admin.LeaderElectionCommand",
    ),
    "kafka-log-dirs": ("org.apache.kafka.tools.LogDirsCommand", "kafka.admin.LogDirsCommand"),
    "kafka-metadata-quorum": ("org.apache.kafka.tools.MetadataQuorumCommand",),
    "kafka-producer-perf-test": ("org.apache.kafka.tools.ProducerPerformance",),
    "kafka-console-consumer": (
        "org.apache.kafka.tools.consumer.ConsoleConsumer",
        "kafka.tools.ConsoleConsumer",
    ),
    "kafka-dump-log": ("org.apache.kafka.tools.DumpLogSegments", "kafka.tools.DumpLogSegments"),
    "kafka-storage": ("kafka.tools.StorageTool",),
    "kafka-server": ("kafka.Kafka",),
}


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


# --- jars ---------------------------------------------------------------------


def cache_root() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kafkaform"


def _which_or_fail(program: str, why: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise KafkaformError(f"{program} is not on PATH: {why}")
    return found


def java_executable() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    return _which_or_fail(
        "java", "Apache Kafka needs Java 17 or newer (install a JDK or set JAVA_HOME)"
    )


_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.kafkaform.local</groupId>
  <artifactId>kafka-jars</artifactId>
  <version>{version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{version}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId>
      <version>{version}</version></dependency>{extra}
  </dependencies>
</project>
"""
# Kafka 4 logs through log4j 2 but its pom names no SLF4J binding (the
# release tarball adds one): without it every log line is dropped.
_LOG4J2_BINDING = """
    <dependency><groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId><version>{log4j}</version></dependency>"""


def _run_maven(pom_dir: Path, goal_args: Sequence[str], what: str) -> None:
    mvn = _which_or_fail("mvn", "fetching Apache Kafka's jars needs Maven (apt install maven)")
    done = subprocess.run(
        [mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(pom_dir / "pom.xml"), *goal_args],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        output = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr).splitlines()
        errors = [line.strip() for line in output if "[ERROR]" in line] or output[-1:]
        reason = errors[0].replace("[ERROR]", "").strip()[:300] if errors else "no output"
        raise KafkaformError(
            f"could not fetch {what} with Maven (exit {done.returncode}): {reason}"
        )


def kafka_jars(version: str = DEFAULT_KAFKA_VERSION) -> Path:
    """The folder of Kafka `version`'s jars, fetched with Maven the first time."""
    if version_tuple(version) < version_tuple(OLDEST_KAFKA_VERSION):
        raise KafkaformError(
            f"Kafka {version} is older than {OLDEST_KAFKA_VERSION}, the oldest release the "
            "local cluster supports (KRaft with SCRAM users at format time)"
        )
    return fetch_kafka_jars(version)


def fetch_kafka_jars(version: str) -> Path:
    """`kafka_jars` without the launcher's version floor: the jars of any
    release, for reading its definitions (tools/config_catalog.py reads the
    topic configs of 3.0 .. 3.4, which the launcher cannot start)."""
    home = cache_root() / f"kafka-{version}"
    libs = home / "libs"
    marker = home / "complete"
    if marker.is_file():
        return libs
    home.mkdir(parents=True, exist_ok=True)
    partial = home / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    copy = [f"{_DEPENDENCY_PLUGIN}:copy-dependencies", f"-DoutputDirectory={partial}",
            "-DincludeScope=runtime"]
    (home / "pom.xml").write_text(_POM.format(version=version, extra=""), encoding="utf-8")
    _run_maven(home, copy, f"Apache Kafka {version}")
    log4j = _jar_version(partial, "log4j-core")
    if log4j is not None and _jar_version(partial, "log4j-slf4j-impl") is None:
        extra = _LOG4J2_BINDING.format(log4j=log4j)
        (home / "pom.xml").write_text(_POM.format(version=version, extra=extra), encoding="utf-8")
        _run_maven(home, copy, f"the log4j {log4j} SLF4J binding for Kafka {version}")
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)
    marker.write_text(f"Apache Kafka {version}\n", encoding="utf-8")
    return libs


def _jar_version(libs: Path, artifact: str) -> str | None:
    for jar in libs.glob(f"{artifact}-*.jar"):
        found = re.fullmatch(rf"{re.escape(artifact)}-(\d[\w.\-]*)\.jar", jar.name)
        if found:
            return found.group(1)
    return None


@functools.lru_cache(maxsize=64)
def main_class(libs: Path, tool: str) -> str:
    """The main class of an official Kafka command in these jars."""
    candidates = TOOLS.get(tool)
    if candidates is None:
        raise KafkaformError(f"unknown Kafka tool {tool!r}; known: {', '.join(sorted(TOOLS))}")
    entries: set[str] = set()
    for jar in libs.glob("kafka*.jar"):
        with zipfile.ZipFile(jar) as archive:
            entries.update(archive.namelist())
    for candidate in candidates:
        if candidate.replace(".", "/") + ".class" in entries:
            return candidate
    raise KafkaformError(f"{tool}: none of {', '.join(candidates)} is in the jars at {libs}")


# --- certificates ---------------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the CA certificate (clients' ssl.ca.location, brokers' truststore)
    broker_keystore: Path  # key + certificate chain, PEM, for every broker
    client_certificate: Path  # CN=admin
    client_key: Path
    client_keystore: Path  # the client's key + certificate, one PEM file (Java's PEM keystore)


def make_certificates(folder: Path) -> Certificates:
    """A throwaway CA, one broker certificate for 127.0.0.1/localhost and one
    client certificate (CN=admin), all PEM, valid for two days."""
    openssl = _which_or_fail("openssl", "the SSL listener's certificates are made with openssl")
    folder.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        done = subprocess.run([openssl, *args], cwd=folder, capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise KafkaformError(f"openssl {args[0]} failed: {last}")

    rsa = ("-newkey", "rsa:2048", "-nodes")
    run("req", "-x509", *rsa, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=kafkaform-local-ca")
    for name, subject, extensions in (
        ("broker", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ("client", f"/CN={SUPER_USER}", "extendedKeyUsage=clientAuth"),
    ):
        (folder / f"{name}.ext").write_text(extensions + "\n", encoding="utf-8")
        run("req", *rsa, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject)
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")
    for name in ("broker", "client"):
        (folder / f"{name}-keystore.pem").write_text(
            "".join((folder / part).read_text(encoding="ascii")
                    for part in (f"{name}.key", f"{name}.pem", "ca.pem")),
            encoding="ascii",
        )
    return Certificates(
        ca=folder / "ca.pem",
        broker_keystore=folder / "broker-keystore.pem",
        client_certificate=folder / "client.pem",
        client_key=folder / "client.key",
        client_keystore=folder / "client-keystore.pem",
    )


# --- nodes --------------------------------------------------------------------


@dataclass
class Node:
    id: int
    rack: str
    controller: bool
    folder: Path
    plaintext_port: int
    sasl_port: int
    ssl_port: int
    controller_port: int | None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log_path(self) -> Path:
        return self.folder / "server.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def _free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (held open together so none repeats)."""
    import socket

    sockets = []
    try:
        for _ in range(count):
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            probe.bind(("127.0.0.1", 0))
            sockets.append(probe)
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


def _die_with_parent() -> None:
    """In the child before exec: own session (Ctrl-C reaches kafkaform, which
    stops the cluster in order) and SIGKILL when the parent dies, however."""
    os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def new_cluster_id() -> str:
    """A Kafka cluster id: a random UUID in Kafka's URL-safe base64 form.

    Never one starting with '-': `kafka-storage format --cluster-id -x...`
    reads it as an option ("--cluster-id: expected one argument"), which is
    why Kafka's own Uuid.randomUuid() draws again for such ids."""
    while True:
        drawn = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not drawn.startswith("-"):
            return drawn


_LOG4J2 = """status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
"""
_LOG4J1 = """log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File={log}
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
"""


class LocalKafka:
    """`with LocalKafka(brokers=3) as kafka:` → a racked KRaft cluster on loopback.

    `racks` names each node's rack in order (cycled); the default puts the
    nodes on racks `rack-a`, `rack-b`, `rack-c` in turn.
    """

    def __init__(
        self,
        *,
        brokers: int = 3,
        controllers: int = 3,
        racks: Sequence[str] = ("rack-a", "rack-b", "rack-c"),
        version: str = DEFAULT_KAFKA_VERSION,
        workdir: Path | None = None,
        heap_mb: int = 320,
        startup_timeout: float = 120.0,
        broker_configs: Mapping[str, str] | None = None,
        advertised: Mapping[int, str] | None = None,
        full_jit: bool = False,
    ) -> None:
        """`advertised` maps a node id to the host:port its PLAINTEXT listener tells
        clients to connect to, when that is not where it listens (a proxy in front
        of it, in fault tests); `bootstrap` stays the listening port.

        `full_jit` runs the nodes with the JVM's optimising compiler (C2), as a
        production broker runs, instead of C1 only: slower to start, but what a
        benchmark of the brokers' own work needs (the controller matches each
        DeleteAcls filter against every binding; at 50,000 bindings C1's code
        outlasts the broker's wait for it)."""
        if brokers < 1:
            raise KafkaformError("a local Kafka cluster needs at least 1 broker")
        self.version = version
        self.controllers = max(1, min(controllers, brokers))
        self.initial_brokers = brokers
        self.racks = tuple(racks) or ("rack-a",)
        self.heap_mb = heap_mb
        self.startup_timeout = startup_timeout
        self.broker_configs = dict(broker_configs or {})
        self.advertised = dict(advertised or {})
        self.full_jit = full_jit
        self._workdir_given = workdir
        self.workdir = workdir or Path()
        self.cluster_id = new_cluster_id()
        self.passwords: dict[str, str] = {}
        self.nodes: dict[int, Node] = {}
        self.libs = Path()
        self.certificates: Certificates | None = None
        self._quorum = ""

    # --- addresses ------------------------------------------------------------
    def _listener(self, port_of: str) -> str:
        return ",".join(
            f"127.0.0.1:{getattr(node, port_of)}" for node in self.nodes.values() if node.running
        ) or ",".join(f"127.0.0.1:{getattr(node, port_of)}" for node in self.nodes.values())

    @property
    def bootstrap(self) -> str:
        """The admin listener (PLAINTEXT, super user) of every running broker."""
        return self._listener("plaintext_port")

    @property
    def sasl_bootstrap(self) -> str:
        return self._listener("sasl_port")

    @property
    def ssl_bootstrap(self) -> str:
        return self._listener("ssl_port")

    def command_config(self, kind: str = "sasl", user: str = SUPER_USER) -> Path:
        """A Java client properties file for `--command-config`: SASL/SCRAM as
        `user`, or SSL with the client certificate (`kind="ssl"`)."""
        name = f"{kind}-{user}.properties" if kind == "sasl" else "ssl-admin.properties"
        return self.workdir / "clients" / name

    def client_config(self, kind: str = "sasl", user: str = SUPER_USER) -> dict[str, str]:
        """librdkafka properties (`cluster.client`) for the SASL or SSL listener."""
        if kind == "ssl":
            assert self.certificates is not None
            return {
                "security.protocol": "SSL",
                "ssl.ca.location": str(self.certificates.ca),
                "ssl.certificate.location": str(self.certificates.client_certificate),
                "ssl.key.location": str(self.certificates.client_key),
            }
        return {
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": user,
            "sasl.password": self.passwords[user],
        }

    # --- lifecycle ------------------------------------------------------------
    def start(self) -> LocalKafka:
        java = java_executable()
        self.libs = kafka_jars(self.version)
        if self._workdir_given is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="kafkaform-kafka-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self.certificates = make_certificates(self.workdir / "certificates")
            users = (SUPER_USER, *PLAIN_USERS)
            self.passwords = {user: secrets.token_urlsafe(12) for user in users}
            self._write_client_configs()
            for attempt in range(1, _PORT_ATTEMPTS + 1):
                try:
                    self._start_nodes(java)
                    break
                except PortTaken:
                    # Free ports are picked, then released for the JVMs to
                    # bind: another process may take one in between. Start
                    # over on fresh ports.
                    if attempt == _PORT_ATTEMPTS:
                        raise
                    self.stop(keep_logs=True)
                    for node in self.nodes.values():
                        shutil.rmtree(node.folder, ignore_errors=True)
                    self.nodes.clear()
        except BaseException:
            # The error names a log in the workdir: keep it to be read.
            self.stop(keep_logs=True)
            raise
        return self

    def _start_nodes(self, java: str) -> None:
        for index in range(self.initial_brokers):
            self._new_node(controller=index < self.controllers)
        self._quorum = ",".join(
            f"{node.id}@127.0.0.1:{node.controller_port}"
            for node in self.nodes.values() if node.controller
        )
        self._format(java, list(self.nodes.values()))
        for node in self.nodes.values():
            self._launch(java, node)
        self.wait_until_ready(len(self.nodes))

    def add_broker(self, rack: str | None = None) -> int:
        """Start one more broker-only node and wait until the cluster lists it."""
        java = java_executable()
        node = self._new_node(controller=False, rack=rack)
        self._format(java, [node])
        self._launch(java, node)
        self.wait_until_ready(sum(1 for n in self.nodes.values() if n.running))
        return node.id

    def stop_broker(self, node_id: int, *, timeout: float = 60.0) -> None:
        """A clean shutdown of one node (SIGTERM: controlled shutdown moves its leaders)."""
        self._terminate(self.nodes[node_id], timeout=timeout)

    def kill_broker(self, node_id: int) -> None:
        """SIGKILL one node: a crash, no controlled shutdown."""
        node = self.nodes[node_id]
        if node.running:
            assert node.process is not None
            node.process.kill()
            node.process.wait(timeout=30)

    def start_broker(self, node_id: int) -> None:
        """Restart a stopped node with its data, and wait until it is back."""
        node = self.nodes[node_id]
        if not node.running:
            self._launch(java_executable(), node)
        self.wait_until_ready(sum(1 for n in self.nodes.values() if n.running))

    def stop(self, *, keep_logs: bool = False) -> None:
        """Stop every node this launcher started (SIGTERM, then SIGKILL after 15 s)
        and delete the temporary workdir, unless `keep_logs` (a failed start)."""
        for node in self.nodes.values():
            if node.running:
                assert node.process is not None
                node.process.terminate()
        deadline = time.monotonic() + 15
        for node in self.nodes.values():
            if node.process is None:
                continue
            try:
                node.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait(timeout=30)
        if self._workdir_given is None and self.workdir != Path() and not keep_logs:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LocalKafka:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- official tools -------------------------------------------------------
    def run_tool(
        self, tool: str, *args: str, timeout: float = 120.0, check: bool = True,
        input_text: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run an official Kafka command from the same jars (a JVM of its own)."""
        command = [java_executable(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
                   f"-Dlog4j2.configurationFile={self._tools_log_config()}",
                   f"-Dlog4j.configuration=file:{self._tools_log_config()}",
                   "-cp", f"{self.libs}/*", main_class(self.libs, tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              input=input_text, check=False)
        if check and done.returncode != 0:
            raise KafkaformError(
                f"{tool} {' '.join(args)} exited {done.returncode}: "
                f"{(done.stderr.strip() or done.stdout.strip())[-500:]}"
            )
        return done

    def _tools_log_config(self) -> Path:
        path = self.workdir / "tools-log.properties"
        if not path.exists():
            if self._log4j2:
                path.write_text("status = error\nrootLogger.level = OFF\n", encoding="utf-8")
            else:
                path.write_text("log4j.rootLogger=OFF\n", encoding="utf-8")
        return path

    # --- internals ------------------------------------------------------------
    @property
    def _log4j2(self) -> bool:
        return _jar_version(self.libs, "log4j-core") is not None

    def _new_node(self, *, controller: bool, rack: str | None = None) -> Node:
        node_id = max(self.nodes, default=0) + 1
        plaintext, sasl, ssl, control = _free_ports(4)
        node = Node(
            id=node_id,
            rack=rack or self.racks[(node_id - 1) % len(self.racks)],
            controller=controller,
            folder=self.workdir / f"node-{node_id}",
            plaintext_port=plaintext, sasl_port=sasl, ssl_port=ssl,
            controller_port=control if controller else None,
        )
        node.folder.mkdir(parents=True, exist_ok=True)
        self.nodes[node_id] = node
        return node

    def _server_properties(self, node: Node) -> dict[str, str]:
        assert self.certificates is not None
        replication = str(min(3, self.initial_brokers))
        listeners = [f"PLAINTEXT://127.0.0.1:{node.plaintext_port}",
                     f"SASL_PLAINTEXT://127.0.0.1:{node.sasl_port}",
                     f"SSL://127.0.0.1:{node.ssl_port}"]
        plaintext = self.advertised.get(node.id, f"127.0.0.1:{node.plaintext_port}")
        advertised = ",".join([f"PLAINTEXT://{plaintext}", *listeners[1:]])
        if node.controller:
            listeners.append(f"CONTROLLER://127.0.0.1:{node.controller_port}")
        scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        properties = {
            "process.roles": "broker,controller" if node.controller else "broker",
            "node.id": str(node.id),
            "broker.rack": node.rack,
            "controller.quorum.voters": self._quorum,
            "controller.listener.names": "CONTROLLER",
            "listeners": ",".join(listeners),
            "advertised.listeners": advertised,
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": (
                "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT"
            ),
            "log.dirs": str(node.folder / "data"),
            # Real authorization: inter-broker and controller traffic, and the
            # admin listener, run as ANONYMOUS over PLAINTEXT (a super user).
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users": f"User:ANONYMOUS;User:{SUPER_USER}",
            "allow.everyone.if.no.acl.found": "false",
            "sasl.enabled.mechanisms": "SCRAM-SHA-512,SCRAM-SHA-256",
            "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": scram,
            "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config": scram,
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(self.certificates.broker_keystore),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.certificates.ca),
            "ssl.client.auth": "required",
            "ssl.principal.mapping.rules": "RULE:^CN=([^,]+).*$/$1/,DEFAULT",
            # Two cores for the whole machine: few threads per node.
            "num.network.threads": "2",
            "num.io.threads": "2",
            "background.threads": "2",
            "num.replica.fetchers": "1",
            "num.recovery.threads.per.data.dir": "1",
            "offsets.topic.replication.factor": replication,
            "offsets.topic.num.partitions": "6",
            "transaction.state.log.replication.factor": replication,
            "transaction.state.log.min.isr": str(min(2, int(replication))),
            "transaction.state.log.num.partitions": "6",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
        }
        properties.update(self.broker_configs)
        return properties

    def _format(self, java: str, nodes: Sequence[Node]) -> None:
        """`kafka-storage format` for each node, the JVMs in parallel."""
        running = [(node, self._start_format(java, node)) for node in nodes]
        for node, process in running:
            if process.wait(timeout=120) != 0:
                raise KafkaformError(
                    f"formatting Kafka node {node.id} failed (exit {process.returncode}): "
                    f"{_last_error(node.folder / 'format.log')}"
                )

    def _start_format(self, java: str, node: Node) -> subprocess.Popen[bytes]:
        config = node.folder / "server.properties"
        config.write_text(
            "".join(f"{key}={value}\n" for key, value in self._server_properties(node).items()),
            encoding="utf-8",
        )
        log_config = node.folder / "log4j.properties"
        template = _LOG4J2 if self._log4j2 else _LOG4J1
        log_config.write_text(template.format(log=node.log_path), encoding="utf-8")
        scram = []
        if node.controller:
            for user, password in self.passwords.items():
                for mechanism in ("SCRAM-SHA-512", "SCRAM-SHA-256"):
                    scram += ["--add-scram", f"{mechanism}=[name={user},password={password}]"]
        command = [java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", f"{self.libs}/*",
                   "kafka.tools.StorageTool", "format", "--config", str(config),
                   "--cluster-id", self.cluster_id, "--ignore-formatted", *scram]
        # The format output lists the SCRAM records (salted keys): into the
        # node's folder, never onto the terminal.
        with (node.folder / "format.log").open("wb") as log:
            return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)

    def jvm_options(self) -> list[str]:
        """The nodes' JVM options. C1 only (unless `full_jit`) and the serial
        collector: a node is ready in about 4 s less on 2 cores (13 s against
        17 s for three nodes), and a test cluster's traffic never needs C2's
        peak code."""
        jit = [] if self.full_jit else ["-XX:TieredStopAtLevel=1"]
        return ["-Xms64m", f"-Xmx{self.heap_mb}m", "-XX:+UseSerialGC", *jit,
                "-XX:ActiveProcessorCount=2", "-Djava.awt.headless=true"]

    def _launch(self, java: str, node: Node) -> None:
        command = [
            java, *self.jvm_options(),
            f"-Dlog4j2.configurationFile={node.folder / 'log4j.properties'}",
            f"-Dlog4j.configuration=file:{node.folder / 'log4j.properties'}",
            f"-Dkafka.logs.dir={node.folder}",
            "-cp", f"{self.libs}/*", "kafka.Kafka", str(node.folder / "server.properties"),
        ]
        with (node.folder / "console.log").open("ab") as console:
            node.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only setsid and prctl
            )

    def wait_until_ready(self, brokers: int) -> None:
        """Until `brokers` brokers are registered and unfenced (they appear in
        Metadata), or a node exits, or the startup timeout passes."""
        from kafkaform.cluster.kafka import KafkaClusterAdmin

        deadline = time.monotonic() + self.startup_timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            for node in self.nodes.values():
                if node.process is not None and node.process.poll() is not None \
                        and node.process.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL):
                    why = _last_error(node.log_path, node.folder / "console.log")
                    error = PortTaken if _PORT_TAKEN in _log_text(node) else KafkaformError
                    raise error(f"Kafka node {node.id} exited with code "
                                f"{node.process.returncode} while starting: {why}")
            try:
                admin = KafkaClusterAdmin(self.bootstrap, timeout_seconds=5)
                try:
                    listed = len(admin.describe_cluster().brokers)
                finally:
                    admin.close()
                if listed >= brokers:
                    return
                last_error = f"{listed} of {brokers} brokers registered"
            except KafkaformError as error:
                last_error = str(error)
            time.sleep(0.5)
        raise KafkaformError(
            f"the local Kafka cluster was not ready within {self.startup_timeout:g}s "
            f"({last_error}); logs in {self.workdir}"
        )

    def _terminate(self, node: Node, *, timeout: float) -> None:
        if not node.running:
            return
        assert node.process is not None
        node.process.terminate()
        try:
            node.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            node.process.kill()
            node.process.wait(timeout=30)

    def _write_client_configs(self) -> None:
        assert self.certificates is not None
        folder = self.workdir / "clients"
        folder.mkdir(parents=True, exist_ok=True)
        for user, password in self.passwords.items():
            (folder / f"sasl-{user}.properties").write_text(
                "security.protocol=SASL_PLAINTEXT\n"
                "sasl.mechanism=SCRAM-SHA-512\n"
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule "
                f'required username="{user}" password="{password}";\n',
                encoding="utf-8",
            )
        (folder / "ssl-admin.properties").write_text(
            "security.protocol=SSL\n"
            "ssl.truststore.type=PEM\n"
            f"ssl.truststore.location={self.certificates.ca}\n"
            "ssl.keystore.type=PEM\n"
            f"ssl.keystore.location={self.certificates.client_keystore}\n",
            encoding="utf-8",
        )


class PortTaken(KafkaformError):
    """A node could not bind one of its loopback ports."""


_PORT_TAKEN = "Address already in use"
_PORT_ATTEMPTS = 3


def _log_text(node: Node) -> str:
    return "".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in (node.log_path, node.folder / "console.log") if path.is_file()
    )


def _last_error(*logs: Path) -> str:
    """The most telling line of a node's logs, for a one-line failure."""
    for log in logs:
        try:
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in reversed(lines):
            if "ERROR" in line or "Exception" in line or "Error:" in line:
                return line.strip()[:300]
    return f"see {logs[0]}"

