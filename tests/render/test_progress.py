"""Reporters: plain timestamped lines for CI, rich on a terminal."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from rich.console import Console

from kafkaform.render.progress import PlainReporter, RichReporter, make_reporter
from kafkaform.run.events import RecordingReporter, Status, SummaryRow

ROWS = [
    SummaryRow(Status.DONE, "create topic a (1 partition, RF 3)"),
    SummaryRow(Status.FAILED, "create topic b (1 partition, RF 3)", "POLICY_VIOLATION"),
    SummaryRow(Status.NOT_ATTEMPTED, "topic b configs: retention.ms: 1000", "depends on b"),
]


def rich_reporter() -> tuple[RichReporter, io.StringIO]:
    out = io.StringIO()
    return RichReporter(Console(file=out, force_terminal=True, width=120)), out


def test_plain_reporter_writes_one_timestamped_line_per_event_each_action_once():
    out = io.StringIO()
    reporter = PlainReporter(out, clock=lambda: datetime(2024, 5, 1, 12, 0, 7, tzinfo=UTC))

    reporter.phase_started("create topics", 2)
    reporter.action_finished(ROWS[0].action, Status.DONE)
    reporter.action_finished(ROWS[1].action, Status.FAILED, "POLICY_VIOLATION")
    reporter.warning("retrying")
    reporter.summary([*ROWS, SummaryRow(Status.FAILED, "verify: topic c is still planned",
                                        "did not converge")])

    assert out.getvalue().splitlines() == [
        "2024-05-01T12:00:07Z create topics: 2 actions",
        "2024-05-01T12:00:07Z   done: create topic a (1 partition, RF 3)",
        "2024-05-01T12:00:07Z   failed: create topic b (1 partition, RF 3) (POLICY_VIOLATION)",
        "2024-05-01T12:00:07Z warning: retrying",
        "",
        "not attempted  topic b configs: retention.ms: 1000  (depends on b)",
        "failed         verify: topic c is still planned  (did not converge)",
        "1 done, 2 failed, 1 not attempted",
    ]


def test_a_non_terminal_apply_lists_each_action_once(tmp_path):
    """The real executor's events through the plain reporter: no action twice."""
    from kafkaform.cluster.memory import MemoryCluster
    from kafkaform.core.model import DesiredState, TopicSpec
    from kafkaform.core.planner import plan
    from kafkaform.run.apply import apply_plan
    from kafkaform.run.observe import observe

    cluster = MemoryCluster(3)
    desired = DesiredState("t", topics={n: TopicSpec(n, 1, 3) for n in ("a", "b", "c")})
    out = io.StringIO()
    apply_plan(plan(desired, observe(cluster)), cluster, reporter=PlainReporter(out),
               desired=desired)
    for name in ("a", "b", "c"):
        assert out.getvalue().count(f"create topic {name} ") == 1, out.getvalue()


def test_rich_reporter_shows_progress_and_the_result_table():
    reporter, out = rich_reporter()

    reporter.phase_started("create topics", 1)
    reporter.action_finished("create topic a", Status.DONE)
    reporter.phase_finished()
    reporter.summary(ROWS)

    text = out.getvalue()
    assert "create topics" in text and "Apply result" in text
    assert "POLICY_VIOLATION" in text and "1 done, 1 failed, 1 not attempted" in text


def test_make_reporter_is_plain_when_not_a_terminal():
    assert isinstance(make_reporter(io.StringIO()), PlainReporter)


def test_plain_progress_is_a_line_per_count_change_and_otherwise_one_per_interval():
    out = io.StringIO()
    now = [datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)]
    reporter = PlainReporter(out, clock=lambda: now[0], progress_every=timedelta(seconds=30))

    for seconds, done, detail in [(0, 0, "2 moving"), (5, 0, "2 moving, 1 MiB copied"),
                                  (10, 1, "1 moving"), (35, 1, "1 moving, 3 MiB copied"),
                                  (41, 1, "1 moving, 4 MiB copied"), (45, 2, "0 moving")]:
        now[0] = datetime(2024, 5, 1, 12, 0, seconds, tzinfo=UTC)
        reporter.progress(done, 2, detail)

    assert out.getvalue().splitlines() == [
        "2024-05-01T12:00:00Z   0/2 2 moving",
        "2024-05-01T12:00:10Z   1/2 1 moving",
        "2024-05-01T12:00:41Z   1/2 1 moving, 4 MiB copied",
        "2024-05-01T12:00:45Z   2/2 0 moving",
    ]


def test_rich_progress_is_a_second_bar_within_the_phase():
    reporter, out = rich_reporter()

    reporter.progress(0, 6, "outside any phase: not shown")
    reporter.phase_started("reassign partitions", 1)
    reporter.progress(2, 6, "partitions done, 2 moving, 2 waiting")
    reporter.progress(6, 6, "partitions done, 0 moving, 0 waiting")
    reporter.phase_finished()

    text = out.getvalue()
    assert "6/6" in text and "partitions done, 0 moving, 0 waiting" in text
    assert "outside any phase" not in text


def test_recording_reporter_keeps_progress_events():
    reporter = RecordingReporter()
    reporter.progress(1, 3, "moving")
    assert reporter.events == [("progress", 1, 3, "moving")]
