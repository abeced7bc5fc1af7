"""Output of ``memplan project``: a timeline per cluster, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from enum import StrEnum
from typing import Any, assert_never

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from memplan.model import MemState, ProjectReport, TimelinePoint
from memplan.render.base import STATE_STYLE
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
              "state")  # fmt: skip


def _row(p: TimelinePoint) -> dict[str, Any]:
    return {
        "month": p.month, "date": p.at.isoformat(), "cluster": p.cluster, "host": p.host,
        "capacity_bytes": p.capacity, "demand_bytes": p.demand, "free_bytes": p.free,
        "state": p.state.value,
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
                       "swap_at": h.swap_at.isoformat() if h.swap_at else None} for h in f.hosts],
            "clusters": [{"name": c.cluster,
                          "balloon_at": c.balloon_at.isoformat() if c.balloon_at else None,
                          "swap_at": c.swap_at.isoformat() if c.swap_at else None}
                         for c in f.clusters],
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
    groups: dict[str, list[TimelinePoint]] = defaultdict(list)
    for p in r.points:
        groups[p.cluster or "standalone hosts"].append(p)
    for name in sorted(groups, key=lambda n: (n == "standalone hosts", n)):
        t = Table(title=f"{name}", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)  # fmt: skip
        for col, justify in (("Month", "left"), ("Demand", "right"), ("Capacity", "right"),
                             ("Free", "right"), ("Worst", "left"), ("Hosts by state", "left"),
                             ("Crossings", "left")):  # fmt: skip
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
            t.add_row(
                pts[0].at.isoformat()[:7],
                f"{sum(p.demand for p in pts) / GIB:.1f}",
                f"{sum(p.capacity for p in pts) / GIB:.1f}",
                f"{sum(p.free for p in pts) / GIB:.1f}",
                Text(worst.value, style=STATE_STYLE[worst]),
                counts,
                Text("<- " + "; ".join(crossings), style="bold") if crossings else "",
            )
        put(console, t)
    for c in r.forecast.clusters:
        console.print(
            f"{c.cluster}: balloons from {c.balloon_at.isoformat() if c.balloon_at else 'not within horizon'},"
            f" swaps from {c.swap_at.isoformat() if c.swap_at else 'not within horizon'}",
            highlight=False,
        )
    for line in grouped(r.notes, verbose=verbose):
        console.print(Text(line, style="dim"))
