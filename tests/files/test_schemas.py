"""The schema check's shortcuts for everyday topic entries and ACL bindings change no problem."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from kafkaform.files.documents import Document, read_documents
from kafkaform.files.schemas import _is_plain_topic, _plain_binding, check_document, validators

TOPIC_SCHEMA = validators()["Topics"].schema["properties"]["topics"]["items"]
BINDING_SCHEMA = validators()["Acls"].schema["properties"]["bindings"]["items"]

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

    original = schemas._shortcut
    schemas._shortcut = lambda kind: None
    try:
        return [found.problem for found in check_document(document)]
    finally:
        schemas._shortcut = original


# Near-everyday bindings: each field from what the schema takes or a near miss.
BINDING_FIELDS = {
    "principal": st.sampled_from(["User:a", "User:", "user", "Group:x-1", ":a", 3, None]),
    "resource": st.sampled_from(["topic", "group", "Topic", "cluster", "", 1]),
    "name": st.sampled_from(["orders", "", "pay*", 7]),
    "patternType": st.sampled_from(["literal", "prefixed", "match", True]),
    "operations": st.one_of(st.lists(st.sampled_from(["Read", "Write", "read", "All", 1]),
                                     max_size=3), st.sampled_from(["Read", None])),
    "permission": st.sampled_from(["allow", "deny", "Allow", False]),
    "host": st.sampled_from(["*", "10.0.0.1", "", 0]),
    "other": VALUES,
}
BINDINGS = st.one_of(
    st.fixed_dictionaries({k: BINDING_FIELDS[k] for k in ("principal", "resource", "operations")},
                          optional={k: v for k, v in BINDING_FIELDS.items()
                                    if k not in ("principal", "resource", "operations")}),
    st.fixed_dictionaries({}, optional=BINDING_FIELDS), VALUES,
)


@settings(max_examples=2000)
@given(BINDINGS)
def test_the_binding_shortcut_accepts_only_what_the_schema_accepts(entry):
    if _plain_binding()(entry):
        assert Draft202012Validator(BINDING_SCHEMA).is_valid(entry)


def test_everyday_bindings_take_the_shortcut():
    accept = _plain_binding()
    assert accept({"principal": "User:a", "resource": "topic", "name": "orders",
                   "operations": ["Read", "Describe"]})
    assert accept({"principal": "User:a", "resource": "group", "name": "g*",
                   "patternType": "prefixed", "operations": ["All"], "permission": "deny",
                   "host": "10.0.0.1"})
    assert not accept({"principal": "User:a", "resource": "topic", "operations": ["Read", "Read"]})
    assert not accept({"principal": "a", "resource": "topic", "operations": ["Read"]})


def test_problems_among_thousands_of_plain_bindings_keep_their_place(tmp_path: Path):
    lines = ["kind: Acls", "bindings:"]
    lines += [f"  - {{principal: 'User:u{i}', resource: topic, name: t{i}, operations: [Read]}}"
              for i in range(3000)]
    lines[1000] = "  - {principal: 'User:x', resource: topics, name: t, operations: [Read]}"
    lines[2000] = "  - {principal: nobody, resource: topic, operations: [Read, Read], colour: red}"
    path = tmp_path / "acls.yaml"
    path.write_text("\n".join(lines) + "\n")
    (document,) = read_documents(path, {})
    expected = sorted(problem.render() for problem in _full_check(document))
    assert _problems(document) == expected
    assert [p.split("acls.yaml")[1].split(":")[1] for p in expected] == ["1001", "2001", "2001",
                                                                        "2001"]
