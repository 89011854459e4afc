"""Saved plans: JSON round trip, schema validation, one-line errors."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace

import pytest

from kafkaform.core.actions import (
    PartitionMove,
    Reassign,
    action_to_dict,
    move_columns,
    moves_from_columns,
)
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
    assert lines[:4] == ["{", '  "actions": [', "    {", '      "moves": {']
    # ... but the moves are columns, each one line: 3 lines, where a move a line was 50.
    assert lines[4] == '        "after": [' + ", ".join(["[1, 2, 3]"] * 50) + "],"
    assert lines[5] == '        "before": [' + ", ".join(["[1, 2]"] * 50) + "],"
    assert lines[6] == '        "partition": [' + ", ".join(map(str, range(50))) + "]"
    assert lines[7] == "      },"
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
    """The hand-made dicts (a reassignment's moves as columns) keep up with the
    actions' fields: every field of every action, each move's in its columns."""
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return [plain(v) for v in value] if isinstance(value, list | tuple) else value

    moves = (PartitionMove(0, (1, 2), (1, 2, 3), in_flight=True, size_bytes=7),
             PartitionMove(3, (2, 3), (2, 3, 1)))
    actions = (*scenario_plan().actions, Reassign("orders", moves, "rf", 1000))
    for action in actions:
        expected = {"type": action.kind, **plain(dataclasses.asdict(action))}
        if expected.get("after_moves") is False:
            del expected["after_moves"]
        if isinstance(action, Reassign):
            rows = expected["moves"]
            columns = {key: [row[key] for row in rows] for key in rows[0]}
            defaults = {"in_flight": False, "size_bytes": None}
            expected["moves"] = {key: column for key, column in columns.items()
                                 if any(v != defaults.get(key, ()) for v in column)}
        assert action_to_dict(action) == expected


def test_moves_columns_round_trip_and_leave_out_what_no_move_has():
    """`in_flight` and `size_bytes` are written only when some move has them."""
    plain = (PartitionMove(0, (1, 2), (1, 2, 3)), PartitionMove(4, (3,), (1, 2)))
    assert move_columns(plain) == {"partition": [0, 4], "before": [[1, 2], [3]],
                                   "after": [[1, 2, 3], [1, 2]]}
    assert moves_from_columns(move_columns(plain)) == plain
    sized = (PartitionMove(0, (1,), (2,), size_bytes=0), PartitionMove(1, (1,), (2,)))
    assert move_columns(sized)["size_bytes"] == [0, None]
    assert "in_flight" not in move_columns(sized)
    assert moves_from_columns(move_columns(sized)) == sized


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["actions"][1].pop("topic"), "actions.1: 'topic' is a required property"),
        (lambda d: d["actions"][0].update(type="explode"), "actions.0.type: 'explode' is not one"),
        (lambda d: d.update(observed_fingerprint="abc"), "observed_fingerprint: 'abc' does not"),
        (lambda d: d.update(version=7), "plan format version 7 is not supported"),
        (lambda d: d.update(version=1), "plan format version 1 is not supported"),
        (lambda d: d["actions"][4]["moves"]["after"].append([1]),
         "actions.4.moves: the columns are of different lengths (after 2, before 1, "
         "partition 1, size_bytes 1)"),
        (lambda d: d["actions"][4]["moves"].update(before=[{"1": 2}]),
         "actions.4.moves.before.0: {'1': 2} is not of type 'array'"),
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


def test_moves_in_flight_round_trip_and_plans_without_the_column_load(tmp_path):
    moves = (PartitionMove(0, (1, 2), (1, 2, 3), in_flight=True),
             PartitionMove(1, (2, 3), (2, 3, 1)))
    plan = replace(scenario_plan(), actions=(Reassign("orders", moves, "rf"),))
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    assert load_plan(path).actions == plan.actions

    data = json.loads(path.read_text())
    assert data["actions"][0]["moves"]["in_flight"] == [True, False]
    del data["actions"][0]["moves"]["in_flight"]
    path.write_text(json.dumps(data))
    assert not any(m.in_flight for m in load_plan(path).actions[0].moves)


def test_the_plan_schema_is_checked_with_its_refs_inlined():
    """jsonschema resolves a `$ref` on every use: half the 43 CPU s a 10,000-action
    plan (ten moves each) took to load."""
    from kafkaform.files.planfile import _validator
    from kafkaform.files.snapshot import snapshot_validator

    assert "$ref" not in json.dumps(_validator().schema)
    assert "$ref" not in json.dumps(snapshot_validator().schema)
