"""Human config values -> Kafka's strings, and back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kafkaform.core.units import (
    humanize_config_value,
    normalize_config_value,
    parse_duration_ms,
    parse_size_bytes,
)


@pytest.mark.parametrize(
    ("raw", "ms"),
    [
        ("500ms", 500),
        ("30s", 30_000),
        ("15m", 900_000),
        ("12h", 43_200_000),
        ("7d", 604_800_000),
        ("1w", 604_800_000),
        ("1.5h", 5_400_000),
        (" 2 d ", 172_800_000),
        (250, 250),
        ("-1", -1),
    ],
)
def test_durations(raw, ms):
    assert parse_duration_ms(raw) == ms


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        ("512MB", 512_000_000),
        ("1kB", 1000),
        ("1KB", 1000),
        ("1GB", 1_000_000_000),
        ("1KiB", 1024),
        ("512MiB", 536_870_912),
        ("1GiB", 1_073_741_824),
        ("2TiB", 2 * 1024**4),
        ("100B", 100),
        (4096, 4096),
    ],
)
def test_sizes_si_and_iec(raw, size):
    assert parse_size_bytes(raw) == size


@pytest.mark.parametrize(
    ("name", "raw", "kafka"),
    [
        ("retention.ms", "7d", "604800000"),
        ("retention.ms", -1, "-1"),
        ("retention.ms", "-1", "-1"),
        ("local.retention.ms", -2, "-2"),
        ("segment.bytes", "1GiB", "1073741824"),
        ("retention.bytes", "512MB", "512000000"),
        ("unclean.leader.election.enable", False, "false"),
        ("unclean.leader.election.enable", "TRUE", "true"),
        ("min.insync.replicas", 2, "2"),
        ("min.insync.replicas", "2", "2"),
        ("min.cleanable.dirty.ratio", 0.5, "0.5"),
        ("cleanup.policy", ["compact", "delete"], "compact,delete"),
        ("cleanup.policy", "compact, delete", "compact,delete"),
        ("cleanup.policy", "compact", "compact"),
        ("compression.type", "zstd", "zstd"),
        ("compression.gzip.level", -1, "-1"),
        ("log.retention.ms", "3d", "259200000"),
        ("leader.replication.throttled.rate", "50MiB", "52428800"),
        ("some.unknown.config", True, "true"),
    ],
)
def test_normalize(name, raw, kafka):
    assert normalize_config_value(name, raw) == kafka


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        ("retention.ms", "7x", "unknown duration unit 'x'"),
        ("retention.ms", "0.5ms", "not a whole number of milliseconds"),
        ("retention.ms", "-2", "below the minimum -1"),
        ("retention.ms", True, "expected a duration"),
        ("segment.bytes", "4GiB", "above the maximum 2147483647"),
        ("segment.bytes", "7d", "unknown size unit 'd'"),
        ("min.insync.replicas", "two", "expected an integer"),
        ("min.insync.replicas", 0, "below the minimum 1"),
        ("cleanup.policy", "shred", "'shred' is not one of compact, delete"),
        ("cleanup.policy", ["compact", "compact"], "duplicate entries"),
        ("compression.type", "brotli", "not one of"),
        ("compression.gzip.level", 0, "below the minimum 1"),
        ("unclean.leader.election.enable", "maybe", "expected true or false"),
        ("min.cleanable.dirty.ratio", 1.5, "above the maximum 1"),
        ("retention.ms", None, "a value is required"),
    ],
)
def test_normalize_rejects(name, raw, reason):
    with pytest.raises(ValueError, match=reason):
        normalize_config_value(name, raw)


@pytest.mark.parametrize(
    ("name", "kafka", "human"),
    [
        ("retention.ms", "604800000", "7d"),
        ("retention.ms", "5400000", "90m"),
        ("retention.ms", "1500", 1500),
        ("retention.ms", "-1", -1),
        ("segment.bytes", "1073741824", "1GiB"),
        ("retention.bytes", "512000000", "512MB"),
        ("max.message.bytes", "1048588", 1048588),
        ("flush.messages", "9223372036854775807", 9223372036854775807),
        ("unclean.leader.election.enable", "true", True),
        ("cleanup.policy", "compact,delete", ["compact", "delete"]),
        ("cleanup.policy", "compact", "compact"),
        ("min.insync.replicas", "2", 2),
        ("unknown.config", "x", "x"),
    ],
)
def test_humanize_exact(name, kafka, human):
    assert humanize_config_value(name, kafka) == human


@given(st.integers(min_value=-1, max_value=2**63 - 1))
def test_durations_round_trip(ms):
    human = humanize_config_value("retention.ms", str(ms))
    assert normalize_config_value("retention.ms", human) == str(ms)


@given(st.integers(min_value=-1, max_value=2**63 - 1))
def test_sizes_round_trip(size):
    human = humanize_config_value("retention.bytes", str(size))
    assert normalize_config_value("retention.bytes", human) == str(size)


def test_equal_values_of_different_types_are_normalised_apart():
    # 1, 1.0 and True are equal (and hash alike), so a cache keyed on the
    # value alone would answer the first one's string for all three.
    assert [normalize_config_value("custom.setting", raw) for raw in (1, 1.0, True)] == [
        "1", "1.0", "true"]
    assert [normalize_config_value("preallocate", raw) for raw in (True, "true")] == [
        "true", "true"]
    with pytest.raises(ValueError, match="expected true or false"):
        normalize_config_value("preallocate", 1)


def test_a_rejected_value_is_rejected_every_time():
    for _ in range(2):
        with pytest.raises(ValueError, match="unknown duration unit"):
            normalize_config_value("retention.ms", "7 fortnights")
