"""`kafkaform local-broker` serves until Ctrl-C or SIGTERM, then stops its brokers."""

import os
import signal
import threading

import pytest
import typer

from kafkaform.cli import Terminated, _terminated
from kafkaform.cli.commands import local_broker as command


def test_sigterm_ends_serving_at_once_through_the_command_lines_own_handler(capsys):
    # The command had a handler of its own that set a threading.Event; SIGTERM
    # arriving while Event.wait held the event's lock deadlocked it now and
    # then (seen in CI: the installed local-broker ignored SIGTERM for 60 s).
    # Serving now takes SIGTERM as the interrupt main() makes of it.
    previous = signal.signal(signal.SIGTERM, _terminated)
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        timer.start()
        with command._serving():
            command._wait_forever()
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous)
    assert capsys.readouterr().out == "Stopping the local broker.\n"


class FakeBroker:
    bootstrap = "127.0.0.1:9092"
    stopped = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        FakeBroker.stopped = True


def test_sigterm_while_the_broker_is_announced_stops_it_and_exits_cleanly(monkeypatch, capsys):
    """The installed test sends SIGTERM once the first line is read: it used to
    land while the next lines were printed, outside the wait, and exit 143."""
    import kafkaform.cluster.local_tansu as local_tansu

    monkeypatch.setattr(local_tansu, "LocalBroker", FakeBroker)
    echo = typer.echo

    def interrupted_echo(message: str = "", **kwargs: object) -> None:
        if message.startswith("In another terminal"):
            raise Terminated()
        echo(message, **kwargs)

    monkeypatch.setattr(typer, "echo", interrupted_echo)

    try:
        command.local_broker(kafka=False)
    except KeyboardInterrupt:
        pytest.fail("the interrupt escaped the command: it would exit 143")

    assert FakeBroker.stopped
    assert capsys.readouterr().out.splitlines()[-1] == "Stopping the local broker."


def test_a_sigterm_whose_interrupt_was_lost_still_ends_the_wait(monkeypatch):
    """The installed command slept on after a SIGTERM whose exception was lost while
    it printed: the wait reads the handler's record too."""
    import kafkaform.cli as cli

    monkeypatch.setattr(cli, "_TERMINATED", [signal.SIGTERM])

    def slept_on(seconds: float) -> None:
        raise AssertionError("the wait slept on after SIGTERM")

    monkeypatch.setattr(command.time, "sleep", slept_on)
    with pytest.raises(KeyboardInterrupt):
        command._wait_forever()
