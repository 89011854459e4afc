"""tools/config_catalog.py's derivation on made-up dumps, and the catalog's helpers.

The real derivation needs Kafka's jars (minutes, Maven); these pin its rules:
line tags, backports, earlier definitions, and the JSON layout it writes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from kafkaform.core.kafka_configs import TOPIC_CONFIGS, ConfigDef, available_in, default_in

TOOL = Path(__file__).resolve().parents[2] / "tools" / "config_catalog.py"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("config_catalog", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _key(name, default="1", low=0, internal=False):
    return {"name": name, "type": "long", "default": default, "min": low, "max": None,
            "internal": internal, "synonym": None}


@pytest.fixture
def lines(tool, monkeypatch):
    """Four lines; `keys(release)` answers from RELEASES."""
    monkeypatch.setattr(tool, "LINES", {
        "1.0": ("1.0.0", "1.0.1"), "1.1": ("1.1.0", "1.1.1", "1.1.2"),
        "1.2": ("1.2.0", "1.2.1"), "1.3": ("1.3.0",),
    })
    releases = {
        "1.0.0": [_key("old"), _key("shy")],
        "1.0.1": [_key("old"), _key("shy", internal=True)],
        "1.1.0": [_key("old"), _key("changed", default="5", low=-1)],
        "1.1.1": [_key("old"), _key("changed", default="5", low=-1)],
        "1.1.2": [_key("old"), _key("changed", default="5", low=-1), _key("late")],
        "1.2.0": [_key("changed", default="5")],
        "1.2.1": [_key("changed", default="5")],
        "1.3.0": [_key("changed", default="7"), _key("late")],
    }

    def keys(release):
        return {key["name"]: key for key in releases[release] if not key["internal"]}

    return keys


def test_since_removed_and_backports_come_from_whole_lines(tool, lines):
    warnings = []
    assert tool.lifetime("old", lines, warnings) == ("1.0", "1.2", [], ["1.0", "1.1"])
    # In 1.1.2 (a patch release) and 1.3 but not 1.2: a backport, found by
    # reading the releases between the line's first and last.
    assert tool.lifetime("late", lines, warnings) == ("1.3", None, ["1.1.2"], ["1.3"])
    assert warnings == []


def test_a_config_a_patch_release_hid_again_follows_the_lines_last_release(tool, lines):
    warnings = []
    with pytest.raises(SystemExit, match="no line has it"):
        tool.lifetime("shy", lines, warnings)
    assert warnings == ["shy: in 1.0.0 but not in 1.0.1; tagged as the 1.0 line's last "
                        "release has it: absent"]


def test_earlier_records_what_older_lines_had_newest_change_first(tool, lines):
    assert tool.history_of("changed", lines, ["1.1", "1.2", "1.3"]) == [
        {"before": "1.3", "default": "5"},
        {"before": "1.2", "min": -1},
    ]


def test_ranges_are_read_from_validators_other_than_range(tool):
    gzip = {"name": "compression.gzip.level", "type": "int", "default": "-1",
            "validator": "[1,...,9] or -1"}
    assert tool.shape(gzip) == {"type": "int", "default": "-1", "min": 1, "max": 9,
                                "valid_values": None}


def test_the_json_is_laid_out_as_the_tool_writes_it(tool):
    """So `config_catalog.py --check` can compare the text, and a re-derivation
    shows only real changes in a diff."""
    text = tool.CATALOG.read_text(encoding="utf-8")
    assert tool.render(json.loads(text)) == text


def test_available_in_takes_lines_releases_and_backports():
    config = ConfigDef("x", "int", "1", since="4.4", backports=("4.2.2",))
    assert [available_in(config, v) for v in ("4.2", "4.2.1", "4.2.2", "4.2.3", "4.3.1",
                                                 "4.4", "4.4.0")] == [
        False, False, True, True, False, True, True]
    removed = ConfigDef("y", "int", "1", since="3.0", removed="4.0")
    assert [available_in(removed, v) for v in ("3.0", "3.9.2", "4.0", "4.0.0")] == [
        True, True, False, False]


def test_default_in_gives_an_older_lines_default():
    after = TOPIC_CONFIGS["message.timestamp.after.max.ms"]
    assert [default_in(after, v) for v in ("3.6", "3.9.2", "4.0", "4.4.0")] == [
        "9223372036854775807", "9223372036854775807", "3600000", "3600000"]
    assert default_in(TOPIC_CONFIGS["retention.ms"], "3.0") == "604800000"
