"""Fixtures shared with other test folders (tests/support), and an environment folder."""

import pytest

from tests.support.reassign import cluster  # noqa: F401  (6 brokers, 3 racks, in memory)


@pytest.fixture
def env_folder(tmp_path):
    """env_folder(text) -> a folder `env` whose environment.yaml holds `text`."""

    def write(text: str):
        folder = tmp_path / "env"
        folder.mkdir()
        (folder / "environment.yaml").write_text(text)
        return folder

    return write
