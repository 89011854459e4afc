"""The plain-YAML reader gives what PyYAML gives, or gives up.

`read_plain` is only a shortcut: for any text it reads, the values and the
line of every path must be those of the full reader (PyYAML's composer, as
`documents.read_documents` used before it); any other text must be left to
the full reader (None), which reports its problems.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from kafkaform.files import documents
from kafkaform.files.plain_yaml import read_plain

# Spellings YAML 1.1 reads as something other than the string, or that are
# close to an indicator, beside everyday ones.
SCALARS = [
    "topic", "Read", "orders.created", "User:alice", "User:*", "*", "x*", "a b", "a  b",
    "true", "yes", "On", "no", "null", "~", "~x", "1", "-1", "+3", "0x1f", "0o17", "017",
    "1_000", "1.5", ".5", ".inf", "-.inf", ".nan", "1e3", "2024-01-01",
    "2024-01-01 10:00:00", "12:30:00", "190:20:30", "a:b", "a:b:c", "-x", "x-", "x@y",
    "x=y", "1d", "2MiB", "/path", "_x", "'quoted'", "'it''s'", "'a, b'", "'# no'", "'$x'",
    '"double"', '"a: b"', '""', "''", "'true'", '"1"',
]


def plain(text: str, limit: int = documents.MAX_NODES) -> tuple | None:
    return read_plain(text, limit, documents.is_secret_reference)


def slow(text: str) -> documents.Document:
    """The full reader's document (the shortcut turned off)."""
    original = documents.read_plain
    documents.read_plain = lambda text, limit, verbatim: None
    try:
        path = Path(__file__)  # only named in problems
        found = documents.documents_of_text(str(path), text, {})
    finally:
        documents.read_plain = original
    assert len(found) == 1
    return found[0]


def assert_same_as_pyyaml(text: str) -> bool:
    """Whether the shortcut read `text`; if it did, it read what PyYAML reads."""
    read = plain(text)
    if read is None:
        return False
    data, lines = read
    full = slow(text)
    assert not full.problems, text
    assert data == full.data, text
    assert [type(v) for v in _leaves(data)] == [type(v) for v in _leaves(full.data)], text
    fast = documents.Document("f", data, lines)
    for path in full.lines:
        assert fast.line(path) == full.line(path), (text, path)
    return True


def _leaves(value: object) -> list:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def random_flow(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth < 2 and roll < 0.2:
        items = [random_flow(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        return "[" + rng.choice([", ", ",", " , "]).join(items) + "]"
    if depth < 2 and roll < 0.35:
        keys = rng.sample([*SCALARS, "password"], rng.randint(0, 3))
        pairs = [f"{k}: {random_flow(rng, depth + 1)}" for k in keys]
        return "{" + rng.choice([", ", ","]).join(pairs) + "}"
    return rng.choice(SCALARS)


def random_file(rng: random.Random) -> str:
    lines = rng.choice([[], ["# yaml-language-server: $schema=../acls.schema.json"], ["---"]])
    keys = ["kind", "bindings", "topics", "users", "x", "y: z", "1"]
    for key in rng.sample(keys, rng.randint(1, 4)):
        if rng.random() < 0.3:
            lines.append(f"{key}: {random_flow(rng)}" + rng.choice(["", "  # note", "  "]))
            continue
        lines.append(f"{key}:")
        indent = " " * rng.choice([0, 2, 4])
        for _ in range(rng.randint(0, 4)):
            if rng.random() < 0.5:
                lines.append(f"{indent}- {random_flow(rng)}" + rng.choice(["", " # c: d"]))
            else:
                keys = rng.sample([*SCALARS, "password"], rng.randint(1, 3))
                lines.append(f"{indent}- {keys[0]}: {random_flow(rng)}")
                lines += [f"{indent}  {k}: {random_flow(rng)}" for k in keys[1:]]
            if rng.random() < 0.1:
                lines.append(rng.choice(["", "  # between", f"{indent}  # indented"]))
    return "\n".join(lines) + "\n"


def test_the_shortcut_reads_what_pyyaml_reads_or_gives_up() -> None:
    rng = random.Random(15)
    read = 0
    for _ in range(3000):
        text = random_file(rng)
        try:
            yaml.load(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            assert plain(text) is None, text
            continue
        read += assert_same_as_pyyaml(text)
    assert read > 500  # the shortcut is taken for most of them


@pytest.mark.parametrize("text", [
    # The benchmark's shape: one flow mapping a line.
    "kind: Acls\nbindings:\n  - {principal: 'User:bench-00', resource: topic, "
    "name: bench.acl00000, operations: [Read]}\n",
    # The everyday block shape, with the schema comment editors use.
    "# yaml-language-server: $schema=../../schemas/acls.schema.json\nkind: Acls\n"
    "bindings:\n  - principal: User:alice   # the team\n    resource: topic\n"
    "    name: orders\n    operations: [Read, Describe]\n\n"
    "  - principal: \"User:bob\"\n    resource: group\n    name: 'payments-*'\n"
    "    patternType: prefixed\n    operations: [Read]\n",
    "kind: Topics\ntopics:\n- name: orders\n  partitions: 6\n  configs: {retention.ms: 1d}\n",
    # A password is a secret's reference, kept as written ("0x1f", not 31).
    "kind: Users\nusers:\n  - {name: a, password: 0x1f}\n  - name: b\n    password: 017\n",
])
def test_everyday_list_files_take_the_shortcut(text: str) -> None:
    assert assert_same_as_pyyaml(text)


@pytest.mark.parametrize("text", [
    "kind: Acls\nbindings:\n  - {name: a, name: b}\n",  # a duplicate key
    "kind: Acls\nbindings:\n  - &a {name: a}\n  - *a\n",  # anchors
    "kind: Acls\nbindings:\n  - {name: '${NAME}'}\n",  # a variable
    "kind: Topics\ntopics:\n  - name: a\n    configs:\n      x: 1\n",  # nested blocks
    "kind: Topics\ntopics:\n  - name: \"a\\tb\"\n",  # an escape
    "kind: Topics\n---\nkind: Topics\n",  # two documents
    "kind: Topics\ntopics:\n  - name: a\n    name: b\n",  # a duplicate in a block
    "kind: Topics\ntopics:\n  - {name: [a, b, ]}\n",  # a trailing comma
    "kind: Topics\ntopics:\n  - {name: a}#c\n",
    "kind: Topics\nx: !!str 1\n",  # a tag
    "kind: Topics\nx: |\n  text\n",  # a block scalar
    "kind: Topics\nx:\n",  # null
    "kind: Tópics\n",  # not ASCII
    "kind: Topics\r\n",
])
def test_anything_else_is_left_to_pyyaml(text: str) -> None:
    assert plain(text) is None


def test_a_file_over_the_node_limit_is_left_to_pyyaml() -> None:
    line = "  - {principal: 'User:a', resource: topic, name: t, operations: [Read]}\n"
    text = "kind: Acls\nbindings:\n" + line * 100
    assert plain(text, 10_000) is not None
    assert plain(text, 1000) is None


def test_read_documents_reads_long_binding_lists_without_pyyaml(tmp_path, monkeypatch):
    """Issue 15: 50,000 bindings written one a line took PyYAML's C loader ~5 s of
    a 2 s budget; such a file is read by the plain reader, with PyYAML's values
    and lines. How much faster is the benchmark's business (plan_scale.py, case
    acls), not a timed unit test's."""
    lines = ["kind: Acls", "bindings:"] + [
        f"  - {{principal: 'User:p{i % 50}', resource: topic, name: t{i}, operations: [Read]}}"
        for i in range(2000)]
    file = tmp_path / "acls.yaml"
    file.write_text("\n".join(lines) + "\n")
    expected = yaml.load(file.read_text(), Loader=yaml.CSafeLoader)

    def no_pyyaml(*args: object, **kwargs: object) -> None:
        raise AssertionError("PyYAML was asked")

    monkeypatch.setattr(yaml, "compose_all", no_pyyaml)
    [document] = documents.read_documents(file)
    assert document.data == expected and not document.problems
    assert document.line(("bindings", 1999, "operations", 0)) == 2002
