"""kafkaform stopped by a signal while it waits on a cluster."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import pytest


@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_sigterm_stops_as_ctrl_c_does(tmp_path, sent, code):
    """SIGTERM (a CI job cancelled or timed out) unwinds like Ctrl-C, so `finally`
    blocks run (the apply lock is released), instead of Python's instant death."""
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        (tmp_path / "environment.yaml").write_text(
            "kind: Environment\nname: signals\n"
            f"cluster: {{bootstrap: '127.0.0.1:{silent.getsockname()[1]}', timeoutSeconds: 60}}\n")
        waiting = subprocess.Popen([sys.executable, "-m", "kafkaform", "plan", str(tmp_path)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        silent.settimeout(60)
        connection, _ = silent.accept()  # kafkaform is up and waits for an answer
        with connection:
            time.sleep(0.5)
            waiting.send_signal(sent)
            _, stderr = waiting.communicate(timeout=30)
    assert waiting.returncode == code, stderr
    assert "Traceback" not in stderr
