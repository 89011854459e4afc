import pytest

from kafkaform.core.wording import listed, plural


@pytest.mark.parametrize(("count", "expected"), [(0, "0 topics"), (1, "1 topic"), (2, "2 topics")])
def test_plural(count, expected):
    assert plural(count, "topic") == expected


def test_plural_takes_the_irregular_form():
    assert plural(1, "batch", "batches") == "1 batch"
    assert plural(2, "replica copy", "replica copies") == "2 replica copies"


def test_no_count_is_written_as_a_maybe_plural():
    """One plural() for every count: no "topic(s)", "partition(s)" in kafkaform's words
    (the in-memory cluster quotes Kafka's own messages, which do)."""
    import re
    from pathlib import Path

    package = Path(__file__).parents[2] / "kafkaform"
    maybe = re.compile(r"[\"'][^\"']*\w\((s|es|ies)\)")  # within a string
    found = [f"{path}:{n}" for path in package.rglob("*.py") if path.name != "memory.py"
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if maybe.search(line) and not line.lstrip().startswith("#")]
    assert found == []


@pytest.mark.parametrize(("items", "expected"), [
    ([], ""),
    (["a-0", "a-1"], "a-0, a-1"),
    ([f"t-{i}" for i in range(5)], "t-0, t-1, t-2, t-3, t-4"),
    ([f"t-{i}" for i in range(7)], "t-0, t-1, t-2, t-3, t-4 and 2 more"),
])
def test_listed_names_a_few_then_counts_the_rest(items, expected):
    assert listed(items) == expected
