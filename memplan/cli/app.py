"""The command line: parse options, call the engine, pick a renderer, map errors to exit codes.

Commands stay thin; the logic lives in inventory, engine and render.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from rich.console import Console
from typer.core import TyperCommand

from memplan import __version__, engine, esxi, inventory, whatif
from memplan.errors import ExitCode, InventoryError, UsageError
from memplan.model import Inventory, MemState, ProjectReport, Scenario, Severity, WhatIf
from memplan.render import Format, renderer, resolve
from memplan.render.project import ProjectFormat, render_project
from memplan.units import UnitError, parse_duration, parse_growth, parse_size, plural, suggest

if TYPE_CHECKING:
    from memplan.importers.common import ImportResult

# Modules that only one command needs (importers, diff, headroom and threshold renderers)
# are imported inside that command: start-up time is paid on every run (docs/performance.md).

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


class KeepState(StrEnum):
    """The worst state headroom allows."""

    CLEAR = "clear"
    SOFT = "soft"


class Reading(StrEnum):
    """How state thresholds map free memory to states."""

    A = "A"
    B = "B"


InventoriesArg = Annotated[
    list[str],
    typer.Argument(
        help="Inventory YAML files (or RVTools exports); each is checked on its own.",
        show_default=False,
        metavar="INVENTORY",
    ),
]
EXIT_RANK = {ExitCode.OK: 0, ExitCode.WARN: 1, ExitCode.FAIL: 2, ExitCode.INVALID: 3}
"""Which exit code wins when several inventories are checked."""
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
AddVmOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--add-vm",
        metavar="SPEC",
        help="What if: add VMs, e.g. 'name=web{1..3},memory=16GiB,cluster=prod'.",
    ),
]
RemoveVmOpt = Annotated[
    list[str] | None,
    typer.Option("--remove-vm", metavar="GLOB", help="What if: remove VMs (glob)."),
]
PowerOffOpt = Annotated[
    list[str] | None,
    typer.Option("--power-off", metavar="GLOB", help="What if: power VMs off (glob)."),
]
AddHostOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--add-host",
        metavar="SPEC",
        help="What if: add a host, e.g. 'name=esx9,memory=768GiB,cluster=prod'.",
    ),
]
RemoveHostOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--remove-host",
        metavar="GLOB",
        help="What if: remove hosts (glob); their VMs are placed again.",
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="TARGET.FIELD=VALUE",
        help="What if: set a field, e.g. 'host:esx01.memory=1TiB', 'vm:db*.reservation=all',"
        " 'defaults.vm.active=50%'.",
    ),
]
GrowthOpt = Annotated[
    str | None,
    typer.Option(
        "--growth",
        metavar="RATE",
        help="Growth of every VM, e.g. 3%/month or 20%/year (overrides the inventory).",
    ),
]
HorizonOpt = Annotated[
    str | None,
    typer.Option(
        "--horizon",
        metavar="DURATION",
        help="Months to project, e.g. 18m or 2y (default 12m with growth or plans).",
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="'Today' for projections, YYYY-MM-DD (default: the current date).",
    ),
]


def _console(no_color: bool, file: TextIO | None = None, width: int | None = None) -> Console:
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
    """Print every problem; exit 4, or 2 when they all come from what-if flags."""
    for p in problems.problems:
        sys.stderr.write(f"{p}\n")
    n = len(problems.problems)
    sys.stderr.write(f"memplan: {plural(n, 'problem')}; nothing was checked\n")
    from_flags = all(p.file in whatif.LOCATED for p in problems.problems)
    return typer.Exit(ExitCode.USAGE if from_flags else ExitCode.INVALID)


def _usage_exit(message: str) -> typer.Exit:
    sys.stderr.write(f"memplan: error: {message}\n")
    return typer.Exit(ExitCode.USAGE)


class OrderedCommand(TyperCommand):
    """Keeps the raw arguments, so that what-ifs apply in the order the user typed them
    (click alone only remembers where a repeated option first appeared)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["memplan.argv"] = list(args)
        return super().parse_args(ctx, args)


ECHOED = (*whatif.FLAGS, "--fail-host", "--ha-failures", "--growth", "--horizon", "--as-of",
          "--fail-within")  # fmt: skip


def _in_order(ctx: typer.Context, flags: tuple[str, ...]) -> tuple[WhatIf, ...]:
    """The given ``flags`` with their values, in command-line order."""
    argv: list[str] = ctx.meta.get("memplan.argv", [])
    out: list[WhatIf] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            break
        name, eq, value = token.partition("=")
        if name in flags:
            if not eq and i + 1 < len(argv):
                value = argv[i + 1]
                i += 1
            out.append(WhatIf(name, value))
        i += 1
    return tuple(out)


def _load(path: str, ctx: typer.Context) -> Inventory:
    """The inventory with the command line's what-ifs applied, or the right exit.

    An RVTools export is imported in memory; what the import skipped or repaired goes to
    stderr, so nothing is dropped silently.
    """
    notes: list[str] = []
    try:
        return inventory.load(path, _in_order(ctx, whatif.FLAGS), notes)
    except InventoryError as exc:
        raise _error_exit(exc) from None
    except UsageError as exc:
        raise _usage_exit(str(exc)) from None
    finally:
        _import_notes(notes)


def _import_notes(notes: list[str]) -> None:
    for note in notes:
        sys.stderr.write(f"import: {note}\n")


def _scenario(
    ctx: typer.Context,
    inv: Inventory,
    *,
    as_of: str | None,
    growth: str | None,
    horizon: str | None,
    fail_within: str | None = None,
    fail_host: list[str] | None = None,
    ha_failures: int | None = None,
) -> Scenario:
    """Parse the evaluation flags into a Scenario; bad values are usage errors (exit 2)."""
    try:
        today = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise _usage_exit(f"--as-of {as_of}: write a date as YYYY-MM-DD") from None
    try:
        rate = parse_growth(growth) if growth else None
        months = _months(horizon) if horizon else None
        window = None
        if fail_within:
            from memplan import projection

            n, unit = parse_duration(fail_within)
            end = {"d": lambda: today + timedelta(days=n), "w": lambda: today + timedelta(weeks=n),
                   "m": lambda: projection.add_months(today, n),
                   "y": lambda: projection.add_months(today, 12 * n)}[unit]()  # fmt: skip
            window = (end - today).days
    except UnitError as exc:
        raise _usage_exit(str(exc)) from None
    names = [h.name for h in inv.hosts]
    for name in fail_host or []:
        if name not in names:
            raise _usage_exit(f"--fail-host {name}: no such host{suggest(name, names)}")
    return Scenario(
        tuple(fail_host or ()), ha_failures, today, months, rate, window, _in_order(ctx, ECHOED)
    )


def _months(text: str) -> int:
    n, unit = parse_duration(text, "my")
    months = n * 12 if unit == "y" else n
    if not 1 <= months <= 600:
        raise UnitError(f"{text!r}: the horizon must be 1 to 600 months")
    return months


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


@app.command(cls=OrderedCommand)
def check(
    ctx: typer.Context,
    inventory_files: InventoriesArg,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            help="Output format; auto is GitHub annotations + table under GITHUB_ACTIONS, else table.",
        ),
    ] = Format.AUTO,
    output: Annotated[
        list[str] | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE|FORMAT=FILE",
            help="FILE for the --format output, or FORMAT=FILE for another one (repeatable),"
            " e.g. -o junit=report.xml -o sarif=memplan.sarif. Written only after a successful run.",
        ),
    ] = None,
    csv_vms: Annotated[
        bool, typer.Option("--csv-vms", help="CSV: one row per VM instead of per host.")
    ] = False,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore", metavar="RULE", help="Do not report this rule (ID or name; repeatable)."
        ),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            metavar="FILE",
            help="Findings in this baseline (or earlier JSON report) do not count.",
        ),
    ] = None,
    write_baseline: Annotated[
        str | None,
        typer.Option(
            "--write-baseline", metavar="FILE", help="Write today's findings as a baseline file."
        ),
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
        typer.Option(
            "--host", metavar="HOST", help="Drill down into one host's VMs, contended or not."
        ),
    ] = None,
    fail_host: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-host",
            metavar="HOST",
            help="Fail this host (repeatable) and restart its VMs (HA).",
        ),
    ] = None,
    ha_failures: Annotated[
        int | None,
        typer.Option(
            "--ha-failures",
            metavar="N",
            min=0,
            help="Host failures to simulate in every cluster (HA).",
        ),
    ] = None,
    add_vm: AddVmOpt = None,
    remove_vm: RemoveVmOpt = None,
    power_off: PowerOffOpt = None,
    add_host: AddHostOpt = None,
    remove_host: RemoveHostOpt = None,
    set_: SetOpt = None,
    growth: GrowthOpt = None,
    horizon: HorizonOpt = None,
    as_of: AsOfOpt = None,
    fail_within: Annotated[
        str | None,
        typer.Option(
            "--fail-within",
            metavar="DURATION",
            help="Fail hosts that start swapping within this window (warn: ballooning), e.g. 90d.",
        ),
    ] = None,
    no_color: NoColorOpt = False,
) -> None:
    """Check an inventory: memory state of every host, findings and a verdict.

    Example: memplan check samples/realistic.yaml --explain

    What-if: memplan check samples/realistic.yaml --fail-host esx-web01.prod.example
    --add-vm 'name=web{1..10},memory=16GiB,cluster=prod-web' --growth 3%/month
    --fail-within 90d

    What-ifs apply in the order given and never change the file. Exit codes: 0 no
    failure (warnings allowed), 1 at least one fail, 2 usage error, 3 only warnings with
    --fail-on warn, 4 invalid or unreadable inventory.
    """

    def one(inventory_file: str) -> ExitCode:
        inv = _load(inventory_file, ctx)
        if host is not None and host not in {h.name for h in inv.hosts}:
            names = [h.name for h in inv.hosts]
            raise typer.BadParameter(f"no host {host!r}{suggest(host, names)}", param_hint="--host")
        scenario = _scenario(
            ctx, inv, as_of=as_of, growth=growth, horizon=horizon, fail_within=fail_within,
            fail_host=fail_host, ha_failures=ha_failures,
        )  # fmt: skip
        scenario = replace(scenario, ignore=_rules(ignore or []), baseline=_baseline(baseline))
        report = engine.evaluate(inv, scenario)
        make = functools.partial(renderer, explain=explain, vms=vms, host=host, csv_vms=csv_vms)
        targets = _outputs(output or [], fmt, bool(os.environ.get("GITHUB_ACTIONS")))
        to_files = [(f, path) for f, path in targets if path is not None]
        with _staged([path for _, path in to_files]) as handles:
            for (f, _), handle in zip(to_files, handles, strict=True):
                make(f).render(report, _console(True, handle))
            for f, path in targets:
                if path is None:
                    make(f).render(report, _console(no_color))
        if write_baseline is not None:
            _write(write_baseline, _baseline_text(report))
        return _exit_code(report.verdict, fail_on)

    if len(inventory_files) > 1 and (output or write_baseline):
        raise _usage_exit("--output and --write-baseline take one inventory at a time")
    codes = []
    for path in inventory_files:  # pre-commit passes several files at once
        try:
            codes.append(one(path))
        except typer.Exit as exc:
            if exc.exit_code == ExitCode.USAGE:
                raise
            codes.append(ExitCode(exc.exit_code))
    raise typer.Exit(max(codes, key=lambda c: EXIT_RANK[c]))


def _rules(names: list[str]) -> tuple[str, ...]:
    from memplan.rules import RULES

    known = {*RULES, *(r.RULE.name for r in RULES.values())}
    for name in names:
        if name not in known:
            raise _usage_exit(f"--ignore {name}: no such rule{suggest(name, known)}")
    return tuple(names)


def _baseline(path: str | None) -> frozenset[tuple[str, str, str]]:
    if path is None:
        return frozenset()
    try:
        return inventory.read_baseline(path)
    except UsageError as exc:
        raise _usage_exit(str(exc)) from None


def _baseline_text(report: Any) -> str:
    import json

    items = sorted({(f.rule, f.kind, f.subject) for f in report.findings})
    doc = {
        "schema_version": 1,
        "baseline": [{"rule": r, "kind": k, "subject": s} for r, k, s in items],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def _outputs(values: list[str], fmt: Format, github: bool) -> list[tuple[Format, str | None]]:
    """(format, file or None for stdout) of every output the command line asks for."""
    primary: str | None = None
    extra: list[tuple[Format, str | None]] = []
    names = [f.value for f in Format if f is not Format.AUTO]
    for value in values:
        name, eq, path = value.partition("=")
        if not eq:
            primary = value
        elif name in names:
            extra.append((Format(name), path))
        else:
            raise _usage_exit(f"--output {value}: unknown format {name!r}{suggest(name, names)}")
    main: list[tuple[Format, str | None]]
    if primary is not None:  # the --format output goes to a file; auto means the table there
        main = [(Format.TABLE if fmt is Format.AUTO else fmt, primary)]
    else:
        main = [(f, None) for f in resolve(fmt, github)]
    return [*main, *extra]


@contextlib.contextmanager
def _staged(paths: list[str]) -> Iterator[list[TextIO]]:
    """A file to render each of ``paths`` into; each is moved into place only when the
    whole block succeeds, so a failed run never leaves a half-written report.

    A regular file (or a new one) is written beside its target as ``PATH.PID.tmp`` and
    renamed over it, keeping the old file's permissions; a symbolic link is followed, so
    the file it points to is replaced. Anything else (/dev/stdout, a pipe) is written
    directly. Reports are streamed to disk, never held whole in memory (80 MB of JSON for
    100,000 VMs).
    """
    opened: list[tuple[TextIO, str | None, str]] = []
    handle: TextIO
    try:
        for given in paths:
            direct = os.path.exists(given) and not os.path.isfile(given)
            path = given if direct else os.path.realpath(given)
            tmp = None if direct else f"{path}.{os.getpid()}.tmp"
            try:  # kept open across the yield and closed below: no with-block spans a yield
                handle = open(path if tmp is None else tmp, "w", encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                raise _usage_exit(f"cannot write {given}: {exc.strerror or exc}") from None
            if tmp is not None and os.path.exists(path):
                with contextlib.suppress(OSError):
                    shutil.copymode(path, tmp)
            opened.append((handle, tmp, path))
        yield [handle for handle, _, _ in opened]
    except BaseException:
        for handle, tmp, _ in opened:
            handle.close()
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        raise
    for i, (handle, tmp, path) in enumerate(opened):
        try:
            handle.close()
            if tmp is not None:
                os.replace(tmp, path)
        except OSError as exc:
            for later, tmp_later, _ in opened[i:]:
                later.close()
                if tmp_later is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(tmp_later)
            raise _usage_exit(f"cannot write {path}: {exc.strerror or exc}") from None


def _write(path: str, text: str) -> None:
    with _staged([path]) as (handle,):
        handle.write(text)


def _emit(
    write: Callable[[Any, Console], None], report: Any, output: str | None, no_color: bool
) -> None:
    """Print to stdout, or write ``output`` only once rendering has succeeded."""
    if output is None:
        write(report, _console(no_color))
    else:
        with _staged([output]) as (handle,):
            write(report, _console(True, handle))


def _exit_code(verdict: Severity, fail_on: FailOn) -> ExitCode:
    if fail_on is FailOn.NEVER:
        return ExitCode.OK
    if verdict is Severity.FAIL:
        return ExitCode.FAIL
    if verdict is Severity.WARN and fail_on is FailOn.WARN:
        return ExitCode.WARN
    return ExitCode.OK


@app.command(cls=OrderedCommand)
def project(
    ctx: typer.Context,
    inventory_file: InventoryArg,
    horizon: Annotated[
        str,
        typer.Option("--horizon", metavar="DURATION", help="Months to project, e.g. 24m or 2y."),
    ] = "12m",
    step: Annotated[
        str, typer.Option("--step", metavar="DURATION", help="Months between rows, e.g. 1m or 3m.")
    ] = "1m",
    fmt: Annotated[
        ProjectFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ProjectFormat.TABLE,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to this file instead of stdout.",
        ),
    ] = None,
    add_vm: AddVmOpt = None,
    remove_vm: RemoveVmOpt = None,
    power_off: PowerOffOpt = None,
    add_host: AddHostOpt = None,
    remove_host: RemoveHostOpt = None,
    set_: SetOpt = None,
    growth: GrowthOpt = None,
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """Project demand, free memory and state of every host, month by month.

    Example: memplan project samples/realistic.yaml --horizon 24m --growth 2%/month

    Growth compounds monthly on consumed and active memory, capped by each VM's usage
    bound; planned: changes apply from their date (docs/projection.md). Formats: table,
    json, csv (one row per host and month). Exit codes: 0 done, 2 usage error, 4 invalid
    inventory.
    """
    inv = _load(inventory_file, ctx)
    scenario = _scenario(ctx, inv, as_of=as_of, growth=growth, horizon=horizon)
    try:
        every = _months(step)
    except UnitError as exc:
        raise _usage_exit(str(exc)) from None
    assert scenario.as_of is not None
    assert scenario.horizon_months is not None
    from memplan import projection

    host_of, _ = engine.place(inv)
    points, notes = projection.timeline(
        inv, host_of, scenario.as_of, scenario.horizon_months, every, scenario.growth
    )
    outlook = projection.forecast(
        inv, host_of, scenario.as_of, scenario.horizon_months, scenario.growth
    )
    report = ProjectReport(
        inv.source, scenario.as_of, scenario.horizon_months, every, points, outlook, notes,
        scenario.echo,
    )  # fmt: skip
    _emit(lambda r, c: render_project(r, fmt, c), report, output, no_color)


@app.command(cls=OrderedCommand)
def headroom(
    ctx: typer.Context,
    inventory_file: InventoryArg,
    vm: Annotated[
        str,
        typer.Option(
            "--vm",
            metavar="SHAPE",
            help="The VM shape: memory, then fields, e.g. 16GiB,vcpus=4,active=30%.",
            show_default=False,
        ),
    ],
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", metavar="CLUSTER", help="Only this cluster (and its hosts)."),
    ] = None,
    keep_state: Annotated[
        KeepState,
        typer.Option("--keep-state", help="clear: stop before ballooning; soft: before swapping."),
    ] = KeepState.CLEAR,
    fmt: FormatOpt = Format.TABLE,
    fail_host: Annotated[
        list[str] | None, typer.Option("--fail-host", metavar="HOST", help="HA: fail these hosts.")
    ] = None,
    ha_failures: Annotated[
        int | None,
        typer.Option("--ha-failures", metavar="N", min=0, help="HA: host failures to keep."),
    ] = None,
    add_vm: AddVmOpt = None,
    remove_vm: RemoveVmOpt = None,
    power_off: PowerOffOpt = None,
    add_host: AddHostOpt = None,
    remove_host: RemoveHostOpt = None,
    set_: SetOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """How many more VMs of a shape fit on each host and cluster.

    Example: memplan headroom samples/realistic.yaml --vm 16GiB,vcpus=4,active=30%

    VMs are placed the way check places cluster VMs (most free memory that admits them,
    overhead included) until the first host would pass --keep-state. With HA configured
    the count also keeps the cluster's failover capacity. Exit codes: 0 done, 2 usage
    error, 4 invalid inventory.
    """
    notes: list[str] = []
    try:
        inv, shape = inventory.load_with_shape(
            inventory_file, _in_order(ctx, whatif.FLAGS), vm, notes
        )
    except InventoryError as exc:
        raise _error_exit(exc) from None
    except UsageError as exc:
        raise _usage_exit(str(exc)) from None
    finally:
        _import_notes(notes)
    clusters = [c.name for c in inv.clusters]
    if cluster is not None and cluster not in clusters:
        raise _usage_exit(f"--cluster {cluster}: no such cluster{suggest(cluster, clusters)}")
    scenario = _scenario(ctx, inv, as_of=None, growth=None, horizon=None, fail_host=fail_host,
                         ha_failures=ha_failures)  # fmt: skip
    report = engine.headroom(inv, shape, MemState(keep_state.value), scenario, cluster)
    from memplan.render.headroom import render_headroom_json, render_headroom_table

    write = render_headroom_json if fmt is Format.JSON else render_headroom_table
    write(report, _console(no_color))


import_app = typer.Typer(
    help="Turn an RVTools export or govc JSON into an inventory YAML file.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
app.add_typer(import_app, name="import")

ImportOutput = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the inventory here instead of stdout.",
    ),
]


def _write_import(result: ImportResult, output: str | None, origin: str) -> None:
    header = (
        f"memplan inventory imported from {origin} by memplan {__version__}"
        f" on {date.today().isoformat()}.\n"
        "Check the 'import:' lines memplan printed for skipped and repaired rows."
    )
    from memplan.importers.common import to_yaml

    text = to_yaml(result, header)
    # Whatever we write must be a valid inventory: validate before writing.
    try:
        inventory.parse(text.encode(), output or "<import>")
    except InventoryError as exc:  # pragma: no cover - an importer bug, not user input
        raise _error_exit(exc) from None
    _import_notes([*result.skipped, *result.repairs, result.summary()])
    if output is None:
        sys.stdout.write(text)
    else:
        _write(output, text)


@import_app.command("rvtools")
def import_rvtools(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="An RVTools .xlsx, or per-tab CSV files (RVTools_tabvInfo.csv, ...) or their folder.",
            show_default=False,
            metavar="PATH...",
        ),
    ],
    output: ImportOutput = None,
) -> None:
    """Import an RVTools export: vInfo, vMemory, vHost and vCluster.

    Example: memplan import rvtools RVTools_export_all.xlsx -o inventory.yaml

    Every skipped or repaired row is printed on stderr with its sheet and row number,
    then a summary line. docs/import.md has the column mapping. Exit codes: 0 done,
    2 unreadable input.
    """
    from memplan.importers import rvtools

    try:
        result = rvtools.read(paths)
    except UsageError as exc:
        raise _usage_exit(str(exc)) from None
    _write_import(result, output, ", ".join(paths))


@import_app.command("govc")
def import_govc(
    paths: Annotated[
        list[str],
        typer.Argument(
            help="govc host.info -json and vm.info -json output (two files, or one with both).",
            show_default=False,
            metavar="JSON...",
        ),
    ],
    output: ImportOutput = None,
) -> None:
    """Import govc JSON: hosts (memorySize) and VMs (memoryMB, memoryAllocation, runtime.host).

    Example: memplan import govc hosts.json vms.json -o inventory.yaml

    Reads PascalCase (govc < 0.31) and camelCase keys alike. Exit codes: 0 done,
    2 unreadable input.
    """
    from memplan.importers import govc

    try:
        result = govc.read(paths)
    except UsageError as exc:
        raise _usage_exit(str(exc)) from None
    _write_import(result, output, ", ".join(paths))


class DiffFormat(StrEnum):
    """``memplan diff --format``."""

    TABLE = "table"
    MARKDOWN = "markdown"
    JSON = "json"


@app.command(cls=OrderedCommand)
def diff(
    ctx: typer.Context,
    files: Annotated[
        list[str],
        typer.Argument(
            help="OLD.yaml NEW.yaml, or NEW.yaml with --against-git.",
            show_default=False,
            metavar="[OLD] NEW",
        ),
    ],
    against_git: Annotated[
        str | None,
        typer.Option(
            "--against-git",
            metavar="REF",
            help="Read the old revision of NEW from git, e.g. origin/main.",
        ),
    ] = None,
    fmt: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiffFormat.TABLE,
    vm: Annotated[
        str | None,
        typer.Option(
            "--vm",
            metavar="SHAPE",
            help="Also compare headroom for this VM shape, e.g. 16GiB,vcpus=4.",
        ),
    ] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option("--fail-on", help="Lowest verdict of a new finding that exits non-zero."),
    ] = FailOn.FAIL,
    growth: GrowthOpt = None,
    horizon: HorizonOpt = None,
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """What changed in capacity between two revisions of an inventory.

    Example: memplan diff --against-git origin/main inventory.yaml --format markdown

    Lists VMs and hosts added, removed or resized; per cluster the overcommit ratio, free
    memory, worst state, forecast dates and (with --vm) headroom before and after; and
    the findings that are new or resolved. The exit code follows the new findings only:
    0 none at fail, 1 a new fail, 3 only new warnings with --fail-on warn, 2 usage
    error, 4 invalid inventory.
    """
    if against_git is not None and len(files) != 1:
        raise _usage_exit("with --against-git give one file: the new revision")
    if against_git is None and len(files) != 2:
        raise _usage_exit("give OLD.yaml NEW.yaml, or NEW.yaml --against-git REF")
    new_path = files[-1]
    old_source = f"{new_path}@{against_git}" if against_git else files[0]
    try:
        old_data = (
            inventory.read_git(against_git, new_path)
            if against_git
            else inventory.read_source(files[0])
        )
        invs = (inventory.parse(old_data, old_source), inventory.load(new_path))
        shape = inventory.load_with_shape(new_path, (), vm)[1] if vm is not None else None
    except InventoryError as exc:
        raise _error_exit(exc) from None
    except UsageError as exc:
        raise _usage_exit(str(exc)) from None
    scenario = _scenario(ctx, invs[1], as_of=as_of, growth=growth, horizon=horizon)
    reports = [engine.evaluate(inv, scenario) for inv in invs]
    rooms = [
        engine.headroom(inv, shape, MemState.CLEAR, scenario).clusters if shape else ()
        for inv in invs
    ]
    from memplan.diff import compare as compare_reports
    from memplan.render.diff import render_json as render_diff_json
    from memplan.render.diff import render_markdown as render_diff_markdown
    from memplan.render.diff import render_table as render_diff_table

    result = compare_reports(reports[0], reports[1], rooms[0], rooms[1])
    write = {DiffFormat.TABLE: render_diff_table, DiffFormat.MARKDOWN: render_diff_markdown,
             DiffFormat.JSON: render_diff_json}[fmt]  # fmt: skip
    write(result, _console(no_color))
    raise typer.Exit(_exit_code(result.verdict, fail_on))


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema (draft 2020-12) of the inventory format.

    Example: memplan schema > memplan.schema.json

    Point your editor at it for completion and checks as you type: with the YAML
    extension (yaml-language-server), put this first line in the inventory:
    # yaml-language-server: $schema=./memplan.schema.json
    """
    import json

    from memplan.schema import schema

    typer.echo(json.dumps(schema(), indent=2, sort_keys=True))


@app.command()
def validate(inventory_files: InventoriesArg) -> None:
    """Parse and validate inventories without evaluating them.

    Example: memplan validate samples/realistic.yaml

    Exit codes: 0 valid, 4 invalid or unreadable (every problem printed as
    FILE:LINE:COLUMN: error: MESSAGE on stderr).
    """
    invalid = False
    for path in inventory_files:
        notes: list[str] = []
        try:
            inv = inventory.load(path, (), notes)
        except InventoryError as exc:
            _error_exit(exc)
            invalid = True
            continue
        except UsageError as exc:
            raise _usage_exit(str(exc)) from None
        finally:
            _import_notes(notes)
        typer.echo(
            f"{path}: valid ({plural(len(inv.clusters), 'cluster')},"
            f" {plural(len(inv.hosts), 'host')}, {plural(len(inv.vms), 'VM')})"
        )
    if invalid:
        raise typer.Exit(ExitCode.INVALID)


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
        str,
        typer.Option("--esxi", metavar="VERSION", help="ESXi version; selects the state table."),
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
    from memplan.render.thresholds import ThresholdReport, render_json, render_table

    table = esxi.STATE_TABLES[table_name]
    report = ThresholdReport(
        managed, esxi_version, table_name, reading.value, exact,
        esxi.bands(esxi.min_free(managed, esxi_version), table, reading.value),
    )  # fmt: skip
    console = _console(no_color)
    (render_json if fmt is Format.JSON else render_table)(report, console)


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
    try:
        app()
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):  # SystemExit("message") prints it
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # e.g. `memplan check | head`: nothing left to say
        pass
    os._exit(code or 0)
