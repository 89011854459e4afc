"""The reassignment JSON of `kafka-reassign-partitions.sh`, both ways.

Format (ReassignPartitionsCommand.parsePartitionReassignmentData, version 1):
`{"version": 1, "partitions": [{"topic": str, "partition": int,
"replicas": [int, ...], "log_dirs": ["any", ...]}]}`. `version` defaults to 1
and no other version exists; `log_dirs`, when present, has one entry per
replica; `--execute` refuses an empty list, an empty replica list, duplicate
partitions and duplicate brokers in one replica list. We apply the same rules
so a file we accept is a file the official tool accepts, and we write
`log_dirs: "any"` everywhere, as the official tool's own output does.

Also here: the `--topics-to-move-json-file` format (`{"version": 1,
"topics": [{"topic": str}]}`) and the `--broker-list` syntax ("1,2,3").
Everything in this module is pure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kafkaform.core.actions import PartitionMove, Reassign
from kafkaform.core.observed import TopicInfo, TopicPartition
from kafkaform.core.reassign.batches import find_partition
from kafkaform.errors import KafkaformError

ANY_LOG_DIR = "any"
FORMAT_VERSION = 1

# Target (or current) replica list of each partition, preferred leader first.
Assignment = dict[TopicPartition, tuple[int, ...]]


def targets_of(actions: Iterable[Reassign]) -> Assignment:
    """Where the actions move each partition (their `after` replica lists)."""
    return {TopicPartition(a.topic, m.partition): tuple(m.after) for a in actions for m in a.moves}


def origins_of(actions: Iterable[Reassign]) -> Assignment:
    """Where each moved partition was when planned: the rollback assignment."""
    return {TopicPartition(a.topic, m.partition): tuple(m.before) for a in actions for m in a.moves}


def actions_for(targets: Mapping[TopicPartition, Sequence[int]], topics: Mapping[str, TopicInfo],
                reason: str) -> list[Reassign]:
    """`Reassign` actions (one per topic) moving the current replicas to `targets`.

    Raises KafkaformError naming the first partition that does not exist.
    """
    by_topic: dict[str, list[PartitionMove]] = {}
    for tp in sorted(targets):
        current = find_partition(topics, tp)
        if current is None:
            raise KafkaformError(f"partition {tp} does not exist on the cluster")
        by_topic.setdefault(tp.topic, []).append(
            PartitionMove(tp.partition, tuple(current.replicas), tuple(targets[tp]))
        )
    return [Reassign(topic, tuple(moves), reason=reason) for topic, moves in by_topic.items()]


def reassignment_document(assignment: Mapping[TopicPartition, Sequence[int]]) -> dict[str, Any]:
    """The JSON object the official tool's `--execute` reads, partitions sorted."""
    return {
        "version": FORMAT_VERSION,
        "partitions": [
            {
                "topic": tp.topic,
                "partition": tp.partition,
                "replicas": list(assignment[tp]),
                "log_dirs": [ANY_LOG_DIR] * len(assignment[tp]),
            }
            for tp in sorted(assignment)
        ],
    }


def dump_reassignment(assignment: Mapping[TopicPartition, Sequence[int]]) -> str:
    """The document as text with one partition per line, so reviews diff well."""
    document = reassignment_document(assignment)
    lines = [json.dumps(p, separators=(", ", ": ")) for p in document["partitions"]]
    if not lines:
        return f'{{\n  "version": {FORMAT_VERSION},\n  "partitions": []\n}}\n'
    body = ",\n    ".join(lines)
    return f'{{\n  "version": {FORMAT_VERSION},\n  "partitions": [\n    {body}\n  ]\n}}\n'


def parse_reassignment(text: str, source: str) -> Assignment:
    """Parse a reassignment file with the official tool's rules.

    `source` names the file in errors: `file: partitions[2].replicas: message`.
    """
    data = _load_json(text, source)
    _check_version(data, source)
    partitions = data.get("partitions", [])
    if not isinstance(partitions, list):
        raise _error(source, "partitions", "must be a list")
    if not partitions:
        raise _error(source, "partitions", "partition reassignment list cannot be empty")
    result: Assignment = {}
    for index, entry in enumerate(partitions):
        where = f"partitions[{index}]"
        if not isinstance(entry, dict):
            raise _error(source, where, "must be an object with topic, partition and replicas")
        tp, replicas = _parse_partition_entry(entry, source, where)
        if tp in result:
            raise _error(source, where, f"duplicate partition {tp}")
        result[tp] = replicas
    return result


def _parse_partition_entry(
    entry: dict[str, Any], source: str, where: str
) -> tuple[TopicPartition, tuple[int, ...]]:
    topic = entry.get("topic")
    if not isinstance(topic, str) or not topic:
        raise _error(source, f"{where}.topic", "must be a topic name")
    partition = entry.get("partition")
    if not _is_int(partition) or partition < 0:
        raise _error(source, f"{where}.partition", "must be a partition number >= 0")
    replicas = entry.get("replicas")
    if not isinstance(replicas, list) or not all(_is_int(r) and r >= 0 for r in replicas):
        raise _error(source, f"{where}.replicas", "must be a list of broker ids")
    if not replicas:
        raise _error(source, f"{where}.replicas", "partition replica list cannot be empty")
    if len(set(replicas)) != len(replicas):
        raise _error(source, f"{where}.replicas", f"duplicate broker in {replicas}")
    if "log_dirs" in entry:
        log_dirs = entry["log_dirs"]
        if not isinstance(log_dirs, list) or not all(isinstance(d, str) for d in log_dirs):
            raise _error(source, f"{where}.log_dirs", "must be a list of strings")
        if len(log_dirs) != len(replicas):
            raise _error(source, f"{where}.log_dirs",
                         f"has {len(log_dirs)} entries for {len(replicas)} replicas")
        if any(d != ANY_LOG_DIR for d in log_dirs):
            raise _error(source, f"{where}.log_dirs",
                         'moves between log directories are not supported by kafkaform; use "any"'
                         " (or kafka-reassign-partitions.sh for log-dir moves)")
    return TopicPartition(topic, partition), tuple(replicas)


def parse_topics_to_move(text: str, source: str) -> list[str]:
    """Topics of a `--topics-to-move-json-file` document, in file order."""
    data = _load_json(text, source)
    _check_version(data, source)
    entries = data.get("topics")
    if not isinstance(entries, list) or not entries:
        raise _error(source, "topics", 'must be a non-empty list of {"topic": name}')
    topics: list[str] = []
    for index, entry in enumerate(entries):
        topic = entry.get("topic") if isinstance(entry, dict) else None
        if not isinstance(topic, str) or not topic:
            raise _error(source, f"topics[{index}].topic", "must be a topic name")
        if topic in topics:
            raise _error(source, f"topics[{index}].topic", f"duplicate topic {topic}")
        topics.append(topic)
    return topics


def parse_broker_list(text: str) -> list[int]:
    """`--broker-list` as the official tool reads it: "1,2,3", no duplicates."""
    try:
        brokers = [int(part) for part in text.split(",")]
    except ValueError:
        raise KafkaformError(
            f"--broker-list: {text!r} is not a comma-separated list of broker ids"
        ) from None
    duplicates = sorted({b for b in brokers if brokers.count(b) > 1})
    if duplicates:
        raise KafkaformError(f"--broker-list: duplicate broker ids {duplicates}")
    return brokers


def _load_json(text: str, source: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise KafkaformError(f"{source}:{error.lineno}: invalid JSON: {error.msg}") from None
    if not isinstance(data, dict):
        raise KafkaformError(f"{source}: the document must be a JSON object")
    return data


def _check_version(data: dict[str, Any], source: str) -> None:
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION or not _is_int(version):
        raise _error(source, "version", f"not supported version field value {version!r} (only 1)")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _error(source: str, path: str, message: str) -> KafkaformError:
    return KafkaformError(f"{source}: {path}: {message}")
