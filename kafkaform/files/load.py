"""Environment folders -> DesiredState (with file:line for everything).

An environment is a folder with exactly one `Environment` document and any
number of `Topics` / `Acls` documents, in the folder's `.yaml`/`.yml` files
(subfolders are not read: they may be other environments or bases).
`include` builds it on other folders (recursively; each folder is read once;
a cycle is an error). Layers apply in order: the included folders (depth
first, in the order listed), then the environment's own folder. A later layer
overrides an earlier one:

- topics merge by name, field by field: `partitions`, `replicationFactor`,
  `placement`, `keyed` replace; `configs` merge key by key and `key: null`
  removes an inherited key (also one from `defaults.topic.configs`);
  `remove: true` drops the inherited topic.
- ACLs are the union of every layer's bindings; a `principals` entry with
  `remove: true` drops every binding inherited for that principal.
- `defaults.topic` (from the Environment document) fills what a topic leaves
  unset; topic values win.

Loading reports problems of reading, schema, merging and value normalisation;
the semantic checks and policies are in `validate.py` / `policies.py`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from kafkaform.core.kafka_configs import BROKER_CONFIGS
from kafkaform.core.kafka_rules import (
    CONSUME_GROUP_OPS,
    CONSUME_TOPIC_OPS,
    PRODUCE_TOPIC_OPS,
    PRODUCE_TXN_OPS,
    SUPPORTED_OPERATIONS,
)
from kafkaform.core.model import (
    CLUSTER_RESOURCE_NAME,
    AclBinding,
    AclOperation,
    AclPermission,
    AclScope,
    ClusterConnection,
    DesiredState,
    ManagedScope,
    PartitionSizing,
    PatternType,
    PlacementStrategy,
    Policies,
    PolicyLevel,
    ReassignmentSettings,
    ResourceType,
    Source,
    TopicOrigin,
    TopicScope,
    TopicSpec,
)
from kafkaform.core.problems import Problem, Severity
from kafkaform.core.units import normalize_config_value, parse_size_bytes
from kafkaform.files.documents import Document, Path_, format_path, read_documents
from kafkaform.files.schemas import SCHEMA_FILES, check_document

YAML_SUFFIXES = (".yaml", ".yml")
DEFAULT_SIZING_FACTOR = 1.5
# Sections whose unresolved ${VAR}s only matter when connecting to the cluster.
CONNECTION_PATHS = (("cluster", "bootstrap"), ("cluster", "client"))

RESOURCE_TYPES = {
    "topic": ResourceType.TOPIC,
    "group": ResourceType.GROUP,
    "cluster": ResourceType.CLUSTER,
    "transactionalId": ResourceType.TRANSACTIONAL_ID,
    "delegationToken": ResourceType.DELEGATION_TOKEN,
}
# Lists whose items are loaded one by one (an invalid item is skipped).
ITEM_LISTS = ("topics", "principals", "bindings")
TOPIC_FIELDS = ("partitions", "replicationFactor", "placement", "keyed")
POLICY_FIELDS = {
    "minReplicationFactor": "min_replication_factor",
    "minInsyncReplicas": "min_insync_replicas",
    "uncleanLeaderElection": "require_unclean_leader_election_disabled",
    "topicName": "topic_name_pattern",
    "maxPartitionsPerBroker": "max_partitions_per_broker",
    "rackSpread": "require_rack_spread",
    "compaction": "compacted_topics_require_keys",
}


@dataclass
class LoadResult:
    desired: DesiredState | None
    # Problems of YAML syntax and schema, then of everything else loading found.
    shape_problems: list[Problem]
    problems: list[Problem]
    topic_origins: dict[str, TopicOrigin]
    environment: Document | None = None
    files: list[str] = field(default_factory=list)

    @property
    def broker_config_sources(self) -> dict[str, Source]:
        """Where each of `cluster.brokerConfigs` is written (the Environment document)."""
        env = self.environment
        if env is None or self.desired is None:
            return {}
        return {key: Source(env.file, env.line(("cluster", "brokerConfigs", key)))
                for key in self.desired.broker_configs}


@dataclass
class _Layer:
    folder: str
    kinds: frozenset[str]
    documents: list[Document]


class _Loader:
    """One load: accumulates problems while building the desired state."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        # YAML syntax and schema problems, reported before all others.
        self.shape_problems: list[Problem] = []
        self.problems: list[Problem] = []
        self.files: list[str] = []

    # -- reporting -----------------------------------------------------------

    def report(self, doc: Document, path: Path_, message: str,
               severity: Severity = Severity.ERROR) -> None:
        self.problems.append(
            Problem(doc.file, doc.line(path), format_path(doc.data, path), message, severity)
        )

    def source(self, doc: Document, path: Path_) -> Source:
        return Source(doc.file, doc.line(path))

    # -- reading -------------------------------------------------------------

    def read_folder(self, folder: str) -> list[Document]:
        """Every schema-valid document of the folder's YAML files (not subfolders)."""
        files = sorted(
            p for p in Path(folder).iterdir()
            if p.suffix in YAML_SUFFIXES and p.is_file() and not p.name.startswith(".")
        )
        valid = []
        for file in files:
            display = os.path.normpath(file)
            self.files.append(display)
            for doc in read_documents(Path(display), self.environ):
                if self.accept(doc):
                    valid.append(doc)
        return valid

    def accept(self, doc: Document) -> bool:
        if doc.data is None:  # a YAML syntax error
            self.shape_problems.extend(doc.problems)
            return False
        self.problems.extend(doc.problems)
        self.report_unresolved(doc)
        if not isinstance(doc.data, dict):
            self.shape_problems.append(Problem(
                doc.file, doc.line(()), "", "a document must be a mapping with a `kind:`"
            ))
            return False
        kind = doc.data.get("kind")
        if kind not in SCHEMA_FILES:
            known = ", ".join(SCHEMA_FILES)
            message = "missing `kind:`" if kind is None else f"unknown kind {kind!r}"
            path = ("kind",) if kind is not None else ()
            self.shape_problems.append(Problem(
                doc.file, doc.line(path), format_path(doc.data, path), f"{message} (one of {known})"
            ))
            return False
        unresolved = {path for path, _ in doc.unresolved}
        # A value still reading `${VAR}` breaks the schema too: report the cause once.
        schema = [(path, problem) for path, problem in check_document(doc)
                  if path not in unresolved]
        self.shape_problems.extend(problem for _, problem in schema)
        bad = [path for path, _ in schema] + doc.error_paths + [
            path for path, _ in doc.unresolved if not _is_connection_path(path)
        ]
        if kind == "Environment":
            return not bad
        # One broken topic or binding should not hide the others' problems.
        items = {path[:2] for path in bad
                 if len(path) >= 2 and path[0] in ITEM_LISTS and isinstance(path[1], int)}
        if any(path[:2] not in items for path in bad):
            return False
        doc.skipped = items
        return True

    def report_unresolved(self, doc: Document) -> None:
        for path, name in doc.unresolved:
            if _is_connection_path(path):
                self.report(
                    doc, path,
                    f"${{{name}}} is not set: commands that connect to the cluster need it",
                    Severity.WARNING,
                )
            else:
                self.report(doc, path, f"unresolved variable ${{{name}}} (not set, no default)")

    # -- layers --------------------------------------------------------------

    def layers(self, env_folder: str, env_docs: list[Document]) -> list[_Layer]:
        layers: list[_Layer] = []
        seen: set[str] = {_key(env_folder)}
        self.add_includes(env_folder, env_docs, frozenset({"Topics", "Acls"}), [env_folder],
                          seen, layers)
        layers.append(_Layer(env_folder, frozenset({"Topics", "Acls"}), env_docs))
        return layers

    def add_includes(self, folder: str, docs: list[Document], kinds: frozenset[str],
                     stack: list[str], seen: set[str], layers: list[_Layer]) -> None:
        for doc in docs:
            if doc.kind != "Environment":
                continue
            for index, entry in enumerate(doc.data.get("include", [])):
                path = ("include", index)
                relative = entry if isinstance(entry, str) else entry["path"]
                wanted = kinds if isinstance(entry, str) else kinds & frozenset(
                    entry.get("kinds", kinds)
                )
                target = os.path.normpath(os.path.join(os.path.dirname(doc.file), relative))
                if not os.path.isdir(target):
                    self.report(doc, path, f"included folder {target} does not exist")
                    continue
                if _key(target) in {_key(f) for f in stack}:
                    cycle = " -> ".join([*stack, target])
                    self.report(doc, path, f"include cycle: {cycle}")
                    continue
                if _key(target) in seen:
                    continue
                seen.add(_key(target))
                included = self.read_folder(target)
                self.check_included_environment(included)
                self.add_includes(target, included, wanted, [*stack, target], seen, layers)
                layers.append(_Layer(target, wanted, included))

    def check_included_environment(self, docs: list[Document]) -> None:
        for doc in docs:
            if doc.kind != "Environment":
                continue
            for key in sorted(set(doc.data) - {"kind", "name", "include"}):
                self.report(
                    doc, (key,),
                    "an included folder's Environment document may only set `include`; "
                    "put this in each environment",
                )

    # -- topics --------------------------------------------------------------

    def merge_topics(self, layers: list[_Layer]) -> dict[str, tuple[dict, TopicOrigin]]:
        merged: dict[str, tuple[dict, TopicOrigin]] = {}
        for layer in layers:
            if "Topics" not in layer.kinds:
                continue
            seen_here: dict[str, Source] = {}
            for doc in layer.documents:
                if doc.kind != "Topics":
                    continue
                for index, entry in enumerate(doc.data["topics"]):
                    path: Path_ = ("topics", index)
                    if path in doc.skipped:
                        continue
                    name = entry["name"]
                    if name in seen_here:
                        self.report(doc, (*path, "name"),
                                    f"duplicate topic {name!r} (also defined at {seen_here[name]})")
                        continue
                    seen_here[name] = self.source(doc, (*path, "name"))
                    self.merge_topic(merged, doc, path, entry)
        return {name: value for name, value in merged.items() if not value[1].removed}

    def merge_topic(self, merged: dict[str, tuple[dict, TopicOrigin]], doc: Document,
                    path: Path_, entry: dict) -> None:
        name = entry["name"]
        if entry.get("remove"):
            if name in merged and not merged[name][1].removed:
                merged[name][1].removed = True
            else:
                self.report(doc, (*path, "remove"),
                            f"`remove: true` but no included folder defines topic {name!r}",
                            Severity.WARNING)
            return
        fields, origin = merged.get(name, ({}, TopicOrigin()))
        if origin.removed:  # removed by an earlier overlay, defined again later
            fields, origin = {}, TopicOrigin()
        origin.where["name"] = self.source(doc, (*path, "name"))
        for key in TOPIC_FIELDS:
            if key in entry:
                fields[key] = entry[key]
                origin.where[key] = self.source(doc, (*path, key))
        if "keyed" in entry:
            origin.keyed = entry["keyed"]
        for key, value in entry.get("configs", {}).items():
            origin.raw_configs[key] = value
            origin.where[f"configs.{key}"] = self.source(doc, (*path, "configs", key))
        merged[name] = (fields, origin)

    def build_topics(self, merged: dict[str, tuple[dict, TopicOrigin]],
                     defaults: dict, env_doc: Document) -> dict[str, TopicSpec]:
        topics: dict[str, TopicSpec] = {}
        default_configs = defaults.get("configs", {})
        # Where each default is written, looked up once for all topics.
        field_sources = {key: self.source(env_doc, ("defaults", "topic", key))
                         for key in TOPIC_FIELDS if key in defaults}
        config_sources = {key: self.source(env_doc, ("defaults", "topic", "configs", key))
                          for key in default_configs}
        default_fields = _without_configs(defaults)
        for name, (fields, origin) in sorted(merged.items()):
            for key, source in field_sources.items():
                if key not in fields:
                    origin.where[key] = source
            for key, value in default_configs.items():
                if key not in origin.raw_configs:
                    origin.raw_configs[key] = value
                    origin.where[f"configs.{key}"] = config_sources[key]
            spec = self.build_topic(name, {**default_fields, **fields}, origin)
            if spec is not None:
                topics[name] = spec
        return topics

    def build_topic(self, name: str, fields: dict, origin: TopicOrigin) -> TopicSpec | None:
        where = origin.where
        placement = fields.get("placement", "default")
        assignment = None
        if isinstance(placement, dict):
            assignment = tuple(tuple(replicas) for replicas in placement["replicas"])
            strategy = PlacementStrategy.STATIC
        else:
            strategy = PlacementStrategy(placement)
        partitions, sizing = _resolve_partitions(fields.get("partitions"))
        if partitions is None and assignment is not None:
            partitions = len(assignment)
        replication_factor = fields.get("replicationFactor")
        if replication_factor is None and assignment is not None:
            replication_factor = len(assignment[0])
        missing = [key for key, value in
                   (("partitions", partitions), ("replicationFactor", replication_factor))
                   if value is None]
        if missing:
            self.problems.append(Problem(
                where["name"].file, where["name"].line, f"topics[{name}]",
                f"no {' and no '.join(missing)}: set it on the topic or in defaults.topic",
            ))
            return None
        configs = self.normalize_configs(name, origin)
        keyed = origin.keyed
        if keyed is None:
            keyed = "compact" in configs.get("cleanup.policy", "").split(",")
        return TopicSpec(
            name=name,
            partitions=partitions,
            replication_factor=replication_factor,
            configs=configs,
            placement=strategy,
            assignment=assignment,
            keyed=keyed,
            sizing=sizing,
            source=where["name"],
        )

    def normalize_configs(self, topic: str, origin: TopicOrigin) -> dict[str, str]:
        """Kafka's strings for the topic's configs; bad values are reported and left out."""
        configs: dict[str, str] = {}
        for key, raw in sorted(origin.raw_configs.items()):
            if raw is None:
                continue
            try:
                configs[key] = normalize_config_value(key, raw)
            except ValueError as error:
                where = origin.where[f"configs.{key}"]
                self.problems.append(Problem(
                    where.file, where.line, f"topics[{topic}].configs.{key}", str(error)
                ))
        return configs

    # -- ACLs ----------------------------------------------------------------

    def build_acls(self, layers: list[_Layer]) -> tuple[frozenset[AclBinding],
                                                        dict[AclBinding, Source]]:
        sources: dict[AclBinding, Source] = {}
        for layer in layers:
            if "Acls" not in layer.kinds:
                continue
            added: dict[AclBinding, Source] = {}
            for doc in layer.documents:
                if doc.kind != "Acls":
                    continue
                for index, entry in enumerate(doc.data.get("principals", [])):
                    path: Path_ = ("principals", index)
                    if path in doc.skipped:
                        continue
                    if entry.get("remove"):
                        self.remove_principal(sources, doc, path, entry["principal"])
                        continue
                    for binding, binding_path in _expand_role(entry):
                        added.setdefault(binding, self.source(doc, (*path, *binding_path)))
                for index, entry in enumerate(doc.data.get("bindings", [])):
                    path = ("bindings", index)
                    if path in doc.skipped:
                        continue
                    for binding in self.raw_bindings(doc, path, entry):
                        added.setdefault(binding, self.source(doc, path))
            for binding, source in added.items():
                sources.setdefault(binding, source)
        return frozenset(sources), dict(sorted(sources.items()))

    def remove_principal(self, sources: dict[AclBinding, Source], doc: Document,
                         path: Path_, principal: str) -> None:
        dropped = [b for b in sources if b.principal == principal]
        if not dropped:
            self.report(doc, (*path, "remove"),
                        f"`remove: true` but no included folder grants {principal} anything",
                        Severity.WARNING)
        for binding in dropped:
            del sources[binding]

    def raw_bindings(self, doc: Document, path: Path_, entry: dict) -> list[AclBinding]:
        resource_type = RESOURCE_TYPES[entry["resource"]]
        pattern = PatternType(entry.get("patternType", "literal").upper())
        name = entry.get("name")
        if resource_type is ResourceType.CLUSTER:
            if name not in (None, CLUSTER_RESOURCE_NAME) or pattern is PatternType.PREFIXED:
                self.report(doc, (*path, "name"),
                            f"the cluster resource is always the literal {CLUSTER_RESOURCE_NAME!r}")
                return []
            name = CLUSTER_RESOURCE_NAME
        elif name is None:
            self.report(doc, path, f"a {entry['resource']} binding needs a `name`")
            return []
        operations = [_operation(op) for op in entry["operations"]]
        unsupported = [op for op in operations
                       if op is not AclOperation.ALL
                       and op not in SUPPORTED_OPERATIONS[resource_type]]
        if unsupported:
            names = ", ".join(operation_name(op) for op in unsupported)
            self.report(doc, (*path, "operations"),
                        f"Kafka does not support {names} on a {entry['resource']}")
            return []
        permission = AclPermission(entry.get("permission", "allow").upper())
        return [
            AclBinding(entry["principal"], resource_type, name, pattern, op, permission,
                       entry.get("host", "*"))
            for op in operations
        ]

    # -- environment -----------------------------------------------------------

    def environment_document(self, folder: str, docs: list[Document]) -> Document | None:
        envs = [doc for doc in docs if doc.kind == "Environment"]
        if not envs:
            if not self.shape_problems and not any(p.is_error for p in self.problems):
                self.problems.append(Problem(
                    folder, None, "", "no `kind: Environment` document in this folder"
                ))
            return None
        for extra in envs[1:]:
            self.report(extra, ("kind",),
                        f"a second Environment document (the first is at {envs[0].file}:"
                        f"{envs[0].line(())})")
        return envs[0]

    def broker_configs(self, doc: Document) -> dict[str, str]:
        result = {}
        for key, raw in doc.data.get("cluster", {}).get("brokerConfigs", {}).items():
            path = ("cluster", "brokerConfigs", key)
            if key not in BROKER_CONFIGS:
                self.report(doc, path, "not a cluster-wide dynamic broker config kafkaform "
                                       "manages (see docs/file-format.md)")
                continue
            try:
                result[key] = normalize_config_value(key, raw)
            except ValueError as error:
                self.report(doc, path, str(error))
        return result

    def policies(self, doc: Document) -> Policies:
        values: dict[str, object] = {}
        levels: dict[str, PolicyLevel] = {}
        for key, raw in doc.data.get("policies", {}).items():
            value = raw["value"] if isinstance(raw, dict) else raw
            if isinstance(raw, dict) and "level" in raw:
                # YAML 1.1 reads an unquoted `off` as false.
                levels[key] = PolicyLevel(raw["level"] or PolicyLevel.OFF)
            if key == "uncleanLeaderElection":
                value = value == "forbid"
            if key == "topicName":
                try:
                    re.compile(str(value))
                except re.error as error:
                    self.report(doc, ("policies", key), f"not a valid regular expression: {error}")
                    continue
            values[POLICY_FIELDS[key]] = value
        return Policies(**values, levels=levels)

    def reassignment(self, doc: Document) -> ReassignmentSettings:
        raw = doc.data.get("reassignment", {})
        settings = ReassignmentSettings()
        throttle = settings.throttle_bytes_per_sec
        if "throttle" in raw:
            try:
                throttle = parse_size_bytes(raw["throttle"])
                if throttle <= 0:
                    raise ValueError("a throttle must be positive")
            except ValueError as error:
                self.report(doc, ("reassignment", "throttle"), str(error))
        return ReassignmentSettings(
            throttle_bytes_per_sec=throttle,
            batch_size=raw.get("batchSize", settings.batch_size),
            max_moves_per_broker=raw.get("maxMovesPerBroker", settings.max_moves_per_broker),
        )

    def connection(self, doc: Document) -> ClusterConnection:
        cluster = doc.data.get("cluster", {})
        unresolved = {path for path, _ in doc.unresolved}
        bootstrap = cluster.get("bootstrap")
        if ("cluster", "bootstrap") in unresolved:
            bootstrap = None
        client = {
            key: _client_value(value)
            for key, value in cluster.get("client", {}).items()
            if ("cluster", "client", key) not in unresolved
        }
        return ClusterConnection(
            bootstrap=bootstrap,
            cluster_id=cluster.get("clusterId"),
            client=client,
            timeout_seconds=float(cluster.get("timeoutSeconds", 30.0)),
            missing_variables=tuple(sorted({
                name for path, name in doc.unresolved if _is_connection_path(path)
            })),
        )


def _scope(data: dict) -> ManagedScope:
    manage = data.get("manage", {})
    topics = manage.get("topics", {})
    acls = manage.get("acls", {})
    return ManagedScope(
        topics=TopicScope(
            prefixes=tuple(topics.get("prefixes", ())),
            patterns=tuple(topics.get("patterns", ())),
            delete=topics.get("delete", False),
        ),
        acls=AclScope(principals=tuple(acls.get("principals", ())),
                      delete=acls.get("delete", False)),
        delete_broker_configs=manage.get("brokerConfigs", {}).get("delete", False),
    )


def _resolve_partitions(raw: object) -> tuple[int | None, PartitionSizing | None]:
    """An int, or the HA sizing rule ceil(throughput / perPartition * factor)."""
    if not isinstance(raw, dict):
        return raw, None  # type: ignore[return-value]
    sizing = PartitionSizing(
        throughput=raw["throughput"],
        per_partition=raw["perPartition"],
        factor=raw.get("factor", DEFAULT_SIZING_FACTOR),
    )
    exact = (Fraction(str(sizing.throughput)) / Fraction(str(sizing.per_partition))
             * Fraction(str(sizing.factor)))
    return math.ceil(exact), sizing


def _expand_role(entry: dict) -> Iterable[tuple[AclBinding, Path_]]:
    """kafka-acls --producer / --consumer for one principal entry."""
    principal, host = entry["principal"], entry.get("host", "*")

    def grant(section: str, names_key: str, resource: ResourceType,
              operations: Iterable[AclOperation]) -> Iterable[tuple[AclBinding, Path_]]:
        for index, written in enumerate(entry.get(section, {}).get(names_key, ())):
            name, pattern = resource_pattern(written)
            for operation in operations:
                yield (AclBinding(principal, resource, name, pattern, operation, host=host),
                       (section, names_key, index))

    yield from grant("produce", "topics", ResourceType.TOPIC, PRODUCE_TOPIC_OPS)
    yield from grant("produce", "transactionalIds", ResourceType.TRANSACTIONAL_ID,
                     PRODUCE_TXN_OPS)
    if entry.get("produce", {}).get("idempotent"):
        yield (AclBinding(principal, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME,
                          PatternType.LITERAL, AclOperation.IDEMPOTENT_WRITE, host=host),
               ("produce", "idempotent"))
    yield from grant("consume", "topics", ResourceType.TOPIC, CONSUME_TOPIC_OPS)
    yield from grant("consume", "groups", ResourceType.GROUP, CONSUME_GROUP_OPS)


def resource_pattern(written: str) -> tuple[str, PatternType]:
    """`payments.*` -> ("payments.", PREFIXED); `*` alone is Kafka's literal wildcard."""
    if written != "*" and written.endswith("*"):
        return written[:-1], PatternType.PREFIXED
    return written, PatternType.LITERAL


def _operation(camel: str) -> AclOperation:
    """`DescribeConfigs` -> DESCRIBE_CONFIGS (kafka-acls spelling to the enum)."""
    return AclOperation(re.sub(r"(?<!^)(?=[A-Z])", "_", camel).upper())


def operation_name(operation: AclOperation) -> str:
    """DESCRIBE_CONFIGS -> `DescribeConfigs`, as kafka-acls and the files write it."""
    return "".join(part.capitalize() for part in operation.value.split("_"))


def _client_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _without_configs(defaults: dict) -> dict:
    return {k: v for k, v in defaults.items() if k != "configs"}


def _is_connection_path(path: Path_) -> bool:
    return any(path[: len(prefix)] == prefix for prefix in CONNECTION_PATHS)


def _key(folder: str) -> str:
    return os.path.realpath(folder)


def load_environment(path: Path, environ: Mapping[str, str] | None = None) -> LoadResult:
    """Read, schema-check, merge and normalise one environment folder.

    `desired` is built as far as the files allow, even when there are errors
    (validate.py decides whether it may be used).
    """
    loader = _Loader(os.environ if environ is None else environ)
    folder = os.path.normpath(path)
    docs = loader.read_folder(folder)
    env_doc = loader.environment_document(folder, docs)
    if env_doc is None:  # topics without their defaults would only add noise
        return LoadResult(None, loader.shape_problems, loader.problems, {}, None, loader.files)
    layers = loader.layers(folder, docs)
    merged = loader.merge_topics(layers)
    data = env_doc.data
    topics = loader.build_topics(merged, data.get("defaults", {}).get("topic", {}), env_doc)
    acls, acl_sources = loader.build_acls(layers)
    origins = {name: origin for name, (_, origin) in merged.items()}
    desired = DesiredState(
        environment=data["name"],
        cluster=loader.connection(env_doc),
        broker_configs=loader.broker_configs(env_doc),
        topics=topics,
        acls=acls,
        acl_sources=acl_sources,
        scope=_scope(data),
        policies=loader.policies(env_doc),
        reassignment=loader.reassignment(env_doc),
        decommission=tuple(data.get("decommission", ())),
        rebalance=data.get("rebalance", False),
        path=folder,
    )
    return LoadResult(desired, loader.shape_problems, loader.problems, origins, env_doc,
                      loader.files)
