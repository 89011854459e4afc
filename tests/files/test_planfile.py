"""Saved plans: JSON round trip, schema validation, one-line errors."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from kafkaform.core.actions import PartitionMove, Reassign
from kafkaform.errors import KafkaformError
from kafkaform.files.planfile import load_plan, plan_to_dict, save_plan
from tests.support.scenario import scenario_plan


def test_round_trip_keeps_every_action_and_the_summary(tmp_path):
    plan = scenario_plan()
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    loaded = load_plan(path)
    assert loaded == plan
    assert loaded.observed_summary == plan.observed_summary
    assert path.read_text() == json.dumps(plan_to_dict(loaded), sort_keys=True, indent=2,
                                          ensure_ascii=False) + "\n"


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
