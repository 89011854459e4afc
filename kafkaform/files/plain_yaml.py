"""A fast reader for the plain, line-shaped YAML that long lists are written in.

Composing YAML nodes costs some 10 µs a node with PyYAML (its C parser still
resolves every scalar and builds every node in Python), 5-6 s for an
environment of 50,000 ACL bindings written one a line. Such files use a small,
regular part of YAML: a top-level mapping whose keys hold one-line values or a
block list, each item one line (`- {principal: 'User:a', ...}`) or a block
mapping of one-line values. This module reads exactly that part, line by line,
and gives up (None) on anything else, which `documents.read_documents` then
reads with PyYAML as before: anchors, tags, multi-line scalars, `${VAR}`s,
duplicate keys, escapes, tabs, non-ASCII text, a second document ... So the
values and lines it gives are the ones PyYAML's composer gives
(tests/files/test_plain_yaml.py compares the two), and every problem is still
reported by the one full reader.

Scalars are resolved as YAML 1.1 does (`true`, `0x1f`, `2024-01-01` ...) by
PyYAML's own resolver and constructors, once per distinct spelling.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

# A plain scalar: characters that mean nothing to YAML in block or flow
# context, a ':' or spaces only inside (followed by one of them: "User:alice",
# "two words"), and no start that YAML reads as an indicator ('-' only before
# such a character).
_SAFE = r"A-Za-z0-9_./+~*@=-"
_PLAIN = rf"(?:[A-Za-z0-9_./+~]|-(?=[{_SAFE}]))[{_SAFE}]*(?:(?::| +)(?=[{_SAFE}])[{_SAFE}]*)*"
# Quoted scalars without escapes or line breaks ('' is a quote in single quotes).
# Every repetition is written unrolled (`a*(?:b a*)*`): an alternation tried
# at each character takes seconds on a 9 MB value.
_SINGLE = r"'[^'\n]*(?:''[^'\n]*)*'"
_DOUBLE = r'"[^"\\\n]*"'
_SCALAR_TEXT = rf"{_PLAIN}|{_SINGLE}|{_DOUBLE}"
_SCALAR = re.compile(_SCALAR_TEXT)
# The line of most long lists: a flow mapping of scalars and lists of
# scalars, `{principal: 'User:a', resource: topic, operations: [Read]}`,
# matched whole (then split by `_FLAT_PAIR`) by two regular expressions
# instead of a call per token.
_FLAT_LIST = rf"\[ *(?:(?:{_SCALAR_TEXT})(?: *, *(?:{_SCALAR_TEXT}))*)? *\]"
_FLAT_VALUE = rf"(?:{_SCALAR_TEXT}|{_FLAT_LIST})"
_FLAT_PAIR_TEXT = rf"(?:{_SCALAR_TEXT}): +{_FLAT_VALUE}"
_FLAT_MAPPING = re.compile(
    rf"(\{{ *(?:{_FLAT_PAIR_TEXT}(?: *, *{_FLAT_PAIR_TEXT})*)? *\}})(?: *| +#.*)")
_FLAT_PAIR = re.compile(rf"({_SCALAR_TEXT}): +({_FLAT_VALUE})")
# What may end a line after its value: spaces, then a comment.
_END = re.compile(r" *(?:(?<= )#.*)?$")
# `key: ` (or `key:` at the end of the line) of a block mapping line.
_BLOCK_KEY = re.compile(rf"({_SCALAR_TEXT}):(?: +|$)")
_SPACES = re.compile(r" *")
# Nesting of flow collections inside one line that this reader follows.
_MAX_FLOW_DEPTH = 4

_RESOLVER = yaml.SafeLoader("")
# The first characters of plain scalars YAML may read as other than a string
# (`true`, `1`, `~`, `.inf` ...): any other is a string without asking.
_RESOLVED_FIRST = frozenset(_RESOLVER.yaml_implicit_resolvers) - {""}
_STR_TAG = "tag:yaml.org,2002:str"


class _NotPlain(Exception):
    """The text leaves the plain subset: read it with PyYAML."""


def read_plain(text: str, max_nodes: int, verbatim: Callable[[Path_], bool]
               ) -> tuple[dict, dict[Path_, int]] | None:
    """The one document of `text` and its line map (path -> 1-based line), or None
    when the text is not in the plain subset or holds more than `max_nodes` nodes.
    Plain scalars at a path `verbatim` holds are kept as written (secret references)."""
    if not text.isascii() or "\t" in text or "\r" in text:
        return None
    try:
        return _Reader(text, max_nodes, verbatim).document()
    except _NotPlain:
        return None


class _Reader:
    def __init__(self, text: str, max_nodes: int, verbatim: Callable[[Path_], bool]) -> None:
        self.verbatim = verbatim
        # (1-based line number, text) of every line that is not blank or a comment.
        self.lines = [(number, line) for number, line in enumerate(text.split("\n"), 1)
                      if line.strip() and not line.lstrip().startswith("#")]
        if self.lines and self.lines[0][1].rstrip() == "---":
            self.lines.pop(0)
        if not self.lines or any("$" in line for _, line in self.lines):
            raise _NotPlain  # ${VAR}s are interpolated by the full reader
        self.budget = max_nodes
        self.at = 0
        self.where: dict[Path_, int] = {}
        self.values: dict[str, object] = {}

    def count(self, nodes: int = 1) -> None:
        self.budget -= nodes
        if self.budget < 0:
            raise _NotPlain  # the full reader reports the limit with its line

    def document(self) -> tuple[dict, dict[Path_, int]]:
        self.where[()] = self.lines[0][0]
        self.count()
        data = self.block_mapping(0, ())
        if self.at != len(self.lines):
            raise _NotPlain
        return data, self.where

    def block_mapping(self, indent: int, path: Path_, first: str | None = None) -> dict:
        """The mapping whose keys start at column `indent` (the first key's line
        may be given without its `- ` prefix)."""
        result: dict[str, object] = {}
        while self.at < len(self.lines):
            number, line = self.lines[self.at]
            if first is not None:
                text, first = first, None
            elif _indent(line) == indent:
                text = line[indent:]
            else:
                break
            self.at += 1
            match = _BLOCK_KEY.match(text)
            if match is None:
                raise _NotPlain
            key = self.key(match.group(1))
            if key in result:
                raise _NotPlain  # the full reader reports the duplicate
            key_path = (*path, key)
            self.where[key_path] = number
            self.count(2)
            rest = text[match.end():]
            if rest and not rest.startswith("#"):
                result[key] = self.inline(rest, key_path)
            elif indent == 0 and not path:
                result[key] = self.block_list(key_path)
            else:
                raise _NotPlain  # nested block content
        return result

    def block_list(self, path: Path_) -> list:
        """The `- item` lines after a top-level `key:`."""
        if self.at == len(self.lines):
            raise _NotPlain  # `key:` alone is null
        indent = _indent(self.lines[self.at][1])
        items: list[object] = []
        while self.at < len(self.lines):
            number, line = self.lines[self.at]
            if _indent(line) != indent or not line.startswith("- ", indent):
                break
            text = line[indent + 2:]
            item_indent = indent + 2 + _indent(text)
            text = text.lstrip(" ")
            item_path = (*path, len(items))
            self.where[item_path] = number
            if text[:1] in "[{'\"" or _BLOCK_KEY.match(text) is None:
                self.at += 1
                items.append(self.inline(text, item_path))
            else:
                self.count()
                items.append(self.block_mapping(item_indent, item_path, first=text))
        if not items:
            raise _NotPlain
        return items

    def inline(self, text: str, path: Path_) -> object:
        """A one-line value (scalar or flow collection) and nothing but a comment after."""
        flat = _FLAT_MAPPING.fullmatch(text)
        if flat:
            return self.flat_mapping(flat.group(1), path)
        value, end = self.flow(text, 0, 0, path)
        if _END.match(text, end) is None:
            raise _NotPlain
        return value

    def flat_mapping(self, text: str, path: Path_) -> dict:
        """The `{...}` of a line `_FLAT_MAPPING` matched (without its comment)."""
        result: dict[str, object] = {}
        scalar = self.scalar
        for written_key, written in _FLAT_PAIR.findall(text):
            key = self.key(written_key)
            if key in result:
                raise _NotPlain
            if written[0] == "[":
                items = _SCALAR.findall(written)
                self.count(len(items))
                result[key] = [scalar(item) for item in items]
            elif self.verbatim((*path, key)):
                result[key] = self.as_written(written)
            else:
                result[key] = scalar(written)
        self.count(1 + 2 * len(result))
        return result

    def flow(self, text: str, at: int, depth: int, path: Path_) -> tuple[object, int]:
        """The value starting at `text[at]` and where it ends."""
        self.count()
        opening = text[at:at + 1]
        if opening in ("[", "{"):
            if depth == _MAX_FLOW_DEPTH:
                raise _NotPlain
            return self.collection(text, at, depth + 1, path)
        match = _SCALAR.match(text, at)
        if match is None:
            raise _NotPlain
        if self.verbatim(path):
            return self.as_written(match.group()), match.end()
        return self.scalar(match.group()), match.end()

    def collection(self, text: str, at: int, depth: int, path: Path_) -> tuple[object, int]:
        """`[a, b]` or `{k: v, ...}`: single spaces or none around the commas."""
        is_list = text[at] == "["
        closing = "]" if is_list else "}"
        at = _SPACES.match(text, at + 1).end()
        if text[at:at + 1] == closing:
            return ([] if is_list else {}), at + 1
        items: list[object] = []
        pairs: dict[str, object] = {}
        while True:
            if is_list:
                value, at = self.flow(text, at, depth, (*path, len(items)))
                items.append(value)
            else:
                match = _SCALAR.match(text, at)
                if match is None or text[match.end():match.end() + 2] != ": ":
                    raise _NotPlain
                key = self.key(match.group())
                if key in pairs:
                    raise _NotPlain
                self.count()
                value, at = self.flow(text, _SPACES.match(text, match.end() + 2).end(), depth,
                                      (*path, key))
                pairs[key] = value
            at = _SPACES.match(text, at).end()
            if text[at:at + 1] == closing:
                return (items if is_list else pairs), at + 1
            if text[at:at + 1] != ",":
                raise _NotPlain
            at = _SPACES.match(text, at + 1).end()
            if text[at:at + 1] in (closing, ""):
                raise _NotPlain  # a trailing comma

    def key(self, written: str) -> str:
        key = self.scalar(written)
        if key is None:
            raise _NotPlain
        return key if isinstance(key, str) else str(key)

    def as_written(self, written: str) -> str:
        """A scalar's text, unresolved: a quoted one without its quotes."""
        return self.scalar(written) if written[0] in "'\"" else written

    def scalar(self, written: str) -> Any:
        """The value of a scalar as YAML reads it, built once per spelling."""
        try:
            return self.values[written]
        except KeyError:
            pass
        if written[0] == "'":
            value: object = written[1:-1].replace("''", "'")
        elif written[0] == '"':
            value = written[1:-1]
        elif written[0] not in _RESOLVED_FIRST:
            value = written
        else:
            tag = _RESOLVER.resolve(yaml.ScalarNode, written, (True, False))
            if tag == _STR_TAG:
                value = written
            else:
                constructor = _RESOLVER.yaml_constructors.get(tag)
                try:
                    value = constructor(_RESOLVER, yaml.ScalarNode(tag, written))
                except Exception as error:  # noqa: BLE001 - the full reader words it
                    raise _NotPlain from error
        self.values[written] = value
        return value


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
