"""Inventories and scenarios from the command line: what-ifs applied, import notes printed,
evaluation flags parsed (bad values are usage errors)."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from typing import TYPE_CHECKING

import typer

from memplan import inventory
from memplan.errors import InventoryError, UsageError
from memplan.inventory import whatif
from memplan.model import Inventory, Note, Scenario
from memplan.units import UnitError, clip, parse_duration, parse_growth, suggest

if TYPE_CHECKING:
    pass
from memplan.cli.exits import error_exit, usage_exit
from memplan.cli.options import ECHOED, in_order


def load_inventory(
    path: str, ctx: typer.Context, verbose: bool = False, quiet: bool = False
) -> Inventory:
    """The inventory with the command line's what-ifs applied, or the right exit.

    An RVTools export is imported in memory; what the import skipped or repaired goes to
    stderr, grouped by kind (every one with ``verbose``), so nothing is dropped silently.
    ``quiet`` (check -q) keeps only the import's summary line, which counts them, unless
    the import fails: then every note, as they say why.
    """
    notes: list[Note] = []
    try:
        inv = inventory.load(path, in_order(ctx, whatif.FLAGS), notes)
    except InventoryError as exc:  # the import's notes first: they say why, as import does
        import_notes(notes, verbose)
        raise error_exit(exc) from None
    except UsageError as exc:
        import_notes(notes, verbose)
        raise usage_exit(str(exc)) from None
    import_notes([n for n in notes if n.kind == "import-summary"] if quiet else notes, verbose)
    return inv


def import_notes(notes: list[Note], verbose: bool = False) -> None:
    """What an import skipped and repaired, on stderr: grouped by kind, or every row;
    each line wrapped at stderr's width as notes are at stdout's (COLUMNS, else the
    terminal's, else 132), its continuation lines indented."""
    if not notes:
        return
    from memplan.cli.output import output_width
    from memplan.render.notes import grouped, wrap_line
    from memplan.render.safe import safe_line

    width = output_width(sys.stderr)
    for line in grouped(notes, "import: ", verbose):
        sys.stderr.write("\n".join(wrap_line(safe_line(line), width)) + "\n")


def build_scenario(
    ctx: typer.Context,
    inv: Inventory,
    *,
    as_of: str | None,
    growth: str | None,
    horizon: str | None,
    fail_within: str | None = None,
    fail_host: list[str] | None = None,
    ha_failures: int | None = None,
    growth_scope: str = "demand",
) -> Scenario:
    """Parse the evaluation flags into a Scenario; bad values are usage errors (exit 2)."""
    try:
        today = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise usage_exit(f"--as-of {clip(as_of or '')}: write a date as YYYY-MM-DD") from None
    flag = "--growth"
    try:
        rate = parse_growth(growth) if growth else None
        flag = "--horizon"
        months = parse_months(horizon, today) if horizon else None
        flag = "--fail-within"
        window = None
        if fail_within:
            from memplan.engine import projection

            n, unit = parse_duration(fail_within)
            end = {"d": lambda: today + timedelta(days=n), "w": lambda: today + timedelta(weeks=n),
                   "m": lambda: projection.add_months(today, n),
                   "y": lambda: projection.add_months(today, 12 * n)}[unit]()  # fmt: skip
            window = (end - today).days
    except UnitError as exc:
        raise usage_exit(f"{flag}: {exc}") from None
    except (OverflowError, ValueError):  # date arithmetic past 9999-12-31
        raise usage_exit(
            f"--fail-within {fail_within} from {today} ends after 9999-12-31"
        ) from None
    if (today.year * 12 + today.month - 1 + (months or 12)) // 12 > date.max.year:
        raise usage_exit(
            f"--as-of {today} with a horizon of {months or 12} months ends after 9999-12-31"
        )
    names = [h.name for h in inv.hosts]
    for name in fail_host or []:
        if name not in names:
            raise usage_exit(f"--fail-host {name}: no such host{suggest(name, names)}")
    return Scenario(
        tuple(fail_host or ()),
        ha_failures,
        today,
        months,
        rate,
        window,
        in_order(ctx, ECHOED),
        growth_scope=growth_scope,
    )


def parse_months(text: str, today: date | None = None) -> int:
    """Months in ``text`` (18m, 2y). Given ``today``, days and weeks too, as --fail-within
    takes them: 90d is the months it takes to cover 90 days from today (whole months, as
    the projection steps by month)."""
    n, unit = parse_duration(text, "my" if today is None else "dwmy")
    if unit in "dw":
        from memplan.engine import projection

        try:
            end = today + timedelta(days=n * (7 if unit == "w" else 1)) if today else None
        except (OverflowError, ValueError):
            raise UnitError(f"{text!r}: the horizon must be 1 to 600 months") from None
        months = max(1, projection.month_of(today, end)) if today and end else 0
    else:
        months = n * 12 if unit == "y" else n
    if not 1 <= months <= 600:
        raise UnitError(f"{text!r}: the horizon must be 1 to 600 months")
    return months


def table_or_json(fmt: str, command: str) -> bool:
    """True for json, False for table; any other --format is a usage error (exit 2): the
    command cannot write it, and printing a table instead would fool a CI job."""
    from memplan.cli.options import TABLE_OR_JSON

    if fmt not in TABLE_OR_JSON:
        raise usage_exit(f"--format {fmt}: {command} writes table or json only")
    return fmt == "json"
