"""``memplan headroom``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from memplan import engine, inventory
from memplan.errors import InventoryError, UsageError
from memplan.inventory import whatif
from memplan.model import MemState, Note
from memplan.units import suggest

if TYPE_CHECKING:
    pass
from memplan.cli.exits import error_exit, usage_exit
from memplan.cli.loading import build_scenario, import_notes, table_or_json
from memplan.cli.options import (
    AddHostOpt,
    AddVmOpt,
    AsOfOpt,
    ClusterOpt,
    FailHostOpt,
    GrowthOpt,
    GrowthScope,
    GrowthScopeOpt,
    HorizonOpt,
    InventoryArg,
    KeepState,
    NoColorOpt,
    PowerOffOpt,
    RemoveHostOpt,
    RemoveVmOpt,
    SetOpt,
    TableOrJsonOpt,
    VerboseOpt,
    in_order,
)
from memplan.cli.output import make_console
from memplan.cli.rightsize import BufferOpt, RightsizeOpt, SizeStepOpt, rightsize_whatif


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
    cluster: ClusterOpt = None,
    keep_state: Annotated[
        KeepState,
        typer.Option("--keep-state", help="clear: stop before ballooning; soft: before swapping."),
    ] = KeepState.CLEAR,
    fmt: TableOrJsonOpt = "table",
    fail_host: FailHostOpt = None,
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
    rightsize: RightsizeOpt = False,
    buffer: BufferOpt = None,
    size_step: SizeStepOpt = None,
    growth: GrowthOpt = None,
    growth_scope: GrowthScopeOpt = GrowthScope.DEMAND,
    horizon: HorizonOpt = None,
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """How many more VMs of a shape fit on each host and cluster.

    Example: memplan headroom samples/realistic.yaml --vm 16GiB,vcpus=4,active=30%

    VMs are placed the way check places cluster VMs (most free memory that admits them,
    overhead included) until the first host would pass --keep-state. With HA configured
    the count also keeps the cluster's failover capacity.

    At a horizon: memplan headroom inv.yaml --vm 16GiB --growth 5%/month --horizon 12m
    counts on the inventory the forecast sees 12 months on (--horizon or --growth; default
    12m): VMs grown, planned changes applied, and the new VMs demand growth brought placed
    as project places them; the report says which growth ran and how many arrived.

    Exit codes: 0 done, 2 usage error, 4 invalid inventory.
    """
    as_json = table_or_json(fmt, "headroom")
    notes: list[Note] = []
    try:
        inv, shape = inventory.load_with_shape(
            inventory_file, in_order(ctx, whatif.FLAGS), vm, notes
        )
    except InventoryError as exc:
        raise error_exit(exc) from None
    except UsageError as exc:
        raise usage_exit(str(exc)) from None
    finally:
        import_notes(notes, verbose)
    inv = rightsize_whatif(inv, rightsize, buffer, size_step)
    clusters = [c.name for c in inv.clusters]
    if cluster is not None and cluster not in clusters:
        raise usage_exit(f"--cluster {cluster}: no such cluster{suggest(cluster, clusters)}")
    scenario = build_scenario(
        ctx, inv, as_of=as_of, growth=growth, horizon=horizon, fail_host=fail_host,
        ha_failures=ha_failures, growth_scope=growth_scope.value,
    )  # fmt: skip
    report = engine.headroom_report(inv, shape, MemState(keep_state.value), scenario, cluster)
    from memplan.render.headroom import render_headroom_json, render_headroom_table

    write = render_headroom_json if as_json else render_headroom_table
    write(report, make_console(no_color))
