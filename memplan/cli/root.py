"""The root command: the Typer app, its global options, every command registered, and the
console-script entry point. Each command lives in its own module beside this one.
"""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING, Annotated

import typer

from memplan import __version__, inventory

if TYPE_CHECKING:
    pass
from memplan.cli import check as check_cmd
from memplan.cli import collect as collect_cmd
from memplan.cli import diff as diff_cmd
from memplan.cli import guard
from memplan.cli import headroom as headroom_cmd
from memplan.cli import imports as import_cmd
from memplan.cli import project as project_cmd
from memplan.cli import rightsize as rightsize_cmd
from memplan.cli import schema as schema_cmd
from memplan.cli import thresholds as thresholds_cmd
from memplan.cli import trend as trend_cmd
from memplan.cli import validate as validate_cmd
from memplan.cli.options import EXIT_CODES_HELP, Command, Group, OrderedCommand

# are imported inside that command: start-up time is paid on every run (docs/performance.md).


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
    cls=Group,
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


app.command(cls=OrderedCommand)(check_cmd.check)
app.command(cls=OrderedCommand)(project_cmd.project)
app.command(cls=OrderedCommand)(headroom_cmd.headroom)
app.command(cls=OrderedCommand)(rightsize_cmd.rightsize)
app.command(cls=OrderedCommand)(diff_cmd.diff)
app.command(cls=Command)(trend_cmd.trend)
app.command("schema", cls=Command)(schema_cmd.schema_command)
app.command(cls=Command)(validate_cmd.validate)
app.command(cls=Command)(thresholds_cmd.thresholds)

import_app = typer.Typer(
    help="Turn an RVTools export or govc JSON into an inventory YAML file.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    cls=Group,
)
app.add_typer(import_app, name="import")

import_app.command("rvtools", cls=Command)(import_cmd.import_rvtools)
import_app.command("govc", cls=Command)(import_cmd.import_govc)

collect_app = typer.Typer(
    help="Read a live source (vCenter) into an inventory YAML file.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    cls=Group,
)
app.add_typer(collect_app, name="collect")
collect_app.command("vcenter", cls=Command)(collect_cmd.collect_vcenter)


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
