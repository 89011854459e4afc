"""`kafkaform validate` output on broken folders, compared line by line (bad/typos:
a misspelt key no longer hides the other problems, and names the key meant).

Each folder under bad/ holds files with known problems and expected.txt, the
exact report (problems then the summary line) validate prints for it.
"""

from pathlib import Path

import pytest

from kafkaform.cli.commands.validate import report
from kafkaform.files.validate import validate_environment

HERE = Path(__file__).parent
CASES = sorted(
    str(p.parent.relative_to(HERE)) for p in (HERE / "bad").rglob("expected.txt")
)


@pytest.mark.parametrize("case", CASES)
def test_validate_output(case, monkeypatch):
    monkeypatch.chdir(HERE)  # file names in the output are relative to here
    result = validate_environment(Path(case), environ={})
    expected = (HERE / case / "expected.txt").read_text().splitlines()
    assert report(result) == expected
    assert not result.ok
    assert result.desired is None


def test_every_case_is_covered():
    assert len(CASES) == 7
