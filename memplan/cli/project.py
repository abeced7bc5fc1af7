"""``memplan project``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from memplan import engine
from memplan.model import ProjectReport
from memplan.render.project import ProjectFormat, render_project
from memplan.units import UnitError

if TYPE_CHECKING:
    pass
from memplan.cli.exits import usage_exit
from memplan.cli.loading import build_scenario, load_inventory, parse_months
from memplan.cli.options import (
    AddHostOpt,
    AddVmOpt,
    AsOfOpt,
    GrowthOpt,
    GrowthScope,
    GrowthScopeOpt,
    HistoryOpt,
    InventoryArg,
    NoColorOpt,
    PowerOffOpt,
    RemoveHostOpt,
    RemoveVmOpt,
    SetOpt,
    VerboseOpt,
)
from memplan.cli.output import distinct, emit, one_format, require_extra
from memplan.cli.rightsize import BufferOpt, RightsizeOpt, SizeStepOpt, rightsize_whatif
from memplan.cli.trend import OVERRIDDEN, history_forecast, learn_history


def project(
    ctx: typer.Context,
    inventory_file: InventoryArg,
    horizon: Annotated[
        str,
        typer.Option(
            "--horizon",
            metavar="DURATION",
            help="How far to project, e.g. 24m, 2y or 90d (whole months: 90d covers the"
            " months that hold the next 90 days).",
        ),
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
    rightsize: RightsizeOpt = False,
    buffer: BufferOpt = None,
    size_step: SizeStepOpt = None,
    growth: GrowthOpt = None,
    growth_scope: GrowthScopeOpt = GrowthScope.DEMAND,
    history: HistoryOpt = None,
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Project demand, free memory and state of every host, month by month.

    Example: memplan project samples/realistic.yaml --horizon 36m --growth 5%/month

    From history: memplan project samples/history/shop-2026-11.yaml --history
    samples/history/ --horizon 36m --step 3m (growth learnt from dated snapshots,
    docs/trend.md; a --growth given as well overrides it)

    In-VM only: memplan project inventory.yaml --growth 5%/month --growth-scope vm

    Demand growth (--growth, a host's or cluster's growth:) compounds monthly on each
    cluster's demand; what a VM cannot hold past its configured size or limit arrives as
    new VMs like the cluster's typical VM (median size, vCPUs, consumed and active
    ratios), placed as cluster VMs are. A VM's own growth: (or --growth-scope vm) grows
    inside VMs only. planned: changes apply from their date (docs/projection.md).
    Formats: table, json, csv (one row per host and month), html (a self-contained page
    with a chart per cluster, docs/html.md). Exit codes: 0 done, 2 usage error, 4 invalid
    inventory.
    """
    if fmt is ProjectFormat.HTML:
        require_extra("html", "--format html")
    if output is not None:
        distinct([(inventory_file, inventory_file)], one_format(output))
    inv = load_inventory(inventory_file, ctx, verbose)
    learnt = learn_history(history, inv, verbose) if history and (rightsize or not growth) else None
    inv = rightsize_whatif(inv, rightsize, buffer, size_step, learnt.snapshots if learnt else ())
    scenario = build_scenario(
        ctx, inv, as_of=as_of, growth=growth, horizon=horizon, growth_scope=growth_scope.value
    )
    try:
        every = parse_months(step)
    except UnitError as exc:
        raise usage_exit(str(exc)) from None
    assert scenario.as_of is not None
    assert scenario.horizon_months is not None
    from memplan.engine import projection

    inv = engine.observe(inv)  # hosts whose VMs give no consumed figure start from vCenter's
    if history and scenario.growth is None:
        from memplan.engine import trend

        assert learnt is not None  # learnt above: --history without --growth
        outlook = history_forecast(inv, scenario, learnt)
        points = trend.timeline(inv, learnt, scenario.as_of, scenario.horizon_months, every)
        report = ProjectReport(
            inv.source, scenario.as_of, scenario.horizon_months, every, points, outlook,
            outlook.notes, scenario.echo,
        )  # fmt: skip
        emit(lambda r, c: render_project(r, fmt, c, verbose), report, output, no_color)
        return
    host_of, _ = engine.place(inv)
    points, notes, outlook = projection.project(
        inv, host_of, scenario.as_of, scenario.horizon_months, every, scenario.growth,
        scenario.growth_scope,
    )  # fmt: skip
    if history:  # and --growth, which overrides it
        notes = (OVERRIDDEN, *notes)
    report = ProjectReport(
        inv.source, scenario.as_of, scenario.horizon_months, every, points, outlook, notes,
        scenario.echo,
    )  # fmt: skip
    emit(lambda r, c: render_project(r, fmt, c, verbose), report, output, no_color)
