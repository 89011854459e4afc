"""Reading YAML documents with a line number for every key and list item.

pyyaml's composer already records where each node starts; we compose the node
tree (with the C parser when available, for speed) and turn it into plain
Python values ourselves, recording `path -> line` on the way. Walking nodes
instead of subclassing the constructor also gives one place to reject
duplicate keys (pyyaml silently keeps the last) and to interpolate `${VAR}`.

A path is a tuple of mapping keys and list indexes, e.g.
`("topics", 0, "configs", "retention.ms")`.

Every file is bounded before it can cost much (the limits below, each a
one-line problem at the line where it was crossed): its size, its number of
YAML nodes (counted before the tree is built: composing costs some 400 bytes
a node), the nodes that aliases expand to (a 1 KB "billion laughs" file
expands to 10^9), and its nesting depth. The limits hold a file of 4,000
topics with a few configs each (15,000 with only a name) and keep any file
under about 2 s and 200 MB; a bigger environment is split into several files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kafkaform.core.problems import Problem, Severity
from kafkaform.core.quoting import QUOTE_LIMIT, one_line, quoted
from kafkaform.files.bounded import UnreadableText, read_text
from kafkaform.files.plain_yaml import read_plain

try:  # The C parser is several times faster; marks (lines) are the same.
    _Loader = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - pyyaml built without libyaml
    _Loader = yaml.SafeLoader

# Builds scalars by tag, exactly as yaml.safe_load would.
_SCALARS = yaml.SafeLoader("")
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
# ${VAR} or ${VAR:-default}; `$${` is a literal `${`.
_VARIABLE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

Path_ = tuple[str | int, ...]

MAX_FILE_BYTES = 10 * 1024 * 1024
# YAML nodes per file, aliases expanded (a topic with three configs is about 12).
MAX_NODES = 50_000
# Mappings and lists inside each other; kafkaform's own documents need 6.
MAX_DEPTH = 32
# What can come before a node (see `_node_bound`): a line break, an indicator.
_NODE_STARTS = ("\n", ":", "- ", "-\t", "-\r", "-\n", ",", "[", "{", "?", "*")


class _TooLarge(Exception):
    """A limit was crossed while building: stop, keep where."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(message)


def is_secret_reference(path: Path_) -> bool:
    """A Users document's `password`: it may only name a secret (`${VAR}`), so it
    is kept exactly as written, never interpolated: the secret's value must
    not reach the data, where a schema message or an output could show it."""
    return len(path) == 3 and path[0] == "users" and path[2] == "password"


@dataclass
class Document:
    """One YAML document: its data, where every key is, what went wrong."""

    file: str
    data: object
    lines: dict[Path_, int]
    problems: list[Problem] = field(default_factory=list)
    # ${VAR}s with no value and no default: (path, variable name). Whether that
    # is an error depends on where (validate.py), so they are not problems yet.
    unresolved: list[tuple[Path_, str]] = field(default_factory=list)
    # Paths of the errors in `problems` (duplicate keys, unsupported tags).
    error_paths: list[Path_] = field(default_factory=list)
    # List items (`("topics", 3)`) left out of the build because they are invalid.
    skipped: set[Path_] = field(default_factory=set)

    def line(self, path: Path_) -> int:
        """The line of `path`, or of its nearest written ancestor."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)

    @property
    def kind(self) -> str | None:
        if isinstance(self.data, dict):
            kind = self.data.get("kind")
            return kind if isinstance(kind, str) else None
        return None


def format_path(data: object, path: Path_) -> str:
    """`topics[orders.created].configs.retention.ms`: list items by name.

    Items of `topics` are named by `name` and items of `principals` by
    `principal`, which says more than an index; other items use `[i]`.
    """
    text = ""
    node = data
    for part in path:
        if isinstance(part, int):
            label = str(part)
            if isinstance(node, list) and part < len(node) and isinstance(node[part], dict):
                item = node[part]
                named = item.get("name", item.get("principal"))
                if isinstance(named, str) and named:
                    label = one_line(named, QUOTE_LIMIT)
            text += f"[{label}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            key = one_line(part, QUOTE_LIMIT)
            text += f".{key}" if text else key
            node = node.get(part) if isinstance(node, dict) else None
    return text


class _Builder:
    """Turns one composed node tree into Python values plus a line map."""

    def __init__(self, file: str, environ: Mapping[str, str], budget: int = MAX_NODES) -> None:
        self.file = file
        self.environ = environ
        self.lines: dict[Path_, int] = {}
        self.problems: list[tuple[int, Path_, str]] = []
        self.unresolved: list[tuple[Path_, str]] = []
        # Nodes still allowed: an alias costs every node it expands to.
        self.budget = budget

    def problem(self, line: int, path: Path_, message: str) -> None:
        self.problems.append((line, path, message))

    def build(self, node: yaml.Node, path: Path_) -> object:
        line = node.start_mark.line + 1
        self.budget -= 1
        if self.budget < 0:
            raise _TooLarge(line, f"more than {MAX_NODES:,} YAML nodes once aliases are "
                            "expanded: kafkaform reads no more (split the file, or use "
                            "fewer aliases)")
        if len(path) > MAX_DEPTH:
            raise _TooLarge(line, f"nested more than {MAX_DEPTH} levels deep")
        self.lines.setdefault(path, line)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict:
        result: dict = {}
        seen: dict[object, int] = {}
        merged: dict = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                merged.update(self._merge_source(value_node, path))
                continue
            key = self.scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or isinstance(key, (list, dict)):
                self.problem(line, path, "mapping keys must be plain scalars")
                continue
            key = str(key) if not isinstance(key, str) else key
            if key in seen:
                self.problem(
                    line, (*path, key), f"duplicate key (first written at line {seen[key]})"
                )
                continue
            seen[key] = line
            self.lines[(*path, key)] = line
            result[key] = self.build(value_node, (*path, key))
        return {**{k: v for k, v in merged.items() if k not in result}, **result}

    def _merge_source(self, node: yaml.Node, path: Path_) -> dict:
        """`<<: *anchor` (or a list of anchors): YAML merge keys."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict = {}
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode):
                self.problem(source.start_mark.line + 1, path, "'<<' merges mappings only")
                continue
            merged.update(self.mapping(source, path))
        return merged

    def scalar(self, node: yaml.ScalarNode, path: Path_) -> object:
        if is_secret_reference(path):
            return node.value
        if node.tag == _STR_TAG and "$" not in node.value:
            return node.value  # the common case, without the constructor's overhead
        constructor = _SCALARS.yaml_constructors.get(node.tag)
        if constructor is None:
            self.problem(node.start_mark.line + 1, path,
                         f"unsupported YAML tag {quoted(node.tag)}")
            return node.value
        try:
            value = constructor(_SCALARS, node)
        except (ValueError, yaml.YAMLError):  # e.g. an int of 5,000 digits: Python refuses
            self.problem(node.start_mark.line + 1, path,
                         f"not a valid {node.tag.rsplit(':', 1)[-1]}: {quoted(node.value)}")
            return node.value
        if node.tag != _STR_TAG or "$" not in value:
            return value
        text = self.interpolate(value, node.start_mark.line + 1, path)
        if not node.style and text != value:
            # A plain `${PARTITIONS:-6}` becomes what the YAML `6` would be.
            tag = _SCALARS.resolve(yaml.ScalarNode, text, (True, False))
            if tag != _STR_TAG:
                return _SCALARS.yaml_constructors[tag](_SCALARS, yaml.ScalarNode(tag, text))
        return text

    def interpolate(self, text: str, line: int, path: Path_) -> str:
        def substitute(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            name, default = match.group(1), match.group(2)
            if name in self.environ:
                return self.environ[name]
            if default is not None:
                return default
            self.unresolved.append((path, name))
            return match.group(0)

        return _VARIABLE.sub(substitute, text)


def read_documents(path: Path, environ: Mapping[str, str] | None = None) -> list[Document]:
    """Every document of one YAML file; a syntax error, or a file beyond the
    limits, yields one empty document with the problem."""
    environ = os.environ if environ is None else environ
    file = str(path)
    try:
        text = read_text(path, MAX_FILE_BYTES)
    except UnreadableText as error:
        return [_broken(file, error.line, str(error))]
    return documents_of_text(file, text, environ)


def documents_of_text(file: str, text: str, environ: Mapping[str, str]) -> list[Document]:
    """`read_documents` of text already read (from `file`)."""
    plain = read_plain(text, MAX_NODES, is_secret_reference)
    if plain is not None:  # the everyday shape of long lists, read without PyYAML
        return [Document(file, *plain)]
    too_large = _over_node_limits(text)
    if too_large is not None:
        return [_broken(file, too_large.line, str(too_large))]
    documents: list[Document] = []
    budget = MAX_NODES
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:
                continue
            builder = _Builder(file, environ, budget)
            try:
                data = builder.build(node, ())
            except _TooLarge as error:
                return [_broken(file, error.line, str(error))]
            budget = builder.budget
            problems = [
                Problem(file, line, format_path(data, where), message)
                for line, where, message in builder.problems
            ]
            documents.append(Document(file, data, builder.lines, problems, builder.unresolved,
                                      [where for _, where, _ in builder.problems]))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = error.problem or str(error)
        documents.append(_broken(file, line, f"YAML syntax error: {one_line(reason)}"))
    except yaml.YAMLError as error:
        documents.append(_broken(file, 1, f"YAML error: {one_line(str(error))}"))
    return documents


def _node_bound(text: str) -> int:
    """At least as many as the YAML nodes in `text`, counted in milliseconds.

    Every scalar or alias starts the text or a line, or follows an indicator
    (`: `, `- `, `,`, `[`, `{`, `? `, `*`); every mapping or list holds at least
    one of those, or is an empty `[]`/`{}`. So twice their count (plus the
    brackets) bounds the nodes.
    """
    starts = sum(text.count(char) for char in _NODE_STARTS) + 1
    return 2 * starts + text.count("[") + text.count("{")


def _over_node_limits(text: str) -> _TooLarge | None:
    """Whether `text` holds more YAML nodes than `MAX_NODES`, before composing it.

    Only when the quick bound allows more does the parser count them, node by
    node, stopping at the limit: composing costs memory for every node, the
    event stream none.
    """
    if _node_bound(text) <= MAX_NODES:
        return None
    nodes = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, _NODE_EVENTS):
                nodes += 1
                if nodes > MAX_NODES:
                    return _TooLarge(event.start_mark.line + 1,
                                     f"more than {MAX_NODES:,} YAML nodes: kafkaform reads no "
                                     "more from one file (split it)")
    except yaml.YAMLError:
        return None  # composing reports the syntax error with its line
    return None


_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent,
                yaml.MappingStartEvent)


def _broken(file: str, line: int, message: str) -> Document:
    return Document(file, None, {}, [Problem(file, line, "", message, Severity.ERROR)])
