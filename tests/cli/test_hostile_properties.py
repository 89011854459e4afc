"""`--command-config` files that are not what they should be: one `file:line:` error, exit 1.

The real connection code reads them (no Runtime stand-in): each is refused
before anything is sent, so the bootstrap address here answers nothing.
"""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from kafkaform.cli import app, main
from kafkaform.run.connect import MAX_PROPERTIES_BYTES

ENVIRONMENT = ("kind: Environment\nname: test\n"
               "cluster: {bootstrap: '127.0.0.1:1', timeoutSeconds: 1}\n")

HOSTILE = {
    "a producer setting": (b"security.protocol=PLAINTEXT\nlinger.ms=900000\n", 2,
                           "linger.ms: a producer setting, which an admin client does not take"),
    "a consumer setting": (b"group.id=ops\n", 1,
                           "group.id: a consumer setting, which an admin client does not take"),
    "not UTF-8": (b"client.id=kafkaform\nsasl.password=caf\xe9\n", 2,
                  "not UTF-8 text: byte 0xe9 at column 18"),
    "a key alone": (b"security.protocol=SSL\njust-a-word\n", 2,
                    "expected key=value, got 'just-a-word'"),
    "no key": (b"=value\n", 1, "expected key=value, got '=value'"),
    "too big": (b"#" * (MAX_PROPERTIES_BYTES + 1), 1, "larger than 1.0 MiB, the most"),
    "a property no client knows": (b"client.id=x\nfoo.bar=1\n", 2,
                                   "foo.bar: No such configuration property"),
    "a value the client refuses": (b"security.protocol=pigeon\n", 1,
                                   'security.protocol: Invalid value "pigeon" for configuration'),
    "a NUL in a key": (b"client\x00id=x\n", 1, "client\\x00id: No such configuration property"),
    "a huge key": (b"k" * 100_000 + b"=1\n", 1, "(99,800 more characters)"),
}


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_properties_file_is_one_line_and_exit_1(tmp_path, case, command, monkeypatch,
                                                          capsys):
    content, line, words = HOSTILE[case]
    env = tmp_path / "env"
    env.mkdir()
    (env / "environment.yaml").write_text(ENVIRONMENT)
    properties = tmp_path / "client.properties"
    properties.write_bytes(content)
    extra = ["--auto-approve"] if command == "apply" else []
    monkeypatch.setattr(sys, "argv", ["kafkaform", command, str(env), "--command-config",
                                      str(properties), *extra])

    with pytest.raises(SystemExit) as exit_:
        main()  # the real entry point: errors become one line there

    assert exit_.value.code == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {properties}:{line}: "), lines[0][:300]
    assert words in lines[0]
    assert len(lines[0]) < 1000


def test_a_producer_setting_in_cluster_client_is_a_validation_error(tmp_path):
    env = tmp_path / "env"
    env.mkdir()
    (env / "environment.yaml").write_text(
        "kind: Environment\nname: test\n"
        "cluster:\n  bootstrap: 127.0.0.1:1\n  client:\n    linger.ms: 900000\n")

    result = CliRunner().invoke(app, ["validate", str(env)])

    assert result.exit_code == 3
    assert result.output.splitlines()[0] == (
        f"{env}/environment.yaml:6: cluster.client.linger.ms: a producer setting, which an "
        "admin client does not take (kafkaform connects as an admin client only): remove it, "
        "or give kafkaform a properties file of its own")
