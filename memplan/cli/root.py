"""The root command: the Typer app, its global options, every command registered, and the
console-script entry point. Each command lives in its own module beside this one.
"""

from __future__ import annotations

import gc
import os
from typing import Annotated, ClassVar

import typer

from memplan import __version__, inventory
from memplan.cli import guard
from memplan.cli.options import (
    EXIT_CODES_HELP,
    Command,
    CommandSpecs,
    LazyGroup,
    OrderedCommand,
)


class Root(LazyGroup):
    """memplan's commands. Each is imported and built only when it runs, so that start-up
    pays for one command's module and options, not all of them (docs/performance.md)."""

    COMMANDS: ClassVar[CommandSpecs] = {
        "check": ("check", "check", OrderedCommand),
        "project": ("project", "project", OrderedCommand),
        "headroom": ("headroom", "headroom", OrderedCommand),
        "rightsize": ("rightsize", "rightsize", OrderedCommand),
        "diff": ("diff", "diff", OrderedCommand),
        "trend": ("trend", "trend", Command),
        "schema": ("schema", "schema_command", Command),
        "validate": ("validate", "validate", Command),
        "thresholds": ("thresholds", "thresholds", Command),
    }


class Imports(LazyGroup):
    """``memplan import``."""

    COMMANDS: ClassVar[CommandSpecs] = {
        "rvtools": ("imports", "import_rvtools", Command),
        "govc": ("imports", "import_govc", Command),
    }


class Collect(LazyGroup):
    """``memplan collect``."""

    COMMANDS: ClassVar[CommandSpecs] = {"vcenter": ("collect", "collect_vcenter", Command)}


app = typer.Typer(
    name="memplan",
    help=(
        "Capacity planning for VMware vSphere memory: reads a YAML inventory of hosts and VMs,"
        " applies ESXi's memory rules (minFree, memory states, ballooning, swapping) and gives"
        " a verdict per VM, host and cluster.\n\n"
        "Example: memplan check samples/small.yaml\n\n" + EXIT_CODES_HELP
    ),
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    cls=Root,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"memplan {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """memplan: capacity planning for VMware vSphere memory."""


import_app = typer.Typer(
    help="Turn an RVTools export or govc JSON into an inventory YAML file.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    cls=Imports,
)
app.add_typer(import_app, name="import")

collect_app = typer.Typer(
    help="Read a live source (vCenter) into an inventory YAML file.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    cls=Collect,
)
app.add_typer(collect_app, name="collect")


def main() -> None:
    """Console-script entry point.

    memplan is a short-lived process that builds millions of small objects and no cycles
    worth collecting: garbage-collector passes would only cost time, and so would freeing
    every object one by one, the YAML trees once read or everything at exit. So the
    collector is off, the trees are kept, and once the command is done and its output
    flushed, the process ends without tearing down the interpreter (as mypy does;
    docs/performance.md). Every file memplan writes is closed by then.
    """
    gc.disable()
    inventory.retain_parse_trees()
    guard.prepare()
    code = guard.run(lambda: app(prog_name="memplan"))
    os._exit(code)
