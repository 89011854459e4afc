"""`kafkaform local-broker` serves until Ctrl-C or SIGTERM, then stops its brokers."""

import os
import signal
import threading

from kafkaform.cli import _terminated
from kafkaform.cli.commands.local_broker import _serve


def test_sigterm_ends_serving_at_once_through_the_command_lines_own_handler(capsys):
    # The command had a handler of its own that set a threading.Event; SIGTERM
    # arriving while Event.wait held the event's lock deadlocked it now and
    # then (seen in CI: the installed local-broker ignored SIGTERM for 60 s).
    # Serving now takes SIGTERM as the interrupt main() makes of it.
    previous = signal.signal(signal.SIGTERM, _terminated)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        timer.start()
        _serve()
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous)
    assert capsys.readouterr().out == "Stopping the local broker.\n"
