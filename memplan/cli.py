"""The command line: parse options, call the engine, pick a renderer, map errors to exit codes.

Commands stay thin; the logic lives in inventory, engine and render.
"""

from __future__ import annotations

import io
import os
import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from memplan import __version__, engine, esxi, inventory
from memplan.errors import ExitCode, InventoryError
from memplan.model import Scenario, Severity
from memplan.render import Format, renderer
from memplan.render.thresholds import ThresholdReport, render_json, render_table
from memplan.units import UnitError, parse_size, plural, suggest

EXIT_CODES_HELP = (
    "Exit codes: 0 no failure (warnings allowed), 1 at least one fail, 2 usage error,"
    " 3 only warnings with --fail-on warn, 4 invalid or unreadable inventory."
)

DEFAULT_PIPE_WIDTH = 132
"""Width of output that is not a terminal (CI logs, pipes, files), unless COLUMNS is set."""

app = typer.Typer(
    name="memplan",
    help=(
        "Capacity planning for VMware vSphere memory: reads a YAML inventory of hosts and VMs,"
        " applies ESXi's memory rules (minFree, memory states, ballooning, swapping) and gives"
        " a verdict per VM, host and cluster.\n\n"
        "Example: memplan check samples/small.yaml\n\n" + EXIT_CODES_HELP
    ),
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


class FailOn(StrEnum):
    """Which verdict makes ``check`` exit non-zero."""

    WARN = "warn"
    FAIL = "fail"
    NEVER = "never"


class Reading(StrEnum):
    """How state thresholds map free memory to states."""

    A = "A"
    B = "B"


InventoryArg = Annotated[
    str,
    typer.Argument(
        help="Inventory YAML file (see docs/inventory.md).", show_default=False, metavar="INVENTORY"
    ),
]
NoColorOpt = Annotated[
    bool,
    typer.Option("--no-color", help="No colours (NO_COLOR=1 in the environment does the same)."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def _console(no_color: bool, file: io.StringIO | None = None, width: int | None = None) -> Console:
    """A console for stdout (or ``file``); plain text when it is not a terminal."""
    if file is not None:
        return Console(
            file=file, color_system=None, width=width or DEFAULT_PIPE_WIDTH, highlight=False
        )
    if no_color or os.environ.get("NO_COLOR"):
        # Plain text: no colour and no bold or italics either (Rich alone keeps those).
        console = Console(force_terminal=False, color_system=None, no_color=True, highlight=False)
    else:
        console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = DEFAULT_PIPE_WIDTH
    return console


def _error_exit(problems: InventoryError) -> typer.Exit:
    for p in problems.problems:
        sys.stderr.write(f"{p}\n")
    n = len(problems.problems)
    sys.stderr.write(f"memplan: {plural(n, 'problem')}; nothing was checked\n")
    return typer.Exit(ExitCode.INVALID)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"memplan {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """memplan: capacity planning for VMware vSphere memory."""


@app.command()
def check(
    inventory_file: InventoryArg,
    fmt: FormatOpt = Format.TABLE,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Write the report to this file instead of stdout."),
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Lowest verdict that exits non-zero.")
    ] = FailOn.FAIL,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show each finding's formula, inputs and sources.")
    ] = False,
    vms: Annotated[
        bool,
        typer.Option(
            "--vms",
            help="Per VM on every contended host: what it keeps, balloon, swap, active hit.",
        ),
    ] = False,
    host: Annotated[
        str | None,
        typer.Option("--host", help="Drill down into one host's VMs, contended or not."),
    ] = None,
    fail_host: Annotated[
        list[str] | None,
        typer.Option("--fail-host", help="Fail this host (repeatable) and restart its VMs (HA)."),
    ] = None,
    ha_failures: Annotated[
        int | None,
        typer.Option(
            "--ha-failures", min=0, help="Host failures to simulate in every cluster (HA)."
        ),
    ] = None,
    no_color: NoColorOpt = False,
) -> None:
    """Check an inventory: memory state of every host, findings and a verdict.

    Example: memplan check samples/realistic.yaml --explain

    What-if: memplan check samples/realistic.yaml --fail-host esx-web01.prod.example

    Exit codes: 0 no failure (warnings allowed), 1 at least one fail, 2 usage error,
    3 only warnings with --fail-on warn, 4 invalid or unreadable inventory.
    """
    try:
        inv = inventory.load(inventory_file)
    except InventoryError as exc:
        raise _error_exit(exc) from None
    if host is not None and host not in {h.name for h in inv.hosts}:
        names = [h.name for h in inv.hosts]
        raise typer.BadParameter(f"no host {host!r}{suggest(host, names)}", param_hint="--host")
    names = [h.name for h in inv.hosts]
    for name in fail_host or []:
        if name not in names:
            raise typer.BadParameter(
                f"no host {name!r}{suggest(name, names)}", param_hint="--fail-host"
            )
    scenario = Scenario(tuple(fail_host or ()), ha_failures)
    report = engine.evaluate(inv, scenario)
    render = renderer(fmt, explain=explain, vms=vms, host=host)
    if output is None:
        render.render(report, _console(no_color))
    else:
        buffer = io.StringIO()
        render.render(report, _console(True, buffer))
        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(buffer.getvalue())
        except OSError as exc:
            sys.stderr.write(f"memplan: cannot write {output}: {exc.strerror or exc}\n")
            raise typer.Exit(ExitCode.USAGE) from None
    raise typer.Exit(_exit_code(report.verdict, fail_on))


def _exit_code(verdict: Severity, fail_on: FailOn) -> ExitCode:
    if fail_on is FailOn.NEVER:
        return ExitCode.OK
    if verdict is Severity.FAIL:
        return ExitCode.FAIL
    if verdict is Severity.WARN and fail_on is FailOn.WARN:
        return ExitCode.WARN
    return ExitCode.OK


@app.command()
def validate(inventory_file: InventoryArg) -> None:
    """Parse and validate an inventory without evaluating it.

    Example: memplan validate samples/realistic.yaml

    Exit codes: 0 valid, 4 invalid or unreadable (every problem printed as
    FILE:LINE:COLUMN: error: MESSAGE on stderr).
    """
    try:
        inv = inventory.load(inventory_file)
    except InventoryError as exc:
        raise _error_exit(exc) from None
    typer.echo(
        f"{inventory_file}: valid ({plural(len(inv.clusters), 'cluster')},"
        f" {plural(len(inv.hosts), 'host')}, {plural(len(inv.vms), 'VM')})"
    )


@app.command()
def thresholds(
    size: Annotated[
        str,
        typer.Argument(
            help="VMkernel-managed memory of the host, e.g. 130607MiB or 512GiB.",
            metavar="SIZE",
            show_default=False,
        ),
    ],
    esxi_version: Annotated[
        str, typer.Option("--esxi", help="ESXi version; selects the state table.")
    ] = esxi.DEFAULT_ESXI,
    reading: Annotated[
        Reading, typer.Option("--reading", help="Threshold reading (docs/model.md).")
    ] = Reading.B,
    fmt: FormatOpt = Format.TABLE,
    no_color: NoColorOpt = False,
) -> None:
    """Print minFree and the free-memory band of each ESXi memory state for a host size.

    Example: memplan thresholds 130607MiB   (minFree 1920.47 MiB; esxtop shows 1920)
    """
    try:
        managed = parse_size(size)
        table_name = esxi.state_table_name(esxi_version)
    except UnitError as exc:
        raise typer.BadParameter(str(exc), param_hint="SIZE") from None
    except ValueError:
        raise typer.BadParameter(
            f"{esxi_version!r} is not a version such as 8.0 or 7.0.3", param_hint="--esxi"
        ) from None
    if managed <= 0:
        raise typer.BadParameter("size must be above 0", param_hint="SIZE")
    exact = esxi.min_free_exact(managed, esxi_version)
    table = esxi.STATE_TABLES[table_name]
    report = ThresholdReport(
        managed, esxi_version, table_name, reading.value, exact,
        esxi.bands(esxi.min_free(managed, esxi_version), table, reading.value),
    )  # fmt: skip
    console = _console(no_color)
    (render_json if fmt is Format.JSON else render_table)(report, console)


def main() -> None:
    """Console-script entry point."""
    app()
