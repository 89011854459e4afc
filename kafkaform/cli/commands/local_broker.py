"""`kafkaform local-broker`: a local cluster to try environments on.

`kafkaform demo` starts and stops its own broker; this keeps one running in
the foreground (loopback only) until Ctrl-C or SIGTERM, so a newcomer can
validate, plan and apply their first environment against it. The default is
Tansu (in memory, no Java needed); `--kafka` starts real Apache Kafka from its
Maven jars: racked KRaft brokers with the authorizer, SCRAM and TLS listeners.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Annotated

import typer

from kafkaform.cli.app import app


@contextmanager
def _serving() -> Iterator[None]:
    """Ctrl-C or SIGTERM (`kafkaform.cli.main` turns it into an interrupt) ends
    the block: the broker's `with` around it then stops the brokers, never
    orphaned, and the command exits 0. The block covers the messages as well as
    the wait: a SIGTERM sent once the first line was read arrived while the
    others were printed, and exited 143 with the broker stopped unannounced.
    No handler of its own: one that set a threading.Event deadlocked now and
    then, when SIGTERM arrived while `Event.wait` held the event's lock, which
    `Event.set` in the handler then waited for forever."""
    with suppress(KeyboardInterrupt):
        yield
    typer.echo("Stopping the local broker.")


def _wait_forever() -> None:
    """Until an interrupt; also one whose exception was lost before the wait began
    (seen: the installed command slept on after a SIGTERM that landed while it
    printed, its handler run, nothing pending): the handler's record says so."""
    from kafkaform.cli import was_terminated

    while not was_terminated():
        time.sleep(0.2)
    raise KeyboardInterrupt


@app.command("local-broker")
def local_broker(
    kafka: Annotated[
        bool,
        typer.Option("--kafka", help="Apache Kafka (needs Java 17+ and Maven) instead of Tansu."),
    ] = False,
    brokers: Annotated[
        int, typer.Option("--brokers", min=1, max=9, help="With --kafka: how many brokers.")
    ] = 3,
    kafka_version: Annotated[
        str | None,
        typer.Option("--kafka-version", help="With --kafka: the Apache Kafka release to run."),
    ] = None,
    fetch_only: Annotated[
        bool,
        typer.Option("--fetch-only", help="With --kafka: fetch the jars into the cache and exit."),
    ] = False,
) -> None:
    """Run a local broker on loopback until Ctrl-C: Tansu, or Apache Kafka with --kafka."""
    if not kafka:
        from kafkaform.cluster.local_tansu import LocalBroker

        with LocalBroker() as broker, _serving():
            typer.echo(
                f"A local broker listens on {broker.bootstrap} (in memory; Ctrl-C stops it)."
            )
            typer.echo("In another terminal:")
            typer.echo(f"  export KAFKA_BOOTSTRAP={broker.bootstrap}")
            _wait_forever()
        return

    from kafkaform.cluster.local_kafka import (
        DEFAULT_KAFKA_VERSION,
        SUPER_USER,
        LocalKafka,
        kafka_jars,
    )
    from kafkaform.core.wording import plural

    version = kafka_version or DEFAULT_KAFKA_VERSION
    if fetch_only:
        typer.echo(f"Apache Kafka {version}'s jars are in {kafka_jars(version)}")
        return
    typer.echo(f"Starting Apache Kafka {version} ({plural(brokers, 'broker')}; the first start "
               "fetches its jars with Maven)...")
    with LocalKafka(brokers=brokers, version=version) as cluster, _serving():
        racks = ", ".join(f"{n.id}:{n.rack}" for n in cluster.nodes.values())
        typer.echo(f"A local broker listens on {cluster.bootstrap} "
                   f"(Apache Kafka {version}, brokers {racks}; Ctrl-C stops it).")
        typer.echo(f"  SASL/SCRAM-SHA-512: {cluster.sasl_bootstrap} "
                   f"--command-config {cluster.command_config('sasl', SUPER_USER)}")
        typer.echo(f"  SSL (client certificate): {cluster.ssl_bootstrap} "
                   f"--command-config {cluster.command_config('ssl')}")
        typer.echo("  Users without rights until an ACL grants some: "
                   + ", ".join(f"{user} ({cluster.command_config('sasl', user)})"
                               for user in ("alice", "bob")))
        typer.echo(f"  Data and logs: {cluster.workdir}")
        typer.echo("In another terminal:")
        typer.echo(f"  export KAFKA_BOOTSTRAP={cluster.bootstrap}")
        _wait_forever()
