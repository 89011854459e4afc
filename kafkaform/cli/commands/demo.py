"""`kafkaform demo`: the whole loop on a throwaway local broker, explained.

Starts Tansu on loopback, applies an example environment, shows that planning
again finds nothing, changes one topic config in a temporary copy of the
environments, plans and applies that change, shows the plan is empty again,
and stops the broker. Nothing outside the temporary directory is modified.
The dev environment has no ACLs on purpose: Tansu cannot create them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kafkaform.cli.app import app
from kafkaform.cli.common import (
    ENVIRONMENTS_DIR,
    EXIT_ERROR,
    Exit,
    complete_environment,
    exit_codes,
    load_desired,
    resolve_environment,
    run_apply,
    runtime,
    say,
    show_plan,
)

if TYPE_CHECKING:
    from kafkaform.core.model import DesiredState, TopicSpec
    from kafkaform.run.session import Runtime

DEMO_CONFIG = "retention.ms"


def section(number: int, title: str) -> None:
    say()
    say(f"━━ Step {number}: {title} " + "━" * max(0, 60 - len(title)))


def apply_or_fail(runtime: Runtime, env_path: Path, bootstrap: str) -> None:
    from kafkaform.run.session import Connection

    report = run_apply(runtime, env_path, connection=Connection(bootstrap), auto_approve=True)
    if report is not None and not report.ok:
        raise Exit(EXIT_ERROR, "the demo's apply failed (see the table above)")


def show_empty_plan(runtime: Runtime, env_path: Path, bootstrap: str) -> None:
    """Plan again; the demo fails if anything is left to do."""
    from kafkaform.run.session import Connection, plan_environment

    desired = load_desired(env_path)
    plan = plan_environment(runtime, desired, Connection(bootstrap), guard=True)
    show_plan(plan)
    if not plan.is_empty:
        raise Exit(EXIT_ERROR, "the plan is not empty after apply: the apply did not converge")


def copy_environments(env_path: Path, into: Path) -> Path:
    """Copy the whole environments tree (so `include: [../_base]` still resolves)."""
    root = env_path.resolve().parent
    shutil.copytree(root, into / root.name)
    return into / root.name / env_path.resolve().name


def demo_value(current: str | None) -> str:
    """A retention different from the current one (1 day, or 2 when already 1)."""
    return "2d" if current == "86400000" else "1d"


def change_one_config(env_path: Path, desired: DesiredState) -> tuple[TopicSpec, str, Path]:
    """Override the first topic's retention.ms in the environment's own Topics file.

    An entry in the environment's folder overrides what it includes, so the
    change lands there (next to an existing entry for the topic, or as a new
    one) whichever file first declared the topic.
    """
    import yaml

    topic = desired.topics[min(desired.topics)]
    new = demo_value(topic.configs.get(DEMO_CONFIG))
    for path in sorted(env_path.glob("*.y*ml")):
        documents = list(yaml.safe_load_all(path.read_text()))
        topic_docs = [d for d in documents if isinstance(d, dict) and d.get("kind") == "Topics"]
        if not topic_docs:
            continue
        entries = [
            entry
            for doc in topic_docs
            for entry in doc.setdefault("topics", [])
            if isinstance(entry, dict) and entry.get("name") == topic.name
        ]
        if not entries:
            entries = [{"name": topic.name}]
            topic_docs[0]["topics"].append(entries[0])
        entries[0].setdefault("configs", {})[DEMO_CONFIG] = new
        path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
        return topic, new, path
    path = env_path / "demo-change.yaml"
    path.write_text(
        yaml.safe_dump({"kind": "Topics", "topics": [{"name": topic.name,
                                                      "configs": {DEMO_CONFIG: new}}]})
    )
    return topic, new, path


def demo_environment(environment: str | None) -> Path:
    """The one named, else ./environments/dev where there is one (a checkout), else the
    example kafkaform ships: the demo works from any folder."""
    from kafkaform.files.examples import example_environment

    if environment is not None:
        return resolve_environment(environment)
    local = ENVIRONMENTS_DIR / "dev"
    return local if local.is_dir() else example_environment("dev")


@app.command()
def demo(
    ctx: typer.Context,
    environment: Annotated[
        str | None, typer.Option(
            "--environment", metavar="ENV", autocompletion=complete_environment,
            help="The environment to apply (a folder or a name). Default: ./environments/dev, "
                 "else the example dev environment kafkaform ships.")
    ] = None,
) -> None:
    """Start a local broker, apply an environment, change a config, apply again, stop."""
    from kafkaform.cluster.local_tansu import LocalBroker
    from kafkaform.core.units import humanize_config_value

    with exit_codes():
        env_path = demo_environment(environment)
        section(1, "start a local Kafka-protocol broker (Tansu) on loopback")
        with LocalBroker() as broker:
            say(f"The broker listens on {broker.bootstrap}. It is empty.")

            section(2, f"validate {env_path}, plan it against the broker and apply it")
            apply_or_fail(runtime(ctx), env_path, broker.bootstrap)

            section(3, "plan again: the cluster now matches the files, so nothing to do")
            show_empty_plan(runtime(ctx), env_path, broker.bootstrap)

            with tempfile.TemporaryDirectory(prefix="kafkaform-demo-") as tmp:
                section(4, "change one topic config in a temporary copy of the environments")
                copy = copy_environments(env_path, Path(tmp))
                topic, new, path = change_one_config(copy, load_desired(copy))
                old = topic.configs.get(DEMO_CONFIG)
                shown = humanize_config_value(DEMO_CONFIG, old) if old else "(broker default)"
                say(f"Edited {path}: topic {topic.name} {DEMO_CONFIG}: {shown} → {new}")
                changed = load_desired(copy).topics[topic.name].configs.get(DEMO_CONFIG)
                if changed == old:
                    raise Exit(EXIT_ERROR, f"the edit of {path} did not change {topic.name}")

                section(5, "plan and apply that change: exactly one config changes")
                apply_or_fail(runtime(ctx), copy, broker.bootstrap)

                section(6, "plan again: empty once more")
                show_empty_plan(runtime(ctx), copy, broker.bootstrap)

            section(7, "stop the broker")
        say("The broker is stopped and the temporary copy removed. Demo complete.")
