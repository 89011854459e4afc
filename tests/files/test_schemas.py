"""The schema check's shortcut for everyday topic entries changes no problem."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from kafkaform.files.documents import Document, read_documents
from kafkaform.files.schemas import _is_plain_topic, check_document, validators

TOPIC_SCHEMA = validators()["Topics"].schema["properties"]["topics"]["items"]

VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False),
    st.text(max_size=3), st.sampled_from(["default", "rack-spread", "7d"]),
    st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.text(max_size=2), st.integers()),
)
FIELD = st.one_of(VALUES, st.dictionaries(st.sampled_from(["retention.ms", "x"]), VALUES))
# Mostly near-everyday entries (a name, then any value for any field), so that
# the shortcut's every condition meets its edge cases.
ENTRIES = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=3), VALUES)},
    optional={key: FIELD for key in ["partitions", "replicationFactor", "placement", "keyed",
                                     "configs", "remove", "other"]},
)


@settings(max_examples=1000)
@given(ENTRIES)
def test_every_entry_the_shortcut_accepts_the_schema_accepts(entry):
    if _is_plain_topic(entry):
        assert Draft202012Validator(TOPIC_SCHEMA).is_valid(entry)


def test_everyday_entries_take_the_shortcut():
    assert _is_plain_topic({"name": "a"})
    assert _is_plain_topic({"name": "a", "partitions": 6, "replicationFactor": 3, "keyed": True,
                            "placement": "rack-spread",
                            "configs": {"retention.ms": "7d", "x": 1.5, "y": None}})
    assert not _is_plain_topic({"name": "a", "partitions": {"throughput": 1, "perPartition": 1}})
    assert not _is_plain_topic({"name": "a", "configs": {"cleanup.policy": ["compact"]}})


def _problems(document: Document) -> list[str]:
    return sorted(found.problem.render() for found in check_document(document))


def test_problems_among_thousands_of_plain_entries_keep_their_place(tmp_path: Path):
    lines = ["kind: Topics", "topics:"]
    lines += [f"  - name: t{i}\n    partitions: 3" for i in range(2000)]
    lines[1000] = "  - {name: bad, partitions: many, color: red}"
    lines[1500] = "  - {name: '', replicationFactor: 0}"
    lines.append("  - {name: sized, partitions: {throughput: 10}}")
    path = tmp_path / "topics.yaml"
    path.write_text("\n".join(lines) + "\n")
    (document,) = read_documents(path, {})
    expected = sorted(problem.render() for problem in _full_check(document))
    assert _problems(document) == expected
    assert [p.split("topics.yaml")[1] for p in expected] == [
        ":1999: topics[bad].color: unknown key (expected one of: configs, keyed, name, "
        "partitions, placement, remove, replicationFactor)",
        ":1999: topics[bad].partitions: expected an integer or a mapping, got 'many'",
        ":2998: topics[1498].name: '' should be non-empty",
        ":2998: topics[1498].replicationFactor: 0: less than the minimum of 1",
        ":4001: topics[sized].partitions: missing required key perPartition",
    ]


def _full_check(document: Document):
    """What check_document reports without the shortcut: every entry through jsonschema."""
    from kafkaform.files import schemas

    original = schemas._is_plain_topic
    schemas._is_plain_topic = lambda entry: False
    try:
        return [found.problem for found in check_document(document)]
    finally:
        schemas._is_plain_topic = original
