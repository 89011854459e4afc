"""Every kafkaform command the docs show exists with those options; YAML examples validate."""

from __future__ import annotations

import pytest
import typer
import yaml

from kafkaform.cli import app
from kafkaform.files.schemas import SCHEMA_FILES, validators
from tests.docs.docs import ROOT, Command, blocks, commands, markdown_files

ROOT_COMMAND = typer.main.get_command(app)
# A ```yaml block that is deliberately not a complete document says so: ```yaml fragment
FRAGMENT = "fragment"
# Fragments in docs owned by others, not yet marked (file, start of the block's first line):
# their owners are asked to mark them ```yaml fragment; then remove them here.


def problem(command: Command) -> str | None:
    """Why click would refuse this command line, or None."""
    words = list(command.words)
    cmd = ROOT_COMMAND  # typer vendors click: duck-typed groups, contexts and errors
    path = ["kafkaform"]
    root_flags = {opt for param in ROOT_COMMAND.params for opt in param.opts}
    while words and words[0] in root_flags - {"--help"}:  # `kafkaform --flag COMMAND ...`
        words.pop(0)
    while hasattr(cmd, "get_command") and words and not words[0].startswith("-"):
        name = words.pop(0)
        if name.isupper():  # a placeholder: `kafkaform COMMAND --help`
            return None
        sub = cmd.get_command(typer.Context(cmd), name)
        if sub is None:
            return f"no command {' '.join([*path, name])!r}"
        cmd, path = sub, [*path, name]
    if words in (["--help"], ["--install-completion"], ["--show-completion"]):
        return None
    context = typer.Context(cmd, info_name=" ".join(path))
    try:
        options, arguments, _ = cmd.make_parser(context).parse_args(words)
    except Exception as error:  # click's UsageError (NoSuchOption, missing value ...)
        if not hasattr(error, "format_message"):
            raise
        return error.format_message()
    for param in cmd.params:
        value, choices = options.get(param.name), _choices(param)
        if choices and isinstance(value, str) and value not in choices and not value.isupper():
            return f"{param.opts[0]} {value!r} is not one of {list(choices)}"
    if arguments:
        return f"unexpected extra arguments {arguments}"
    return None


def _choices(param) -> list[str] | None:
    """The values an Enum-typed option accepts (its click type is a choice)."""
    choices = getattr(param.type, "choices", None)
    return [getattr(choice, "value", choice) for choice in choices] if choices else None


def all_commands() -> list[Command]:
    return [command for file in markdown_files() for command in commands(file)]


def test_the_docs_show_commands():
    found = all_commands()
    assert len(found) > 50
    assert {c.words[0] for c in found if c.words} >= {"validate", "plan", "apply", "fmt", "diff",
                                                      "changed", "schema", "demo"}


@pytest.mark.parametrize("command", all_commands(), ids=str)
def test_command_exists_with_these_options(command):
    assert problem(command) is None, f"{command}: {problem(command)}"


def test_the_checker_flags_what_does_not_exist():
    where = (ROOT / "README.md", 1)
    assert "no command" in problem(Command(*where, ("nope",)))
    assert "No such option" in problem(Command(*where, ("plan", "dev", "--colour")))
    assert "extra arguments" in problem(Command(*where, ("plan", "dev", "more")))
    assert "not one of" in problem(Command(*where, ("plan", "dev", "--format", "html")))
    assert problem(Command(*where, ("reassign", "verify", "--help"))) is None


def yaml_blocks():
    return [block for file in markdown_files() for block in blocks(file)
            if block.language in ("yaml", "yml")]


@pytest.mark.parametrize("block", yaml_blocks(),
                         ids=lambda b: f"{b.file.relative_to(ROOT)}:{b.line}")
def test_yaml_examples_validate_or_say_they_are_fragments(block):
    if FRAGMENT in block.info.split():
        return
    try:
        documents = [d for d in yaml.safe_load_all(block.text) if d is not None]
    except yaml.YAMLError as error:
        pytest.fail(f"not valid YAML ({error}); mark the block ```yaml fragment if meant")
    kinds = [d.get("kind") if isinstance(d, dict) else None for d in documents]
    assert all(kind in SCHEMA_FILES for kind in kinds), (
        f"not a complete kafkaform document (kind {kinds}); mark it ```yaml fragment")
    for document in documents:
        errors = [e.message for e in validators()[document["kind"]].iter_errors(document)]
        assert not errors, errors
