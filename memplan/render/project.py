"""Output of ``memplan project``: a timeline per cluster, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import date
from enum import StrEnum
from typing import Any, assert_never

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from memplan.model import Arrivals, MemState, ProjectReport, TimelinePoint
from memplan.render.base import (
    STATE_STYLE,
    arrivals_dict,
    arrivals_of,
    arrived_text,
    growth_lines,
)
from memplan.render.layout import put
from memplan.render.notes import grouped
from memplan.units import GIB, plural


class ProjectFormat(StrEnum):
    """``memplan project --format``."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    HTML = "html"


CSV_FIELDS = ("month", "date", "cluster", "host", "capacity_bytes", "demand_bytes", "free_bytes",
              "state", "new_vms")  # fmt: skip


def _row(p: TimelinePoint) -> dict[str, Any]:
    return {
        "month": p.month, "date": p.at.isoformat(), "cluster": p.cluster, "host": p.host,
        "capacity_bytes": p.capacity, "demand_bytes": p.demand, "free_bytes": p.free,
        "state": p.state.value, "new_vms": p.arrived,
    }  # fmt: skip


def render_project(
    r: ProjectReport, fmt: ProjectFormat, console: Console, verbose: bool = False
) -> None:
    """Write ``r`` in ``fmt`` to ``console`` (``verbose``: every note, not grouped)."""
    if fmt is ProjectFormat.JSON:
        f = r.forecast
        doc = {
            "schema_version": 1,
            "source": r.source,
            "as_of": r.as_of.isoformat(),
            "horizon_months": r.horizon_months,
            "step_months": r.step_months,
            "whatifs": [str(w) for w in r.whatifs],
            "points": [_row(p) for p in r.points],
            "hosts": [{"name": h.host, "cluster": h.cluster,
                       "balloon_at": h.balloon_at.isoformat() if h.balloon_at else None,
                       "swap_at": h.swap_at.isoformat() if h.swap_at else None,
                       "new_vms_by_balloon": h.arrived_by_balloon,
                       "new_vms_by_swap": h.arrived_by_swap} for h in f.hosts],
            "clusters": [{"name": c.cluster,
                          "balloon_at": c.balloon_at.isoformat() if c.balloon_at else None,
                          "swap_at": c.swap_at.isoformat() if c.swap_at else None,
                          "new_vms_by_balloon": c.arrived_by_balloon,
                          "new_vms_by_swap": c.arrived_by_swap}
                         for c in f.clusters],
            "growth_scope": f.growth_scope,
            "arrivals": [arrivals_dict(a) for a in f.arrivals],
            "notes": [n.text for n in r.notes],
        }  # fmt: skip
        console.file.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    elif fmt is ProjectFormat.CSV:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for p in r.points:
            writer.writerow(_row(p))
        console.file.write(buffer.getvalue())
    elif fmt is ProjectFormat.TABLE:
        _table(r, console, verbose)
    elif fmt is ProjectFormat.HTML:
        from memplan.render.html import project_page, write_page

        write_page(project_page(r), console)
    else:
        assert_never(fmt)


def _table(r: ProjectReport, console: Console, verbose: bool) -> None:
    console.print(
        f"memplan project {r.source} · as of {r.as_of.isoformat()} ·"
        f" {plural(r.horizon_months, 'month')}, every {plural(r.step_months, 'month')}"
        " · sizes in GiB (2^30 bytes)",
        highlight=False,
    )
    if r.whatifs:
        console.print(Text("what-if: " + " ".join(str(w) for w in r.whatifs), style="bold"))
    for line in growth_lines(r.forecast):
        console.print(line, highlight=False)
    arrivals = any(p.arrived for p in r.points)
    groups: dict[str, list[TimelinePoint]] = defaultdict(list)
    for p in r.points:
        groups[p.cluster or "standalone hosts"].append(p)
    for name in sorted(groups, key=lambda n: (n == "standalone hosts", n)):
        t = Table(title=f"{name}", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)  # fmt: skip
        columns = [("Month", "left"), ("Demand", "right"), ("Capacity", "right"),
                   ("Free", "right"), ("Worst", "left"), ("Hosts by state", "left"),
                   ("Crossings", "left")]  # fmt: skip
        if arrivals:
            columns.insert(4, ("New VMs", "right"))
        for col, justify in columns:
            t.add_column(col, justify=justify, no_wrap=col != "Crossings")  # type: ignore[arg-type]
        by_month: dict[int, list[TimelinePoint]] = defaultdict(list)
        for p in groups[name]:
            by_month[p.month].append(p)
        before: dict[str, MemState] = {}
        for month in sorted(by_month):
            pts = by_month[month]
            worst = max((p.state for p in pts), key=lambda s: s.rank)
            counts = ", ".join(
                f"{sum(p.state is s for p in pts)} {s.value}" for s in MemState
                if any(p.state is s for p in pts)
            )  # fmt: skip
            crossings = [
                f"{p.host} {before[p.host].value}->{p.state.value}"
                for p in pts if p.host in before and before[p.host] is not p.state
            ]  # fmt: skip
            before.update({p.host: p.state for p in pts})
            cells: list[str | Text] = [
                pts[0].at.isoformat()[:7],
                f"{sum(p.demand for p in pts) / GIB:.1f}",
                f"{sum(p.capacity for p in pts) / GIB:.1f}",
                f"{sum(p.free for p in pts) / GIB:.1f}",
                Text(worst.value, style=STATE_STYLE[worst]),
                counts,
                Text("<- " + "; ".join(crossings), style="bold") if crossings else "",
            ]
            if arrivals:
                cells.insert(4, f"+{sum(p.arrived for p in pts)}")
            t.add_row(*cells)
        put(console, t)
    f = r.forecast
    for c in f.clusters:
        a = arrivals_of(f, c.cluster)
        console.print(
            f"{c.cluster}: balloons from {_when(c.balloon_at, a, c.arrived_by_balloon)},"
            f" swaps from {_when(c.swap_at, a, c.arrived_by_swap)}",
            highlight=False,
        )
    for h in f.hosts:
        if h.cluster is None:
            a = arrivals_of(f, None, h.host)
            console.print(
                f"{h.host}: balloons from {_when(h.balloon_at, a, h.arrived_by_balloon)},"
                f" swaps from {_when(h.swap_at, a, h.arrived_by_swap)}",
                highlight=False,
            )
    for line in grouped(r.notes, verbose=verbose):
        console.print(Text(line, style="dim"))


def _when(at: date | None, a: Arrivals | None, count: int) -> str:
    """ "2027-09-01 (+17 VMs of 10.0 GiB by then)", or "not within horizon"."""
    if at is None:
        return "not within horizon"
    extra = arrived_text(a, count)
    return f"{at.isoformat()} ({extra} by then)" if extra else at.isoformat()
