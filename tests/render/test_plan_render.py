"""Renderers: golden outputs for the fixed scenario, summary lines, secrets, big plans.

Regenerate the goldens after an intended change with
`KAFKAFORM_UPDATE_GOLDEN=1 pytest tests/render/test_plan_render.py` and review the diff.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from kafkaform.core.actions import (
    AlterTopicConfigs,
    ConfigChange,
    CreateAcl,
    CreateTopic,
    PartitionMove,
    Plan,
    Reassign,
)
from kafkaform.core.model import AclBinding, AclOperation, PatternType, ResourceType
from kafkaform.core.problems import Problem
from kafkaform.core.summary import NO_CHANGES, PlanSummary, ReplicaMoves
from kafkaform.core.wording import config_change_line, human_duration
from kafkaform.render.json import render_json
from kafkaform.render.markdown import GITHUB_COMMENT_LIMIT, render_markdown
from kafkaform.render.text import print_plan, render_text
from tests.support.scenario import SECRET, scenario_plan

GOLDEN = Path(__file__).parent / "golden"
RENDERERS = {"plan.txt": render_text, "plan.json": render_json, "plan.md": render_markdown}


@pytest.mark.parametrize("name", RENDERERS)
def test_golden_output(name):
    rendered = RENDERERS[name](scenario_plan())
    golden = GOLDEN / name
    if os.environ.get("KAFKAFORM_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")


def empty_plan(**kwargs) -> Plan:
    return Plan("dev", "c1", "sha256:" + "0" * 64, "sha256:" + "1" * 64, **kwargs)


def reassign(moves: int) -> Reassign:
    return Reassign("t", tuple(PartitionMove(p, (1, 2), (1, 3)) for p in range(moves)))


@pytest.mark.parametrize(
    ("actions", "line"),
    [
        ((), NO_CHANGES),
        ((CreateTopic("a", 1, 1), CreateTopic("b", 1, 1), CreateTopic("c", 1, 1),
          AlterTopicConfigs("d", (ConfigChange("k", "1", "2"),)),
          AlterTopicConfigs("e", (ConfigChange("k", "1", "2"),)), reassign(24)),
         "Plan: 3 to create, 2 to change, 0 to destroy, 1 reassignment (24 replica moves)."),
        ((reassign(1), Reassign("u", reassign(2).moves)),
         "Plan: 0 to create, 0 to change, 0 to destroy, 2 reassignments (3 replica moves)."),
    ],
)
def test_summary_line(actions, line):
    plan = empty_plan(actions=actions)
    assert PlanSummary.of(plan).line() == line
    assert render_text(plan).rstrip().endswith(line)


def test_no_changes_is_said_plainly():
    assert render_text(empty_plan()).splitlines()[-1] == (
        "No changes. The cluster matches the desired state.")


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (ConfigChange("retention.ms", "86400000", None, "604800000"),
         "~ retention.ms: 86400000 → (default 604800000)"),
        (ConfigChange("retention.ms", "86400000", None), "~ retention.ms: 86400000 → (default)"),
        (ConfigChange("retention.ms", "1", "2"), "~ retention.ms: 1 → 2"),
        (ConfigChange("retention.ms", None, "2"), "+ retention.ms: 2"),
    ],
)
def test_config_change_lines(change, line):
    assert config_change_line(change) == line


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (ConfigChange("retention.ms", "604800000", "86400000"),
         "~ retention.ms: 604800000 (7d) → 86400000 (1d)"),
        (ConfigChange("retention.ms", "86400000", None, "604800000"),
         "~ retention.ms: 86400000 (1d) → (default 604800000 (7d))"),
        (ConfigChange("retention.ms", "1500", None), "~ retention.ms: 1500 → (default)"),
        (ConfigChange("segment.bytes", None, "1073741824"),
         "+ segment.bytes: 1073741824 (1GiB)"),
        (ConfigChange("log.retention.ms", "604800000", "3600000"),
         "~ log.retention.ms: 604800000 (7d) → 3600000 (1h)"),
        # nothing new to say: -1, numbers not exact in a unit, plain counts,
        # booleans, enums and lists stay as Kafka has them
        (ConfigChange("retention.ms", "-1", "0"), "~ retention.ms: -1 → 0"),
        (ConfigChange("max.message.bytes", "1048588", "1048576"),
         "~ max.message.bytes: 1048588 → 1048576 (1MiB)"),
        (ConfigChange("min.insync.replicas", "1", "2"), "~ min.insync.replicas: 1 → 2"),
        (ConfigChange("unclean.leader.election.enable", None, "false"),
         "+ unclean.leader.election.enable: false"),
        (ConfigChange("cleanup.policy", "delete", "compact,delete"),
         "~ cleanup.policy: delete → compact,delete"),
        (ConfigChange("no.such.config", None, "604800000"), "+ no.such.config: 604800000"),
    ],
)
def test_plan_config_lines_add_the_exact_unit_form_after_the_kafka_value(change, line):
    assert config_change_line(change, human=True) == line


def test_created_topic_configs_show_the_unit_form_too():
    plan = empty_plan(actions=(CreateTopic("t", 1, 1, {"segment.bytes": "1073741824",
                                                       "retention.ms": "1500"}),))
    text = render_text(plan)
    assert "    + retention.ms: 1500\n    + segment.bytes: 1073741824 (1GiB)\n" in text
    assert "1073741824 (1GiB)" in render_markdown(plan)
    assert '"1073741824"' in render_json(plan) and "1GiB" not in render_json(plan)


def test_reassign_shows_partitions_leaders_and_broker_counts():
    action = Reassign("t", (PartitionMove(0, (1, 2), (3, 2)), PartitionMove(1, (2, 1), (2, 3))))
    text = render_text(empty_plan(actions=(action,)))
    assert "± partition 0: [1, 2] → [3, 2]  +3  -1  leader 1 → 3" in text
    assert "± partition 1: [2, 1] → [2, 3]  +3  -1\n" in text
    assert ("# replicas per broker (moving partitions), before → at peak → after: "
            "1: 2 → 2 → 0, 2: 2 → 2 → 2, 3: 0 → 2 → 2\n") in text


def test_colour_only_when_asked():
    plan = empty_plan(actions=(CreateTopic("a", 1, 1),))
    plain, coloured = io.StringIO(), io.StringIO()
    print_plan(plan, plain, color=False)
    print_plan(plan, coloured, color=True)
    assert plain.getvalue() == render_text(plan) and "\x1b[" not in plain.getvalue()
    assert "\x1b[" in coloured.getvalue()


def test_errors_are_rendered_in_every_format():
    plan = empty_plan(errors=(Problem("t.yaml", 3, "topics[a].partitions", "cannot shrink"),))
    for render in RENDERERS.values():
        assert "cannot shrink" in render(plan)
    assert "> [!CAUTION]" in render_markdown(plan)


@pytest.mark.parametrize("render", RENDERERS.values(), ids=RENDERERS)
def test_secrets_never_appear(render):
    """The scenario has a client sasl.password and sensitive broker/topic configs."""
    output = render(scenario_plan())
    assert SECRET not in output
    assert "sasl.password" not in output and "ssl.secret" not in output


def big_plan(topics: int) -> Plan:
    binding = AclBinding("User:x", ResourceType.TOPIC, "t", PatternType.LITERAL,
                         AclOperation.READ)
    actions = [CreateTopic(f"topic.{i:05}", 12, 3, {"retention.ms": "1000"}, reason="new")
               for i in range(topics)]
    actions += [Reassign(f"moved.{i:05}", tuple(PartitionMove(p, (1, 2, 3), (4, 5, 6))
                                               for p in range(60))) for i in range(topics // 10)]
    actions.append(CreateAcl(binding))
    warnings = tuple(Problem(None, None, "x", f"warning {i}") for i in range(100))
    return empty_plan(actions=tuple(actions), warnings=warnings)


@pytest.mark.parametrize("topics", [500, 5000])
def test_markdown_stays_under_the_comment_limit_and_counts_what_it_cuts(topics):
    text = render_markdown(big_plan(topics))
    assert len(text) < GITHUB_COMMENT_LIMIT
    assert f"Plan: {topics + 1} to create" in text
    assert "more resources not shown in detail" in text
    assert "… and 75 more" in text  # warnings beyond the first 25
    assert text.count("<details>") == text.count("</details>")
    assert "more lines" in text  # a 60-partition reassignment is cut


def test_small_markdown_plan_is_not_cut():
    text = render_markdown(scenario_plan())
    assert "not shown" not in text and "more lines" not in text


# --- replica moves: bytes and time -------------------------------------------
def sized(topic: str, *moves: tuple[tuple[int, ...], tuple[int, ...], int | None],
          throttle: int | None = 10) -> Reassign:
    return Reassign(topic, tuple(PartitionMove(p, before, after, size_bytes=size)
                                 for p, (before, after, size) in enumerate(moves)),
                    throttle_bytes_per_sec=throttle)


@pytest.mark.parametrize(
    ("actions", "line"),
    [
        # the leader sends each new replica: broker 1 sends 2 × 100 B
        ((sized("t", ((1,), (1, 2, 3), 100)),),
         "Replica moves: 2 in 1 topic, 200 B to copy: at least 20s at 10 B/s per broker "
         "(broker 1 sends the most, 200 B)."),
        # receiving 150 B is the bottleneck, not sending 100 B twice over two leaders
        ((sized("t", ((1, 2), (1, 3), 100)), sized("u", ((2, 4), (2, 3), 50))),
         "Replica moves: 2 in 2 topics, 150 B to copy: at least 15s at 10 B/s per broker "
         "(broker 3 receives the most, 150 B)."),
        ((sized("t", ((1, 2), (1, 3), 100), throttle=0),),
         "Replica moves: 1 in 1 topic, 100 B to copy, unthrottled (as fast as the brokers can "
         "copy)."),
        ((sized("t", ((1, 2), (1, 3), 100), ((2, 3), (2, 4), None)),),
         "Replica moves: 2 in 1 topic; bytes to copy unknown (the brokers did not report "
         "log-dir sizes)."),
        # a leader reorder copies nothing, so its unknown size does not matter
        ((sized("t", ((1, 2), (1, 3), 100), ((2, 3), (3, 2), None)),),
         "Replica moves: 1 in 1 topic, 100 B to copy: at least 10s at 10 B/s per broker "
         "(broker 1 sends the most, 100 B)."),
    ],
)
def test_replica_moves_line_totals_bytes_and_the_time_the_busiest_broker_needs(actions, line):
    assert ReplicaMoves.of(actions).line() == line
    assert line in render_text(empty_plan(actions=actions))


def test_several_topics_moving_also_show_the_per_broker_counts_of_the_whole_plan():
    actions = (sized("t", ((1, 2), (1, 3), 1)), sized("u", ((1, 2), (2, 3), 1)))
    text = render_text(empty_plan(actions=actions))
    assert ("    # replicas per broker (moving partitions), before → at peak → after: "
            "1: 2 → 2 → 1, 2: 2 → 2 → 1, 3: 0 → 2 → 2\nPlan:") in text


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (0.2, "1s"), (59, "59s"), (61.44, "1m 2s"), (3600, "1h"), (3725, "1h 2m"),
    (2 * 86400 + 3 * 3600 + 59, "2d 3h"),
])
def test_durations_read_in_two_units_at_most(seconds, text):
    assert human_duration(seconds) == text


def test_a_plan_with_errors_never_says_the_cluster_matches():
    """The refusal list used to end in "No changes. The cluster matches the desired state."."""
    refused = empty_plan(errors=(Problem("t.yaml", 3, "topics[a].partitions", "cannot shrink"),))

    text = render_text(refused)
    markdown = render_markdown(refused)

    assert "matches" not in text and "matches" not in markdown
    assert text.splitlines()[-1] == (
        "No changes can be planned until the error is fixed: this plan cannot be applied.")


def test_kept_resources_are_listed_and_counted():
    binding = AclBinding("User:app", ResourceType.TOPIC, "orders.old", PatternType.LITERAL,
                         AclOperation.READ)
    plan = empty_plan(kept_topics=("orders.old",), kept_acls=(binding,))

    text = render_text(plan).splitlines()
    markdown = render_markdown(plan)
    saved = render_json(plan)

    assert text[-1] == ("No changes. Kept on the cluster although not in the files, because "
                        "deletion is off: 1 topic, 1 ACL binding.")
    assert "  = topic orders.old" in text
    assert f"  = ACL {binding.describe()}" in text
    assert "orders.old" in markdown and "deletion is off" in markdown
    assert '"kept"' in saved and '"orders.old"' in saved
