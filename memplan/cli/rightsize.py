"""``memplan rightsize``, and the ``--rightsize`` what-if that check, project and headroom share."""

from __future__ import annotations

import sys
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated

import typer

from memplan import inventory
from memplan.cli.exits import error_exit, usage_exit
from memplan.cli.loading import build_scenario, import_notes, load_inventory
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
    VerboseOpt,
    in_order,
)
from memplan.cli.output import distinct, emit, inputs_of, one_format, require_extra
from memplan.errors import InventoryError, UsageError
from memplan.inventory import whatif
from memplan.model import Inventory, MemState, Note
from memplan.render import RightsizeFormat
from memplan.units import MIB, UnitError, parse_percent, parse_size, suggest

if TYPE_CHECKING:
    from memplan.model import Sizing

MAX_BUFFER = Fraction(10)
"""A buffer above 1000% is a typo."""
STEP_UNIT = 4 * MIB
"""vSphere sizes VM memory in multiples of 4 MB (the vSphere client refuses others)."""

RightsizeOpt = Annotated[
    bool,
    typer.Option(
        "--rightsize",
        help="What if every powered-on VM had its recommended size (memplan rightsize):"
        " applied after the other what-ifs.",
    ),
]
BufferOpt = Annotated[
    str | None,
    typer.Option(
        "--buffer",
        metavar="PERCENT",
        help="With --rightsize: recommended = peak active x (1 + buffer) [default: 25%].",
    ),
]
SizeStepOpt = Annotated[
    str | None,
    typer.Option(
        "--size-step",
        metavar="SIZE",
        help="With --rightsize: round recommendations up to this step [default: 1GiB].",
    ),
]


def parse_sizing(buffer: str | None, step: str | None) -> Sizing:
    """--buffer and --step (--size-step) into a Sizing; bad values are usage errors."""
    from memplan.model import Sizing  # rightsize's classes, imported only when asked for

    sizing = Sizing()
    try:
        if buffer is not None:
            sizing = replace(sizing, buffer=parse_percent(buffer, maximum=MAX_BUFFER))
        if step is not None:
            sizing = replace(sizing, step=parse_size(step))
    except UnitError as exc:
        raise usage_exit(str(exc)) from None
    if sizing.step < STEP_UNIT or sizing.step % STEP_UNIT:
        raise usage_exit(
            f"--step {step}: VM memory is sized in multiples of 4 MiB; give such a step, e.g. 1GiB"
        )
    return sizing


def rightsize_whatif(
    inv: Inventory,
    rightsize: bool,
    buffer: str | None,
    step: str | None,
    snapshots: tuple[Inventory, ...] = (),
) -> Inventory:
    """The inventory after ``--rightsize`` (unchanged without it), with peak active over
    the ``--history`` snapshots when given; --buffer and --size-step without --rightsize
    are usage errors, so that nobody thinks they applied."""
    if not rightsize:
        if buffer is not None or step is not None:
            raise usage_exit("--buffer and --size-step size VMs only with --rightsize")
        return inv
    from memplan.engine import rightsize as engine_rightsize

    return engine_rightsize.rightsized(inv, parse_sizing(buffer, step), snapshots)


def rightsize(
    ctx: typer.Context,
    inventory_file: InventoryArg,
    buffer: Annotated[
        str,
        typer.Option(
            "--buffer", metavar="PERCENT", help="Recommended = peak active x (1 + buffer)."
        ),
    ] = "25%",
    step: Annotated[
        str,
        typer.Option(
            "--step",
            "--size-step",
            metavar="SIZE",
            help="Round recommendations up to a multiple of this (4 MiB units).",
        ),
    ] = "1GiB",
    history: Annotated[
        list[str] | None,
        typer.Option(
            "--history",
            metavar="SNAPSHOT",
            help="Earlier dated snapshots (inventories with 'collected:', RVTools exports, govc"
            " JSON; a folder stands for the snapshots in it; repeatable): peak active over all,"
            " idle VMs, how long VMs are off, and the forecast grows by their trend. Another"
            " estate's snapshots are left out with a note; none of the inventory's: exit 2.",
        ),
    ] = None,
    cluster: ClusterOpt = None,
    vm: Annotated[
        str | None,
        typer.Option(
            "--vm",
            metavar="SHAPE",
            help="Also count how many more VMs of this shape fit, before and after, e.g. 16GiB.",
        ),
    ] = None,
    keep_state: Annotated[
        KeepState,
        typer.Option(
            "--keep-state", help="With --vm: clear (no ballooning) or soft (no swapping)."
        ),
    ] = KeepState.CLEAR,
    top: Annotated[
        int,
        typer.Option(
            "--top", metavar="N", min=0, help="Table and Markdown: the N largest (0: every one)."
        ),
    ] = 25,
    fmt: Annotated[
        RightsizeFormat, typer.Option("--format", "-f", help="Output format.")
    ] = RightsizeFormat.TABLE,
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to this file instead of stdout."
        ),
    ] = None,
    fail_host: FailHostOpt = None,
    ha_failures: Annotated[
        int | None,
        typer.Option("--ha-failures", metavar="N", min=0, help="HA: host failures to simulate."),
    ] = None,
    add_vm: AddVmOpt = None,
    remove_vm: RemoveVmOpt = None,
    power_off: PowerOffOpt = None,
    add_host: AddHostOpt = None,
    remove_host: RemoveHostOpt = None,
    set_: SetOpt = None,
    growth: GrowthOpt = None,
    growth_scope: GrowthScopeOpt = GrowthScope.DEMAND,
    horizon: HorizonOpt = None,
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """What can be given back: a recommended size per VM, and what it buys.

    Example: memplan rightsize samples/realistic.yaml --buffer 25% --step 1GiB

    Over history: memplan rightsize samples/history/shop-2026-11.yaml --history
    samples/history/

    Per powered-on VM: recommended = peak active x (1 + buffer), rounded up to the step,
    at least its reservation and one step, at most its configured size and limit;
    reclaimable = configured - recommended. Then every host and cluster before and after
    applying the recommendations: state, free memory, HA survivors, and with --growth or
    --horizon when ballooning and swapping start; with --vm, headroom (at the horizon,
    after demand growth's new VMs, with --growth or --horizon). Also idle,
    powered-off and limited VMs. Active is a sampled estimate: read docs/rightsize.md
    before resizing. check, project and headroom take --rightsize to read their whole
    report as after rightsizing. Exit codes: 0 done, 2 usage error, 4 invalid inventory.
    """
    sizing = parse_sizing(buffer, step)
    if output is not None:
        distinct(inputs_of([inventory_file, *(history or [])]), one_format(output))
    shape = None
    if vm is None:
        inv = load_inventory(inventory_file, ctx, verbose)
    else:
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
    clusters = [c.name for c in inv.clusters]
    if cluster is not None and cluster not in clusters:
        raise usage_exit(f"--cluster {cluster}: no such cluster{suggest(cluster, clusters)}")
    if history and growth is None:
        require_extra("history", "--history (the forecast grows by its trend)")
    snapshots = _history(history or [], inv, verbose)
    scenario = build_scenario(
        ctx, inv, as_of=as_of, growth=growth, horizon=horizon, fail_host=fail_host,
        ha_failures=ha_failures, growth_scope=growth_scope.value,
    )  # fmt: skip
    from memplan.engine import rightsize as engine_rightsize
    from memplan.render.rightsize import render_rightsize

    report = engine_rightsize.report(
        inv, sizing, scenario, snapshots=snapshots, cluster=cluster, shape=shape,
        keep=MemState(keep_state.value),
    )  # fmt: skip
    emit(lambda r, c: render_rightsize(r, fmt, c, top), report, output, no_color)


def _history(paths: list[str], inv: Inventory, verbose: bool) -> tuple[Inventory, ...]:
    """The --history snapshots of the inventory's estate (memplan trend's loader, and the
    estate check --history keeps: engine/trend.py's one_estate()). Another estate's snapshot
    is left out with a note on stderr: its VM 'web01' would lend its peak to the inventory's
    'web01'. None of the inventory's estate, or one collected after the inventory (the
    inventory is "today"), is a usage error."""
    if not paths:
        return ()
    from memplan.cli.trend import load_history
    from memplan.engine import trend as engine_trend

    snapshots = load_history(paths, verbose)
    try:
        kept, left_out = engine_trend.one_estate(snapshots, inv, least=1)
    except UsageError as exc:  # as check --history says it
        raise usage_exit(f"--history: {exc}") from None
    _notes(left_out)
    today = inv.collected
    later = [s.source for s in kept if today and s.collected and s.collected > today]
    if later:
        raise usage_exit(
            f"--history {', '.join(later)}: collected after {inv.source}"
            f" ({today:%Y-%m-%d}); give the latest snapshot as INVENTORY"
        )
    return tuple(kept)


def _notes(lines: list[str]) -> None:
    """Notes on the --history read, on stderr (stdout is the report, maybe JSON or CSV),
    wrapped as import notes are."""
    if not lines:
        return
    from memplan.cli.output import output_width
    from memplan.render.notes import wrap_line
    from memplan.render.safe import safe_line

    width = output_width(sys.stderr)
    for line in lines:
        sys.stderr.write("\n".join(wrap_line(safe_line(f"history: {line}"), width)) + "\n")
