"""``memplan check``.

No ``from __future__ import annotations`` here: typer reads the command's signature on
every run, and string annotations would be compiled four times each (about 5 ms of
start-up); names imported for type checking only are quoted."""

import functools
import os
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

import typer

from memplan import engine, inventory
from memplan.errors import ExitCode, UsageError
from memplan.render import Format, renderer, resolve
from memplan.units import suggest

if TYPE_CHECKING:
    from memplan.engine.trend import History
    from memplan.model import Inventory, Report
from memplan.cli.exits import EXIT_RANK, exit_for, usage_exit
from memplan.cli.loading import build_scenario, load_inventory
from memplan.cli.options import (
    AddHostOpt,
    AddVmOpt,
    AsOfOpt,
    FailOn,
    GrowthOpt,
    GrowthScope,
    GrowthScopeOpt,
    HistoryOpt,
    HorizonOpt,
    InventoriesArg,
    NoColorOpt,
    PowerOffOpt,
    RemoveHostOpt,
    RemoveVmOpt,
    SetOpt,
)
from memplan.cli.output import (
    STDOUT,
    distinct,
    make_console,
    require_extra,
    staged,
    write_text,
)
from memplan.cli.rightsize import BufferOpt, RightsizeOpt, SizeStepOpt, rightsize_whatif
from memplan.cli.trend import OVERRIDDEN, Snapshots, history_forecast, learn_from, read_history


def check(
    ctx: typer.Context,
    inventory_files: InventoriesArg,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",  # the choices in the help: as a metavar they took 81 columns
            help="Output format: table, json, csv, markdown, junit, sarif, github, codeclimate,"
            " html or auto (GitHub annotations + table under GITHUB_ACTIONS, else table).",
        ),
    ] = Format.AUTO,
    output: Annotated[
        list[str] | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE|FORMAT=FILE",
            help="FILE for the --format output, or FORMAT=FILE for another one (repeatable),"
            " e.g. -o junit=report.xml -o sarif=memplan.sarif; - is stdout. Written only after a"
            " successful run.",
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
            "--host",
            metavar="HOST",
            help="Table: that host alone, contended or not: its row, its VMs, the findings"
            " about it, its VMs and its cluster (the verdict and exit code stay the whole"
            " inventory's).",
        ),
    ] = None,
    fail_host: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-host",
            metavar="HOST",
            help="Fail this host (repeatable); its VMs restart where HA and DRS put them (docs/ha.md).",
        ),
    ] = None,
    ha_failures: Annotated[
        int | None,
        typer.Option(
            "--ha-failures",
            metavar="N",
            min=0,
            help="Host failures to simulate in every cluster (HA; default: ha.failures, or 1 where HA is assumed).",
        ),
    ] = None,
    add_vm: AddVmOpt = None,
    remove_vm: RemoveVmOpt = None,
    power_off: PowerOffOpt = None,
    add_host: AddHostOpt = None,
    remove_host: RemoveHostOpt = None,
    set_: SetOpt = None,
    rightsize: RightsizeOpt = False,
    buffer: BufferOpt = None,
    size_step: SizeStepOpt = None,
    growth: GrowthOpt = None,
    growth_scope: GrowthScopeOpt = GrowthScope.DEMAND,
    history: HistoryOpt = None,
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
    wide: Annotated[
        bool,
        typer.Option(
            "--wide",
            help="Every column of the host tables, however wide the terminal"
            " (narrow terminals hide some, and say which).",
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Table: print the verdict line only (scripts read the exit code); an"
            " import prints its summary line only.",
        ),
    ] = False,
    no_color: NoColorOpt = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="List every note (VMs placed, rows repaired...) and every finding of a rule"
            " with many, instead of a count and the first few.",
        ),
    ] = False,
) -> None:
    """Check an inventory: memory state of every host, findings and a verdict.

    Example: memplan check samples/realistic.yaml --explain

    What-if: memplan check samples/realistic.yaml --fail-host esx-web01.prod.example
    --add-vm 'name=web{1..10},memory=16GiB,cluster=prod-web' --growth 3%/month
    --fail-within 90d

    History: memplan check samples/history/shop-2026-11.yaml --history samples/history/
    --fail-within 90d (growth learnt from dated snapshots, docs/trend.md)

    What-ifs apply in the order given and never change the file. Exit codes: 0 no
    failure (warnings allowed), 1 at least one fail, 2 usage error, 3 only warnings with
    --fail-on warn, 4 invalid or unreadable inventory.
    """

    @functools.cache
    def read(paths: tuple[str, ...]) -> Snapshots:  # once for every inventory checked
        return read_history(list(paths), verbose)

    def learn(paths: tuple[str, ...], today: "Inventory") -> "History":
        return learn_from(read(paths), today)  # the snapshots of today's estate

    def one(inventory_file: str) -> ExitCode:
        inv = load_inventory(inventory_file, ctx, verbose, quiet and not verbose)
        snapshots = learn(tuple(history), inv).snapshots if history and rightsize else ()
        inv = rightsize_whatif(inv, rightsize, buffer, size_step, snapshots)
        if host is not None and host not in {h.name for h in inv.hosts}:
            names = [h.name for h in inv.hosts]
            raise typer.BadParameter(f"no host {host!r}{suggest(host, names)}", param_hint="--host")
        scenario = build_scenario(
            ctx, inv, as_of=as_of, growth=growth, horizon=horizon, fail_within=fail_within,
            fail_host=fail_host, ha_failures=ha_failures, growth_scope=growth_scope.value,
        )  # fmt: skip
        scenario = replace(scenario, ignore=_rules(ignore or []), baseline=_baseline(baseline))
        if any(f is Format.HTML for f, _ in targets):
            require_extra("html", "--format html")
        learnt = learn(tuple(history), inv) if history and scenario.growth is None else None
        outlook = history_forecast(inv, scenario, learnt) if learnt else None
        html = any(f is Format.HTML for f, _ in targets)  # it charts the forecast's timeline
        report = engine.evaluate(inv, scenario, outlook, timeline=html)  # in the same pass
        if history and report.forecast is not None and learnt is None:  # --growth overrides
            said = (OVERRIDDEN, *report.forecast.notes)
            report = replace(report, forecast=replace(report.forecast, notes=said))
        if report.forecast is not None and html and learnt is not None:
            report = _with_timeline(inv, report, learnt)
        make = functools.partial(
            renderer, explain=explain, vms=vms, host=host, csv_vms=csv_vms, verbose=verbose,
            wide=wide, quiet=quiet,
        )  # fmt: skip
        to_files = [(f, path) for f, path in targets if path is not None]
        with staged([path for _, path in to_files]) as handles:
            for (f, _), handle in zip(to_files, handles, strict=True):
                make(f, quiet=False).render(report, make_console(True, handle))
            for f, path in targets:
                if path is None:
                    make(f).render(report, make_console(no_color))
        if write_baseline is not None:
            write_text(write_baseline, _baseline_text(report))
        return exit_for(report.verdict, fail_on)

    if len(inventory_files) > 1 and (output or write_baseline):
        raise usage_exit("--output and --write-baseline take one inventory at a time")
    targets = _outputs(output or [], fmt, bool(os.environ.get("GITHUB_ACTIONS")))
    on_stdout = [f.value for f, path in targets if path is None]
    if write_baseline == STDOUT and on_stdout:  # two documents on one stream: none parses
        raise usage_exit(
            f"--write-baseline -: stdout already carries the {' and '.join(on_stdout)}"
            " output; write the baseline to a file, or the report (-o FILE)"
        )
    whole = [f.value for f, _ in targets if f not in STREAMABLE]
    if len(inventory_files) > 1 and whole:
        # one JSON, SARIF, JUnit, CSV or HTML document per file, printed one after the
        # other, is not a document any reader accepts
        raise usage_exit(
            f"-f {whole[0]} writes one document per inventory: give one inventory at a time"
            " (the table, markdown and github formats take several)"
        )
    distinct(
        [(path, path) for path in inventory_files]
        + ([(f"--baseline {baseline}", baseline)] if baseline else []),
        [(f"-o {v}", v.partition("=")[2] if "=" in v else v) for v in output or []]
        + ([(f"--write-baseline {write_baseline}", write_baseline)] if write_baseline else []),
    )  # fmt: skip
    codes = []
    for path in inventory_files:  # pre-commit passes several files at once
        try:
            codes.append(one(path))
        except typer.Exit as exc:
            if exc.exit_code == ExitCode.USAGE:
                raise
            codes.append(ExitCode(exc.exit_code))
    raise typer.Exit(max(codes, key=lambda c: EXIT_RANK[c]))


def _with_timeline(inv: "Inventory", report: "Report", learnt: "History") -> "Report":
    """``report`` with every host month by month over its forecast's horizon, as the
    forecast from ``learnt`` (history, engine/trend.py) saw it: observed usage applied.
    (The projection's timeline comes with its forecast: engine.evaluate(timeline=True).)"""
    from memplan.engine import trend

    f = report.forecast
    assert f is not None
    timeline = trend.timeline(engine.observe(inv), learnt, f.as_of, f.horizon_months)
    return replace(report, timeline=timeline)


STREAMABLE = frozenset({Format.TABLE, Format.MARKDOWN, Format.GITHUB})
"""Formats whose outputs for several inventories can follow one another on stdout."""


def _rules(names: list[str]) -> tuple[str, ...]:
    from memplan.rules import RULES

    known = {*RULES, *(r.RULE.name for r in RULES.values())}
    for name in names:
        if name not in known:
            raise usage_exit(f"--ignore {name}: no such rule{suggest(name, known)}")
    return tuple(names)


def _baseline(path: str | None) -> frozenset[tuple[str, str, str]]:
    if path is None:
        return frozenset()
    try:
        return inventory.read_baseline(path)
    except UsageError as exc:
        raise usage_exit(str(exc)) from None


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
            primary = None if value == STDOUT else value  # -o - is stdout, as without -o
        elif name in names:
            extra.append((Format(name), None if path == STDOUT else path))
        else:
            raise usage_exit(f"--output {value}: unknown format {name!r}{suggest(name, names)}")
    main: list[tuple[Format, str | None]]
    if primary is not None:  # the --format output goes to a file; auto means the table there
        main = [(Format.TABLE if fmt is Format.AUTO else fmt, primary)]
    else:
        main = [(f, None) for f in resolve(fmt, github)]
    for f, target in extra:
        if target is None and any(p is None for _, p in main):
            shown = " and ".join(m.value for m, p in main if p is None)
            raise usage_exit(
                f"-o {f.value}=-: stdout already carries the {shown} output; write one of"
                f" them to a file (-o FILE, or -o {f.value}=FILE), or print {f.value} alone"
                f" (-f {f.value})"
            )
        main.append((f, target))
    return main
