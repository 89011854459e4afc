"""Saved plans: JSON round trip, schema validation, one-line errors."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace

import pytest

from kafkaform.core.actions import PartitionMove, Reassign, action_to_dict
from kafkaform.errors import KafkaformError
from kafkaform.files import planfile
from kafkaform.files.planfile import load_plan, plan_to_dict, save_plan
from tests.support.scenario import scenario_plan


def test_round_trip_keeps_every_action_and_the_summary(tmp_path):
    plan = scenario_plan()
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    loaded = load_plan(path)
    assert loaded == plan
    assert loaded.observed_summary == plan.observed_summary
    assert json.loads(path.read_text()) == plan_to_dict(loaded)
    save_plan(loaded, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == path.read_bytes()


def test_indented_but_a_record_of_plain_values_is_one_line(tmp_path):
    moves = tuple(PartitionMove(p, (1, 2), (1, 2, 3)) for p in range(50))
    plan = replace(scenario_plan(), actions=(Reassign("orders", moves, "rf"),))
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    lines = path.read_text().splitlines()
    # Laid out as `json.dumps(indent=2, sort_keys=True)` would ...
    assert lines[:4] == ["{", '  "actions": [', "    {", '      "moves": [']
    # ... but each move is one line: 50 lines, where indented they were 700.
    assert lines[4] == ('        {"after": [1, 2, 3], "before": [1, 2], "in_flight": false, '
                        '"partition": 0, "size_bytes": null},')
    assert lines[54] == "      ],"
    summary = next(line for line in lines if line.startswith('  "summary": '))
    assert summary.endswith('"replica_moves": 50},')  # a record too


@pytest.mark.parametrize("c_encoder", [True, False], ids=["json's C encoder", "without it"])
def test_a_one_line_record_is_exactly_what_json_encodes(monkeypatch, c_encoder):
    """The prebuilt C encoder (or the plain one without json's C extension)
    writes a record byte for byte as `JSONEncoder(sort_keys=True,
    ensure_ascii=False).encode` does: keys sorted, non-ASCII kept, floats,
    escapes, nulls and nested lists alike."""
    if not c_encoder:
        monkeypatch.setattr(planfile, "_C_ONE_LINE", None)
    values = [
        {"z": 1, "a": [3, 1], "m": None, "b": True, "f": 0.1, "s": "é\"\n\t€", "e": []},
        [1, "x", None, False, [2.5, "y"]],
        "orders.créé",
        {},
    ]
    encoder = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
    for value in values:
        assert planfile._one_line(value) == encoder.encode(value)


def test_action_dicts_are_what_dataclasses_asdict_gives():
    """The hand-made dict of a move (the fast path) keeps up with PartitionMove's fields."""
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return [plain(v) for v in value] if isinstance(value, list | tuple) else value

    moves = (PartitionMove(0, (1, 2), (1, 2, 3), in_flight=True, size_bytes=7),)
    actions = (*scenario_plan().actions, Reassign("orders", moves, "rf", 1000))
    for action in actions:
        expected = {"type": action.kind, **plain(dataclasses.asdict(action))}
        if expected.get("after_moves") is False:
            del expected["after_moves"]
        assert action_to_dict(action) == expected


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["actions"][1].pop("topic"), "actions.1: 'topic' is a required property"),
        (lambda d: d["actions"][0].update(type="explode"), "actions.0.type: 'explode' is not one"),
        (lambda d: d.update(observed_fingerprint="abc"), "observed_fingerprint: 'abc' does not"),
        (lambda d: d.update(version=7), "plan format version 7 is not supported"),
    ],
)
def test_invalid_plans_are_refused_in_one_line(tmp_path, mutate, message):
    data = plan_to_dict(scenario_plan())
    mutate(data)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    with pytest.raises(KafkaformError) as error:
        load_plan(path)
    assert str(error.value).startswith(str(path))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_not_json_is_one_line(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text("{\n oops")
    with pytest.raises(KafkaformError, match=r"plan.json:2: not a kafkaform plan"):
        load_plan(path)


def test_moves_in_flight_round_trip_and_older_files_without_the_flag_load(tmp_path):
    moves = (PartitionMove(0, (1, 2), (1, 2, 3), in_flight=True),
             PartitionMove(1, (2, 3), (2, 3, 1)))
    plan = replace(scenario_plan(), actions=(Reassign("orders", moves, "rf"),))
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    assert load_plan(path).actions == plan.actions

    data = json.loads(path.read_text())
    for move in data["actions"][0]["moves"]:
        del move["in_flight"]
    path.write_text(json.dumps(data))
    assert not any(m.in_flight for m in load_plan(path).actions[0].moves)
