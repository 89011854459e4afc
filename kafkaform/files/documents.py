"""Reading YAML documents with a line number for every key and list item.

pyyaml's composer already records where each node starts; we compose the node
tree (with the C parser when available, for speed) and turn it into plain
Python values ourselves, recording `path -> line` on the way. Walking nodes
instead of subclassing the constructor also gives one place to reject
duplicate keys (pyyaml silently keeps the last) and to interpolate `${VAR}`.

A path is a tuple of mapping keys and list indexes, e.g.
`("topics", 0, "configs", "retention.ms")`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kafkaform.core.problems import Problem, Severity

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
                    label = named
            text += f"[{label}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text


class _Builder:
    """Turns one composed node tree into Python values plus a line map."""

    def __init__(self, file: str, environ: Mapping[str, str]) -> None:
        self.file = file
        self.environ = environ
        self.lines: dict[Path_, int] = {}
        self.problems: list[tuple[int, Path_, str]] = []
        self.unresolved: list[tuple[Path_, str]] = []

    def problem(self, line: int, path: Path_, message: str) -> None:
        self.problems.append((line, path, message))

    def build(self, node: yaml.Node, path: Path_) -> object:
        self.lines.setdefault(path, node.start_mark.line + 1)
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
            self.problem(node.start_mark.line + 1, path, f"unsupported YAML tag {node.tag}")
            return node.value
        value = constructor(_SCALARS, node)
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
    """Every document of one YAML file; a syntax error yields one empty document."""
    environ = os.environ if environ is None else environ
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [_broken(file, 1, f"cannot read file: {error}")]
    documents: list[Document] = []
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:
                continue
            builder = _Builder(file, environ)
            data = builder.build(node, ())
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
        documents.append(_broken(file, line, f"YAML syntax error: {reason}"))
    except yaml.YAMLError as error:
        documents.append(_broken(file, 1, f"YAML error: {error}"))
    return documents


def _broken(file: str, line: int, message: str) -> Document:
    return Document(file, None, {}, [Problem(file, line, "", message, Severity.ERROR)])
