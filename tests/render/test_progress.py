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


def test_plain_reporter_writes_one_timestamped_line_per_event_and_a_table():
    out = io.StringIO()
    reporter = PlainReporter(out, clock=lambda: datetime(2024, 5, 1, 12, 0, 7, tzinfo=UTC))

    reporter.phase_started("create topics", 2)
    reporter.action_finished("create topic a", Status.DONE)
    reporter.action_finished("create topic b", Status.FAILED, "POLICY_VIOLATION")
    reporter.warning("retrying")
    reporter.summary(ROWS)

    assert out.getvalue().splitlines() == [
        "2024-05-01T12:00:07Z create topics: 2 actions",
        "2024-05-01T12:00:07Z   done: create topic a",
        "2024-05-01T12:00:07Z   failed: create topic b (POLICY_VIOLATION)",
        "2024-05-01T12:00:07Z warning: retrying",
        "",
        "done           create topic a (1 partition, RF 3)",
        "failed         create topic b (1 partition, RF 3)  (POLICY_VIOLATION)",
        "not attempted  topic b configs: retention.ms: 1000  (depends on b)",
        "1 done, 1 failed, 0 outcome unknown, 1 not attempted",
    ]


def test_rich_reporter_shows_progress_and_the_result_table():
    reporter, out = rich_reporter()

    reporter.phase_started("create topics", 1)
    reporter.action_finished("create topic a", Status.DONE)
    reporter.phase_finished()
    reporter.summary(ROWS)

    text = out.getvalue()
    assert "create topics" in text and "Apply result" in text
    assert "POLICY_VIOLATION" in text
    assert "1 done, 1 failed, 0 outcome unknown, 1 not attempted" in text


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
