"""The static assignment check, on hand-written cases."""

import pytest

from kafkaform.core.placement import static_assignment

NO_RACKS_3 = {1: None, 2: None, 3: None}


def test_static_assignment_returns_a_copy():
    given = [[1, 2], [2, 3]]
    result = static_assignment(given, NO_RACKS_3)
    assert result == given
    assert result[0] is not given[0]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ([[1, 7]], r"partition 0: unknown broker 7; brokers are"),
        ([[1, 2], [2, 2]], "partition 1: a broker appears twice"),
        ([[1, 2], [3]], "partition 1: 1 replicas, but partition 0 has 2"),
        ([[]], "partition 0: no replicas"),
    ],
)
def test_static_assignment_rejects(given, message):
    with pytest.raises(ValueError, match=message):
        static_assignment(given, NO_RACKS_3)
