"""The example environments shipped in environments/ validate clean."""

from pathlib import Path

import pytest

from kafkaform.core.model import PlacementStrategy
from kafkaform.files.validate import validate_environment

ENVIRONMENTS = Path(__file__).parents[2] / "environments"
NAMES = sorted(p.name for p in ENVIRONMENTS.iterdir() if p.is_dir() and not p.name.startswith("_"))
SECRETS = {"KAFKA_PASSWORD": "secret"}


def test_the_three_environments_exist():
    assert NAMES == ["dev", "prod", "staging"]


@pytest.mark.parametrize("name", NAMES)
def test_validates_without_problems(name):
    result = validate_environment(ENVIRONMENTS / name, environ=SECRETS)
    assert [p.render() for p in result.problems] == []
    assert result.desired is not None and result.desired.topics


@pytest.mark.parametrize("name", NAMES)
def test_without_secrets_only_the_connection_warns(name):
    result = validate_environment(ENVIRONMENTS / name, environ={})
    assert result.ok
    assert all("commands that connect" in p.message for p in result.warnings)


@pytest.mark.parametrize("name", NAMES)
def test_every_file_declares_its_schema(name):
    for folder in (ENVIRONMENTS / name, ENVIRONMENTS / "_base"):
        for file in folder.glob("*.yaml"):
            first = next(line for line in file.read_text().splitlines()
                         if not line.startswith("#") or "$schema" in line)
            assert first.startswith("# yaml-language-server: $schema=../../schemas/"), file


def test_dev_fits_one_local_broker():
    desired = validate_environment(ENVIRONMENTS / "dev", environ={}).desired
    assert {t.replication_factor for t in desired.topics.values()} == {1}
    assert {t.configs["min.insync.replicas"] for t in desired.topics.values()} == {"1"}
    assert desired.acls == frozenset()  # the local broker has no working ACL API
    assert desired.broker_configs == {}
    assert 6 <= len(desired.topics) <= 8


def test_prod_is_highly_available():
    desired = validate_environment(ENVIRONMENTS / "prod", environ=SECRETS).desired
    for topic in desired.topics.values():
        assert topic.replication_factor == 3
        assert topic.configs["min.insync.replicas"] == "2"
        assert topic.placement is PlacementStrategy.RACK_SPREAD
    assert desired.broker_configs["unclean.leader.election.enable"] == "false"
    assert desired.topics["users.profiles"].configs["cleanup.policy"] == "compact"
    assert desired.topics["users.profiles"].keyed
    assert desired.topics["audit.events"].configs["retention.ms"] == str(365 * 86_400_000)
    assert desired.topics["orders.created"].partitions == 23  # ceil(600000/40000*1.5)
