"""``memplan trend``."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, NamedTuple

import typer

from memplan.cli.exits import error_exit, usage_exit
from memplan.cli.loading import import_notes, parse_months
from memplan.cli.options import NoColorOpt, VerboseOpt
from memplan.cli.output import distinct, emit, inputs_of, one_format, require_extra
from memplan.errors import InventoryError, UsageError
from memplan.model import Inventory, Note, Scenario
from memplan.render import TrendFormat
from memplan.units import UnitError

if TYPE_CHECKING:
    from memplan.engine.trend import History
    from memplan.model.forecast import Forecast

SnapshotsArg = Annotated[
    list[str],
    typer.Argument(
        help="Dated snapshots: inventory YAML files with 'collected:', RVTools exports or govc"
        " JSON (a hosts.json and vms.json pair is one), mixed, in any order; a folder stands"
        " for the snapshots in it.",
        show_default=False,
        metavar="SNAPSHOT...",
    ),
]


def load_history(
    paths: list[str], verbose: bool = False, notes: list[Note] | None = None
) -> tuple[Inventory, ...]:
    """Every snapshot, or the right exit (4: one is invalid; 2: one has no date); ``notes``
    receives the import's notes, once printed."""
    from memplan.inventory.snapshots import load_snapshots

    notes = [] if notes is None else notes
    try:
        return load_snapshots(paths, notes)
    except InventoryError as exc:
        raise error_exit(exc) from None
    except UsageError as exc:
        raise usage_exit(str(exc)) from None
    finally:
        import_notes(notes, verbose)


class Snapshots(NamedTuple):
    """The ``--history`` snapshots as read, and the import's notes on them (a named tuple:
    a dataclass here would need memplan/dataclass_code.marshal regenerated)."""

    snapshots: tuple[Inventory, ...]
    notes: tuple[Note, ...]


def read_history(paths: list[str], verbose: bool = False) -> Snapshots:
    """The ``--history`` snapshots (their import notes printed), or the right exit."""
    require_extra("history", "--history")
    notes: list[Note] = []
    snapshots = load_history(paths, verbose, notes)
    return Snapshots(snapshots, tuple(notes))


def learn_from(read: Snapshots, today: Inventory) -> History:
    """The growth the snapshots of ``today``'s estate show, or the right exit: none of them
    shares a host or VM with ``today`` is a usage error, not growth of another estate."""
    from memplan.engine import trend as engine_trend

    try:
        return engine_trend.learn(read.snapshots, today)
    except UsageError as exc:
        raise usage_exit(f"--history: {exc}{_dated_by_file(exc, list(read.notes))}") from None


def learn_history(paths: list[str], today: Inventory, verbose: bool = False) -> History:
    """The growth ``--history`` snapshots show for ``today``, or the right exit."""
    return learn_from(read_history(paths, verbose), today)


def _dated_by_file(exc: UsageError, notes: list[Note]) -> str:
    """Why snapshots too close in time may be: exports dated by their files, which a copy
    re-dates."""
    from memplan.engine.trend import ShortSpan

    by_file = sum(1 for n in notes if n.kind == "dated-by-file")
    if not isinstance(exc, ShortSpan) or not by_file:
        return ""
    return (
        f"; {by_file} of them dated by the file's modification time, which a copy resets:"
        " give exports that say when they were collected (RVTools' vMetaData tab), or"
        " import each (memplan import rvtools FILE -o FILE.yaml) and set its collected:"
    )


def history_forecast(inv: Inventory, scenario: Scenario, history: History) -> Forecast:
    """check's forecast with the growth learnt from ``history``: over --horizon (12 months
    by default), and at least the --fail-within window."""
    from memplan.engine import projection
    from memplan.engine import trend as engine_trend

    assert scenario.as_of is not None
    horizon = scenario.horizon_months or projection.DEFAULT_HORIZON_MONTHS
    if scenario.fail_within_days is not None:
        end = scenario.as_of + timedelta(days=scenario.fail_within_days)
        horizon = max(horizon, projection.month_of(scenario.as_of, end))
    return engine_trend.forecast(inv, history, scenario.as_of, horizon, scenario.fail_within_days)


OVERRIDDEN = Note("trend", "--growth is given: it overrides the growth learnt from --history")


def trend(
    snapshots: SnapshotsArg,
    horizon: Annotated[
        str,
        typer.Option(
            "--horizon", metavar="DURATION", help="How far to look for the dates, e.g. 24m or 3y."
        ),
    ] = "24m",
    organic_only: Annotated[
        bool,
        typer.Option(
            "--organic-only",
            help="Forecast with organic growth alone, without the arrival rate of new VMs.",
        ),
    ] = False,
    fmt: Annotated[
        TrendFormat, typer.Option("--format", "-f", help="Output format.")
    ] = TrendFormat.TABLE,
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to this file instead of stdout."
        ),
    ] = None,
    no_color: NoColorOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Learn memory growth from dated snapshots, and say when each host balloons and swaps.

    Example: memplan trend samples/history/

    Per host and cluster: organic growth (VMs that grow, fitted by Theil-Sen with a 95%
    band), arrivals (VMs added, removed and resized, as steps, per month on average), and
    the days the last snapshot, grown by both, first balloons, swaps and fails HA, with the
    range the band gives (docs/trend.md). Formats: table, json, csv, markdown. Exit codes:
    0 done, 2 usage error (fewer than two dated snapshots, or less than a day from the
    first to the last; one without a date), 4 invalid snapshot.
    """
    require_extra("history", "memplan trend")
    try:
        months = parse_months(horizon)
    except UnitError as exc:
        raise usage_exit(str(exc)) from None
    if output is not None:
        distinct(inputs_of(snapshots), one_format(output))
    notes: list[Note] = []
    history = load_history(snapshots, verbose, notes)
    from memplan.engine import trend as engine_trend

    try:
        report = engine_trend.trend_report(history, months, arrivals=not organic_only)
    except UsageError as exc:
        raise usage_exit(f"{exc}{_dated_by_file(exc, notes)}") from None
    from memplan.render.trend import render_trend

    emit(lambda r, c: render_trend(r, fmt, c), report, output, no_color)
