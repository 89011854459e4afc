"""Kafka's topic-name rule (Topic.validate), at its edges."""

from __future__ import annotations

import pytest

from kafkaform.core.kafka_rules import (
    TopicNameFault,
    check_topic_name,
    topic_name_fault,
    topic_name_problem,
)
from kafkaform.errors import ClusterError


def test_the_longest_name_kafka_takes_is_249_characters():
    # Kafka's Topic.MAX_NAME_LENGTH: a partition's folder is NAME-PARTITION, and
    # with a deletion suffix it must stay within the file systems' 255 bytes.
    longest = "x" * 249
    assert topic_name_fault(longest) is None and topic_name_problem(longest) is None
    check_topic_name(longest)


@pytest.mark.parametrize("length", [250, 251, 255, 256])
def test_longer_names_are_refused_with_their_length(length):
    name = "x" * length
    assert topic_name_fault(name) is TopicNameFault.TOO_LONG
    assert topic_name_problem(name) == f"topic names are at most 249 characters ({length} here)"
    with pytest.raises(ClusterError, match="can't be longer than 249 characters") as refused:
        check_topic_name(name)
    assert refused.value.code == "INVALID_TOPIC_EXCEPTION"
