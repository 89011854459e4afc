import json
from pathlib import Path

import jsonschema
import pytest

from kafkaform.core.actions import PartitionMove, Reassign
from kafkaform.core.observed import PartitionInfo, TopicInfo, TopicPartition
from kafkaform.core.reassign.jsonfile import (
    actions_for,
    dump_reassignment,
    origins_of,
    parse_broker_list,
    parse_reassignment,
    parse_topics_to_move,
    reassignment_document,
    targets_of,
)
from kafkaform.errors import KafkaformError

SCHEMA = json.loads(
    (Path(__file__).parents[3] / "schemas" / "reassignment.schema.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

ACTIONS = [
    Reassign("orders", (PartitionMove(0, (1, 2), (1, 2, 3)), PartitionMove(2, (3, 1), (3, 1, 5)))),
    Reassign("audit", (PartitionMove(1, (4,), (5,)),)),
]


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_generated_document_has_the_official_shape_and_passes_the_schema():
    document = json.loads(dump_reassignment(targets_of(ACTIONS)))
    VALIDATOR.validate(document)
    assert document["version"] == 1
    assert document["partitions"][0] == {
        "topic": "audit", "partition": 1, "replicas": [5], "log_dirs": ["any"]}
    assert [(p["topic"], p["partition"]) for p in document["partitions"]] == [
        ("audit", 1), ("orders", 0), ("orders", 2)]


def test_rollback_document_holds_the_current_replicas():
    document = reassignment_document(origins_of(ACTIONS))
    VALIDATOR.validate(document)
    assert [p["replicas"] for p in document["partitions"]] == [[4], [1, 2], [3, 1]]


def test_json_round_trips_to_the_same_targets_and_actions():
    targets = targets_of(ACTIONS)
    parsed = parse_reassignment(dump_reassignment(targets), "r.json")
    assert parsed == targets
    topics = {
        "orders": TopicInfo("orders", tuple(
            PartitionInfo(p, r, r[0], r) for p, r in [(0, (1, 2)), (1, (2, 3)), (2, (3, 1))])),
        "audit": TopicInfo("audit", (PartitionInfo(0, (1,), 1, (1,)),
                                     PartitionInfo(1, (4,), 4, (4,)))),
    }
    rebuilt = actions_for(parsed, topics, reason="file")
    assert targets_of(rebuilt) == targets
    assert origins_of(rebuilt) == origins_of(ACTIONS)


def test_actions_for_an_unknown_partition_names_it():
    with pytest.raises(KafkaformError, match="orders-7 does not exist"):
        actions_for({TopicPartition("orders", 7): (1,)}, {}, reason="")


def test_version_and_log_dirs_are_optional_as_in_the_official_parser():
    parsed = parse_reassignment('{"partitions":[{"topic":"t","partition":0,"replicas":[2,1]}]}',
                                "r.json")
    assert parsed == {TopicPartition("t", 0): (2, 1)}


def _doc(**entry):
    base = {"topic": "t", "partition": 0, "replicas": [1, 2]}
    return {"version": 1, "partitions": [{**base, **entry}]}


# Documents the official tool refuses: (document, message part, schema also refuses)
BAD = [
    ({"version": 2, "partitions": []}, "version: not supported version", True),
    ({"version": 1, "partitions": []}, "list cannot be empty", True),
    ({"version": 1}, "list cannot be empty", True),
    (_doc(replicas=[]), "replica list cannot be empty", True),
    (_doc(replicas=[1, 1]), "duplicate broker in [1, 1]", True),
    (_doc(replicas=["1"]), "replicas: must be a list of broker ids", True),
    (_doc(partition=-1), "partition: must be a partition number", True),
    (_doc(partition=True), "partition: must be a partition number", True),
    (_doc(topic=""), "topic: must be a topic name", True),
    (_doc(log_dirs=["any"]), "has 1 entries for 2 replicas", False),
    (_doc(log_dirs=["/data/a", "any"]), "not supported by kafkaform", False),
    ({"version": 1, "partitions": [_doc()["partitions"][0]] * 2}, "duplicate partition t-0",
     False),
]


@pytest.mark.parametrize(("document", "message", "schema_refuses"), BAD)
def test_bad_documents_are_refused_with_the_key_path(document, message, schema_refuses):
    with pytest.raises(KafkaformError) as error:
        parse_reassignment(json.dumps(document), "r.json")
    assert str(error.value).startswith("r.json: ")
    assert message in str(error.value)
    assert VALIDATOR.is_valid(document) is not schema_refuses


def test_invalid_json_names_the_line():
    with pytest.raises(KafkaformError, match=r"^r.json:2: invalid JSON"):
        parse_reassignment('{"version": 1,\n "partitions": [}', "r.json")


def test_topics_to_move_file():
    text = '{"version": 1, "topics": [{"topic": "a"}, {"topic": "b"}]}'
    assert parse_topics_to_move(text, "t.json") == ["a", "b"]
    with pytest.raises(KafkaformError, match=r"topics\[1\].topic: duplicate topic a"):
        parse_topics_to_move('{"topics": [{"topic": "a"}, {"topic": "a"}]}', "t.json")


@pytest.mark.parametrize(("text", "expected"), [("1,2,3", [1, 2, 3]), ("7", [7])])
def test_broker_list(text, expected):
    assert parse_broker_list(text) == expected


@pytest.mark.parametrize(("text", "message"), [("1,x", "not a comma-separated"),
                                                ("1,2,1", r"duplicate broker ids \[1\]")])
def test_bad_broker_list(text, message):
    with pytest.raises(KafkaformError, match=message):
        parse_broker_list(text)
