"""`kafkaform local-broker`: a local Kafka-protocol broker to try environments on.

`kafkaform demo` starts and stops its own broker; this keeps one running in
the foreground (in memory, loopback only) until Ctrl-C, so a newcomer can
validate, plan and apply their first environment against it.
"""

from __future__ import annotations

import signal
import threading

import typer

from kafkaform.cli.app import app


@app.command("local-broker")
def local_broker() -> None:
    """Run a local in-memory broker (Tansu) on loopback until Ctrl-C."""
    from kafkaform.cluster.local_tansu import LocalBroker

    stop = threading.Event()
    # Ctrl-C, or `kill PID`: either way the broker is stopped, never orphaned.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with LocalBroker() as broker:
        typer.echo(f"A local broker listens on {broker.bootstrap} (in memory; Ctrl-C stops it).")
        typer.echo("In another terminal:")
        typer.echo(f"  export KAFKA_BOOTSTRAP={broker.bootstrap}")
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        typer.echo("Stopping the local broker.")
