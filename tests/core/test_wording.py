import pytest

from kafkaform.core.wording import listed, plural


@pytest.mark.parametrize(("count", "expected"), [(0, "0 topics"), (1, "1 topic"), (2, "2 topics")])
def test_plural(count, expected):
    assert plural(count, "topic") == expected


@pytest.mark.parametrize(("items", "expected"), [
    ([], ""),
    (["a-0", "a-1"], "a-0, a-1"),
    ([f"t-{i}" for i in range(5)], "t-0, t-1, t-2, t-3, t-4"),
    ([f"t-{i}" for i in range(7)], "t-0, t-1, t-2, t-3, t-4 and 2 more"),
])
def test_listed_names_a_few_then_counts_the_rest(items, expected):
    assert listed(items) == expected
