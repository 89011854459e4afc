"""Re-derive kafkaform/data/kafka_configs.json from Apache Kafka's own jars.

    .venv/bin/python tools/config_catalog.py            # rewrite the JSON
    .venv/bin/python tools/config_catalog.py --check    # print the differences, exit 1 if any
    .venv/bin/python tools/config_catalog.py --history  # what changed from release to release

For the first and the last release of every line 3.0 .. 4.4 (`LINES`) this
fetches the jars with the local Kafka launcher's Maven step (cached in
~/.cache/kafkaform/kafka-<version>, also for the 3.0 .. 3.4 lines the launcher
cannot start), runs tools/ConfigDefDump.java on them (Java's source-file mode:
no build, nothing compiled into the repository; its output is cached beside
the jars) and derives the catalog:

- topic configs: every non-internal config of LogConfig's ConfigDef. `since`
  is the first line whose every release has it, `removed` the first line after
  that which has it in none; a patch release of an older line that got it
  (a backport) is listed in `backports`. Type, default, range (`min`/`max`),
  allowed values and broker synonym are the newest line's; where an older
  line differed, `earlier` records what it had, `before` the line that
  changed it;
- `broker_synonym_defaults`: the synonyms whose broker default (KafkaConfig's
  ConfigDef) differs from the topic default, on the newest line;
- `broker_extra`: type, default, range, `since` of each hand-picked entry, from
  the broker ConfigDefs (KafkaConfig's, plus the dynamic broker quota configs).

The first run fetches about 30 releases (some 50 MB each, 15-45 s each with
Maven) and dumps each (5-10 s); later runs read the caches in seconds.

What a human decides is carried over from the JSON as written: which configs
are `broker_extra`, `unit` (inferred from the name for a new config),
`deprecated` and `note`. What the catalog's shape cannot hold (a default
changed in a patch release, a synonym that is not cluster-wide dynamic) is
printed as a warning for whoever re-derives it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kafkaform.cluster.local_kafka import fetch_kafka_jars, java_executable  # noqa: E402

CATALOG = ROOT / "kafkaform" / "data" / "kafka_configs.json"
DUMPER = Path(__file__).resolve().parent / "ConfigDefDump.java"

# Every release of each line the catalog covers, oldest first. The first and
# the last release of a line are always read, those between only to find the
# patch release that brought a change (max.decompressed.message.bytes arrived
# in 4.2.2, is in neither 4.3.0 nor 4.3.1, and is in 4.4.0).
LINES: dict[str, tuple[str, ...]] = {
    "3.0": ("3.0.0", "3.0.1", "3.0.2"),
    "3.1": ("3.1.0", "3.1.1", "3.1.2"),
    "3.2": ("3.2.0", "3.2.1", "3.2.2", "3.2.3"),
    "3.3": ("3.3.0", "3.3.1", "3.3.2"),
    "3.4": ("3.4.0", "3.4.1"),
    "3.5": ("3.5.0", "3.5.1", "3.5.2"),
    "3.6": ("3.6.0", "3.6.1", "3.6.2"),
    "3.7": ("3.7.0", "3.7.1", "3.7.2"),
    "3.8": ("3.8.0", "3.8.1"),
    "3.9": ("3.9.0", "3.9.1", "3.9.2"),
    "4.0": ("4.0.0", "4.0.1", "4.0.2"),
    "4.1": ("4.1.0", "4.1.1", "4.1.2"),
    "4.2": ("4.2.0", "4.2.1", "4.2.2"),
    "4.3": ("4.3.0", "4.3.1"),
    "4.4": ("4.4.0",),
}
_TYPES = {"boolean", "int", "long", "double", "string", "list"}
_SHAPE_FIELDS = ("type", "default", "min", "max", "valid_values")
# Key order of an entry in the JSON (the hand-written file's order).
_TOPIC_KEYS = ("name", "type", "default", "unit", "valid_values", "min", "max", "since",
               "removed", "backports", "broker_synonym", "deprecated", "note", "earlier")
_EXTRA_KEYS = tuple(key for key in _TOPIC_KEYS if key != "broker_synonym")


def read_releases() -> list[str]:
    """The releases always read: the first and the last of each line."""
    return sorted({release for releases in LINES.values()
                   for release in (releases[0], releases[-1])}, key=_version)


def _version(release: str) -> tuple[int, ...]:
    return tuple(int(part) for part in release.split("."))


# --- dumping -------------------------------------------------------------------


class Dumps:
    """ConfigDefDump's output per release, dumped on first use and cached
    beside the jars (keyed by the dumper's hash: editing it re-runs it)."""

    def __init__(self, *, refresh: bool = False) -> None:
        self.refresh = refresh
        self._dumps: dict[str, dict[str, Any]] = {}

    def __getitem__(self, release: str) -> dict[str, Any]:
        if release not in self._dumps:
            self._dumps[release] = self._dump(release)
        return self._dumps[release]

    def _dump(self, release: str) -> dict[str, Any]:
        print(f"Kafka {release} ...", file=sys.stderr, flush=True)
        libs = fetch_kafka_jars(release)
        digest = hashlib.sha256(DUMPER.read_bytes()).hexdigest()[:16]
        cached = libs.parent / f"config-defs-{digest}.json"
        if cached.is_file() and not self.refresh:
            return json.loads(cached.read_text(encoding="utf-8"))
        done = subprocess.run(
            [java_executable(), "-XX:TieredStopAtLevel=1", "-Xmx256m",
             "--class-path", f"{libs}/*", str(DUMPER)],
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"ConfigDefDump failed on Kafka {release}: "
                             f"{done.stderr.strip()[-2000:]}")
        parsed = json.loads(done.stdout)
        cached.write_text(done.stdout, encoding="utf-8")
        return parsed

    def topic(self, release: str) -> dict[str, dict[str, Any]]:
        """The public topic configs: internal ones are neither listed by
        DescribeConfigs nor documented (remote.storage.enable before 3.6)."""
        return {key["name"]: key for key in self[release]["topic"] if not key["internal"]}

    def broker(self, release: str) -> dict[str, dict[str, Any]]:
        return {key["name"]: key for key in self[release]["broker"]}


Keys = Callable[[str], dict[str, dict[str, Any]]]


# --- deriving ------------------------------------------------------------------


def _number(value: float | int | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _range_in(text: str) -> tuple[float | None, float | None]:
    found = re.match(r"^\[(-?[\d.E]+)?,\.\.\.(?:,(-?[\d.E]+))?\]", text)
    if not found:
        return None, None
    low, high = found.groups()
    return (float(low) if low else None), (float(high) if high else None)


def shape(key: dict[str, Any]) -> dict[str, Any]:
    """A ConfigDef key as the catalog writes it: type, default, range, values."""
    if key["type"] not in _TYPES:
        raise SystemExit(f"{key['name']} has type {key['type']}, which the catalog cannot hold")
    low, high = key.get("min"), key.get("max")
    if low is None and high is None and key.get("validator"):
        # Validators other than Range that still print one, e.g. gzip's level:
        # "[1,...,9] or -1" (kafkaform allows the -1 itself, see units.py).
        low, high = _range_in(key["validator"])
    return {"type": key["type"], "default": key["default"], "min": _number(low),
            "max": _number(high), "valid_values": key.get("valid_values")}


def line_status(name: str, keys: Keys, line: str, warnings: list[str]) -> str | None:
    """"all" when every release of the line has the config, None when none
    does, else the patch release from which on it does."""
    releases = LINES[line]
    first, last = name in keys(releases[0]), name in keys(releases[-1])
    if first and last:
        return "all"
    if not first and not last:
        return None
    if first:
        # The line's last release rules: 3.0.0 listed the tiered-storage
        # configs that 3.0.1 made internal again until 3.6.
        warnings.append(f"{name}: in {releases[0]} but not in {releases[-1]}; "
                        f"tagged as the {line} line's last release has it: absent")
        return None
    arrived = next(release for release in releases if name in keys(release))
    if not all(name in keys(release) for release in releases[releases.index(arrived):]):
        raise SystemExit(f"{name}: comes and goes within the {line} line")
    return arrived


def lifetime(name: str, keys: Keys,
             warnings: list[str]) -> tuple[str, str | None, list[str], list[str]]:
    """since, removed, backports and the lines with it, from each line's status."""
    statuses = {line: line_status(name, keys, line, warnings) for line in LINES}
    full = [line for line, status in statuses.items() if status == "all"]
    if not full:
        raise SystemExit(f"{name}: no line has it in every release ({statuses})")
    lines = list(LINES)
    span = lines[lines.index(full[0]): lines.index(full[-1]) + 1]
    if span != full:
        raise SystemExit(f"{name}: missing from lines {sorted(set(span) - set(full))} "
                         f"between {full[0]} and {full[-1]}")
    after = lines[lines.index(full[-1]) + 1:]
    if any(statuses[line] for line in after):
        raise SystemExit(f"{name}: back after its removal ({statuses})")
    backports = [status for line, status in statuses.items()
                 if status not in (None, "all") and lines.index(line) < lines.index(full[0])]
    return full[0], (after[0] if after else None), backports, full


def history_of(name: str, keys: Keys, lines: list[str]) -> list[dict[str, Any]]:
    """Where an older line's definition differs from the next line's: what it
    had, `before` the line that changed it (newest change first)."""
    shapes = [(line, shape(keys(LINES[line][-1])[name])) for line in lines]
    changes = []
    for (_, older), (newer_line, newer) in zip(shapes, shapes[1:], strict=False):
        changed = {field: older[field] for field in _SHAPE_FIELDS if older[field] != newer[field]}
        if changed:
            changes.append({"before": newer_line, **changed})
    return list(reversed(changes))


def within_line_changes(name: str, keys: Keys, lines: list[str]) -> list[str]:
    """Definitions that changed between a line's first and last release: the
    catalog tags lines, so these are only reported."""
    found = []
    for line in lines:
        first, last = LINES[line][0], LINES[line][-1]
        if first != last and name in keys(first):
            before, after = shape(keys(first)[name]), shape(keys(last)[name])
            if before != after:
                found.append(f"{name}: {first} {before} but {last} {after}")
    return found


def _ordered(entry: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    # `broker_synonym` is written even when null, as the hand-written file does.
    return {key: entry[key] for key in keys
            if entry.get(key) not in (None, []) or (key == "broker_synonym" and key in entry)}


def _unit_of(name: str) -> str | None:
    if name.endswith(".ms"):
        return "ms"
    if name.endswith(".bytes"):
        return "bytes"
    return None


def derive(dumps: Dumps, current: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The catalog, and warnings a human should read."""
    warnings: list[str] = []
    old_topic = {entry["name"]: entry for entry in current["topic"]}
    newest = list(LINES)[-1]
    names = sorted({name for release in read_releases() for name in dumps.topic(release)})

    topic = []
    for name in names:
        since, removed, backports, lines = lifetime(name, dumps.topic, warnings)
        old = old_topic.get(name, {})
        last_release = LINES[lines[-1]][-1]
        topic.append(_ordered({
            "name": name, **shape(dumps.topic(last_release)[name]),
            "unit": old.get("unit", _unit_of(name)),
            "since": since, "removed": removed, "backports": backports,
            "broker_synonym": dumps.topic(last_release)[name]["synonym"],
            "deprecated": old.get("deprecated"), "note": old.get("note"),
            "earlier": history_of(name, dumps.topic, lines),
        }, _TOPIC_KEYS))
        warnings += within_line_changes(name, dumps.topic, lines)

    newest_broker = dumps.broker(LINES[newest][-1])
    modes = dumps[LINES[newest][-1]]["dynamic_update_modes"]
    synonym_defaults: dict[str, str | None] = {}
    for entry in topic:
        synonym = entry["broker_synonym"]
        if synonym is None or entry.get("removed"):
            continue
        if synonym not in newest_broker:
            warnings.append(f"{entry['name']}: broker synonym {synonym} is no broker config")
            continue
        if newest_broker[synonym]["default"] != entry["default"]:
            synonym_defaults[synonym] = newest_broker[synonym]["default"]
        if modes.get(synonym) != "cluster-wide":
            warnings.append(f"{entry['name']}: broker synonym {synonym} is "
                            f"{modes.get(synonym, 'not dynamic')}, yet offered cluster-wide")
        # kafkaform offers the synonym from the topic config's `since` on.
        synonym_since, _, _, _ = lifetime(synonym, dumps.broker, warnings)
        if synonym_since != entry["since"]:
            warnings.append(f"{entry['name']}: since {entry['since']} but its broker "
                            f"synonym {synonym} since {synonym_since}")

    extras = []
    for old in current["broker_extra"]:
        name = old["name"]
        since, removed, backports, lines = lifetime(name, dumps.broker, warnings)
        extras.append(_ordered({
            "name": name, **shape(dumps.broker(LINES[lines[-1]][-1])[name]),
            "unit": old.get("unit"), "since": since, "removed": removed,
            "backports": backports, "deprecated": old.get("deprecated"),
            "note": old.get("note"), "earlier": history_of(name, dumps.broker, lines),
        }, _EXTRA_KEYS))
        warnings += within_line_changes(name, dumps.broker, lines)
        # The throttle rates are quota configs, absent from the update modes, yet cluster-wide.
        if modes.get(name, "cluster-wide") != "cluster-wide":
            warnings.append(f"broker_extra {name} is {modes[name]}")

    first_line = list(LINES)[0]
    catalog = {
        "source": (
            "derived by tools/config_catalog.py from the jars of Apache Kafka "
            f"{', '.join(read_releases())} (the first and last release of each line "
            f"{first_line} .. {newest}; those between only where a patch release brought a "
            "config): LogConfig's ConfigDef (non-internal topic configs), "
            "ServerTopicConfigSynonyms / LogConfig.TopicConfigSynonyms (broker synonyms), "
            "KafkaConfig's ConfigDef and the dynamic broker quota configs (broker defaults); "
            "unit, deprecated and note are written by hand"
        ),
        "covers": f"{first_line} through {newest}",
        "topic": topic,
        "broker_synonym_defaults": synonym_defaults,
        "broker_extra": extras,
    }
    return catalog, warnings


# --- output ----------------------------------------------------------------------


def render(catalog: dict[str, Any]) -> str:
    """The JSON in the hand-written file's layout: one config per line."""
    def rows(entries: list[dict[str, Any]]) -> str:
        return ",\n".join(f"    {json.dumps(entry)}" for entry in entries)

    synonym_defaults = ",\n".join(
        f"    {json.dumps(name)}: {json.dumps(value)}"
        for name, value in catalog["broker_synonym_defaults"].items()
    )
    return (
        "{\n"
        f'  "source": {json.dumps(catalog["source"])},\n'
        f'  "covers": {json.dumps(catalog["covers"])},\n'
        f'  "topic": [\n{rows(catalog["topic"])}\n  ],\n'
        f'  "broker_synonym_defaults": {{\n{synonym_defaults}\n  }},\n'
        f'  "broker_extra": [\n{rows(catalog["broker_extra"])}\n  ]\n'
        "}\n"
    )


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Field by field, per config: what re-deriving changes."""
    lines = []
    for section in ("topic", "broker_extra"):
        before = {entry["name"]: entry for entry in old[section]}
        after = {entry["name"]: entry for entry in new[section]}
        for name in sorted(before.keys() | after.keys()):
            if name not in after:
                lines.append(f"{section} {name}: dropped")
            elif name not in before:
                lines.append(f"{section} {name}: added {json.dumps(after[name])}")
            else:
                for field in sorted(before[name].keys() | after[name].keys()):
                    if before[name].get(field) != after[name].get(field):
                        lines.append(f"{section} {name}: {field} "
                                     f"{json.dumps(before[name].get(field))} -> "
                                     f"{json.dumps(after[name].get(field))}")
    old_defaults, new_defaults = old["broker_synonym_defaults"], new["broker_synonym_defaults"]
    for name in sorted(old_defaults.keys() | new_defaults.keys()):
        if old_defaults.get(name, "absent") != new_defaults.get(name, "absent"):
            lines.append(f"broker_synonym_defaults {name}: "
                         f"{json.dumps(old_defaults.get(name, 'absent'))} -> "
                         f"{json.dumps(new_defaults.get(name, 'absent'))}")
    lines += [f"{field} changed" for field in ("source", "covers") if old[field] != new[field]]
    return lines


def history(dumps: Dumps) -> list[str]:
    """Each release read against the one before: topic configs new, gone, changed."""
    lines: list[str] = []
    previous: dict[str, dict[str, Any]] = {}
    for release in read_releases():
        current = {name: shape(key) | {"synonym": key["synonym"]}
                   for name, key in dumps.topic(release).items()}
        for name in sorted(current.keys() | previous.keys()) if previous else ():
            if name not in current:
                lines.append(f"{release}: {name} gone")
            elif name not in previous:
                lines.append(f"{release}: {name} new {json.dumps(current[name])}")
            else:
                before, after = previous[name], current[name]
                lines += [f"{release}: {name} {field} {json.dumps(before[field])} -> "
                          f"{json.dumps(after[field])}"
                          for field in after if after[field] != before[field]]
        previous = current
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="print what re-deriving would change; exit 1 if anything would")
    parser.add_argument("--history", action="store_true",
                        help="print how the topic configs changed from release to release")
    parser.add_argument("--refresh", action="store_true",
                        help="re-run the dumper even where its output is cached")
    args = parser.parse_args(argv)

    dumps = Dumps(refresh=args.refresh)
    if args.history:
        print("\n".join(history(dumps)))
        return 0
    current = json.loads(CATALOG.read_text(encoding="utf-8"))
    derived, warnings = derive(dumps, current)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    changes = differences(current, derived)
    text = render(derived)
    if args.check:
        print("\n".join(changes) if changes else "the catalog matches the jars")
        return 1 if changes or CATALOG.read_text(encoding="utf-8") != text else 0
    CATALOG.write_text(text, encoding="utf-8")
    print("\n".join(changes) if changes else "no change")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
