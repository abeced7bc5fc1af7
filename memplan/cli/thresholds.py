"""``memplan thresholds``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from memplan import esxi
from memplan.units import UnitError, parse_size

if TYPE_CHECKING:
    pass
from memplan.cli.loading import table_or_json
from memplan.cli.options import NoColorOpt, Reading, TableOrJsonOpt
from memplan.cli.output import make_console


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
    fmt: TableOrJsonOpt = "table",
    no_color: NoColorOpt = False,
) -> None:
    """Print minFree and the free-memory band of each ESXi memory state for a host size.

    Each state's published threshold is shown beside its band; the one threshold the
    reading leaves without an edge (low's 16% in reading B) is marked * and explained.

    Example: memplan thresholds 130607MiB   (minFree 1920.47 MiB; esxtop shows 1920)
    """
    as_json = table_or_json(fmt, "thresholds")
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
    console = make_console(no_color)
    (render_json if as_json else render_table)(report, console)
