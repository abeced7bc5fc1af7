"""Output of ``memplan project``: a timeline per cluster, as a table, JSON or CSV."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from enum import StrEnum
from typing import Any, assert_never

from rich.console import Console
from rich.text import Text

from memplan.model import MemState, ProjectReport, TimelinePoint
from memplan.render.base import (
    STATE_STYLE,
    arrivals_dict,
    arrivals_of,
    arrived_text,
    growth_lines,
    ha_lines,
    write_csv,
)
from memplan.render.layout import Cell, Column, fit, flow, grid, hanging, put
from memplan.render.notes import put_notes
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
        "state": p.state.value, "new_vms": p.arrived, "maintenance": p.maintenance,
    }  # fmt: skip


_POINT = (
    '{\n      "capacity_bytes": %d,\n      "cluster": %s,\n      "date": "%s",\n'
    '      "demand_bytes": %d,\n      "free_bytes": %d,\n      "host": %s,\n'
    '      "maintenance": %s,\n      "month": %d,\n      "new_vms": %d,\n      "state": %s\n'
    "    }"
)
"""A point as ``json.dumps(_row(p), indent=2, sort_keys=True)`` writes it two levels
down, as a template: there is a point per host and month (50,000 for 2,000 hosts over
24 months), and ``indent`` makes the encoder CPython's pure-Python one, which took most
of the JSON's time. tests/test_render_project.py holds both to the same bytes."""


def _point_lines(points: tuple[TimelinePoint, ...]) -> list[str]:
    """Each point's JSON (_POINT), in order."""
    enc = json.encoder.encode_basestring_ascii  # what json.dumps uses (ensure_ascii)
    text: dict[str | None, str] = {None: "null"}  # cluster and host names
    states = {s: enc(s.value) for s in MemState}
    days: dict[date, str] = {}  # a month's points share its date
    out = []
    for p in points:
        cluster, host, at = p.cluster, p.host, p.at
        c = text.get(cluster)
        if c is None:
            c = text[cluster] = enc(cluster)  # type: ignore[arg-type]  # None is in text
        h = text.get(host)
        if h is None:
            h = text[host] = enc(host)
        day = days.get(at)
        if day is None:
            day = days[at] = at.isoformat()
        m = "true" if p.maintenance else "false"
        out.append(_POINT % (p.capacity, c, day, p.demand, p.free, h, m, p.month, p.arrived,
                             states[p.state]))  # fmt: skip
    return out


def _indented(doc: dict[str, Any], points: list[str]) -> str:
    """``json.dumps(doc, indent=2, sort_keys=True)`` with ``points`` (JSON text, one per
    point) as the value of "points": each other key's value is dumped on its own and
    indented a level (JSON text holds no raw line break), the points joined as the
    encoder joins a list's items."""
    items = []
    for key in sorted(doc):
        if key == "points" and points:
            value = "[\n    " + ",\n    ".join(points) + "\n  ]"
        else:
            value = json.dumps(doc[key], indent=2, sort_keys=True).replace("\n", "\n  ")
        items.append(f"  {json.dumps(key)}: {value}")
    return "{\n" + ",\n".join(items) + "\n}"


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
            "points": [],  # written from _POINT (_indented())
            "hosts": [{"name": h.host, "cluster": h.cluster,
                       "balloon_at": h.balloon_at.isoformat() if h.balloon_at else None,
                       "swap_at": h.swap_at.isoformat() if h.swap_at else None,
                       "new_vms_by_balloon": h.arrived_by_balloon,
                       "new_vms_by_swap": h.arrived_by_swap} for h in f.hosts],
            "clusters": [{"name": c.cluster,
                          "balloon_at": c.balloon_at.isoformat() if c.balloon_at else None,
                          "swap_at": c.swap_at.isoformat() if c.swap_at else None,
                          "new_vms_by_balloon": c.arrived_by_balloon,
                          "new_vms_by_swap": c.arrived_by_swap,
                          "ha_warn_at": c.ha_warn_at.isoformat() if c.ha_warn_at else None,
                          "ha_fail_at": c.ha_fail_at.isoformat() if c.ha_fail_at else None,
                          "new_vms_by_ha_warn": c.arrived_by_ha_warn,
                          "new_vms_by_ha_fail": c.arrived_by_ha_fail}
                         for c in f.clusters],
            "growth_scope": f.growth_scope,
            "in_vm_vms": f.in_vm,
            "in_vm_full": dict(zip(("full_vms", "growing_vms", "observed_hosts"), f.in_vm_full,
                                   strict=True)),
            "arrivals": [arrivals_dict(a) for a in f.arrivals],
            "notes": [n.text for n in r.notes],
        }  # fmt: skip
        console.file.write(_indented(doc, _point_lines(r.points)) + "\n")
    elif fmt is ProjectFormat.CSV:
        write_csv(
            console, CSV_FIELDS, ([row[k] for k in CSV_FIELDS] for row in map(_row, r.points))
        )
    elif fmt is ProjectFormat.TABLE:
        _table(r, console, verbose)
    elif fmt is ProjectFormat.HTML:
        from memplan.render.html import project_page, write_page

        write_page(project_page(r), console)
    else:
        assert_never(fmt)


_Row = tuple[str, Cell, Cell, Cell, Cell, Cell, Cell, Cell, Cell, tuple[str, ...]]
"""A timeline row: its group, then Month, Demand, Capacity, Free, New VMs, Worst, Hosts by
state, Crossings, and the crossings as text."""


def project_columns(arrivals: bool) -> list[Column[_Row]]:
    """The timeline's columns; New VMs only when demand growth brings VMs. Hosts by state
    and Crossings wrap between their items; when Crossings cannot fit, it hides and each
    month's crossings print under the table instead."""
    columns: list[Column[_Row]] = [
        Column("Month", lambda r: r[1]),
        Column("Demand", lambda r: r[2], "right"),
        Column("Capacity", lambda r: r[3], "right"),
        Column("Free", lambda r: r[4], "right"),
        Column("New VMs", lambda r: r[5], "right"),
        Column("Worst", lambda r: r[6]),
        Column("Hosts by state", lambda r: r[7]),
        Column("Crossings", lambda r: r[8], hide=1),
    ]
    return columns if arrivals else [c for c in columns if c.header != "New VMs"]


def _items(parts: list[str], sep: str, style: str = "") -> tuple[Text, ...]:
    """``parts`` as wrap units, each but the last ending in ``sep``."""
    return tuple(
        Text(p + (sep if i < len(parts) - 1 else ""), style=style) for i, p in enumerate(parts)
    )


def _rows(r: ProjectReport) -> list[_Row]:
    groups: dict[str, list[TimelinePoint]] = defaultdict(list)
    for p in r.points:
        groups[p.cluster or STANDALONE].append(p)
    rows: list[_Row] = []
    for name in sorted(groups, key=lambda n: (n == STANDALONE, n)):
        by_month: dict[int, list[TimelinePoint]] = defaultdict(list)
        for p in groups[name]:
            by_month[p.month].append(p)
        before: dict[str, MemState] = {}
        for month in sorted(by_month):
            pts = by_month[month]
            worst = max((p.state for p in pts), key=lambda s: s.rank)
            serving = [p for p in pts if not p.maintenance]
            away = len(pts) - len(serving)
            counts = [
                f"{sum(p.state is s for p in serving)} {s.value}" for s in MemState
                if any(p.state is s for p in serving)
            ] + ([f"{away} maint"] if away else [])  # fmt: skip
            crossings = [
                f"{p.host} {before[p.host].value}->{p.state.value}"
                for p in pts if p.host in before and before[p.host] is not p.state
            ]  # fmt: skip
            before.update({p.host: p.state for p in pts})
            rows.append(
                (
                    name,
                    pts[0].at.isoformat()[:7],
                    f"{sum(p.demand for p in pts) / GIB:.1f}",
                    f"{sum(p.capacity for p in pts) / GIB:.1f}",
                    f"{sum(p.free for p in pts) / GIB:.1f}",
                    f"+{sum(p.arrived for p in pts)}",
                    Text(worst.value, style=STATE_STYLE[worst]),
                    _items(counts, ","),
                    _items(["<- " + crossings[0], *crossings[1:]], ";", "bold")
                    if crossings
                    else "",
                    tuple(crossings),
                )
            )
    return rows


STANDALONE = "standalone hosts"


def _table(r: ProjectReport, console: Console, verbose: bool) -> None:
    width = console.width
    put(
        console,
        flow(
            [f"memplan project {r.source}", f"as of {r.as_of.isoformat()}",
             f"{plural(r.horizon_months, 'month')}, every {plural(r.step_months, 'month')}",
             "sizes in GiB (2^30 bytes)"],
            width,
        ),
    )  # fmt: skip
    if r.whatifs:
        whatif = Text(" ".join(str(w) for w in r.whatifs), style="bold")
        put(console, hanging(console, whatif, width, "what-if: ", "  "))
    for line in growth_lines(r.forecast):
        indent = " " * (len(line) - len(line.lstrip()))
        put(console, hanging(console, Text(line.lstrip()), width, indent, indent + "  "))
    rows = _rows(r)
    if not rows:  # the header alone read as a projection cut short
        put(console, "no hosts: the inventory lists none")
    columns = project_columns(any(p.arrived for p in r.points))
    layout, cells = fit(columns, rows, width)
    for name in dict.fromkeys(row[0] for row in rows):
        put(console, name)
        mine = [(row, c) for row, c in zip(rows, cells, strict=True) if row[0] == name]
        put(console, grid(columns, layout, [c for _, c in mine]))
        if "Crossings" in layout.hidden:  # each month's crossings under the table instead
            for row, _ in mine:
                if row[9]:
                    text = Text("; ".join(row[9]), style="bold")
                    put(console, hanging(console, text, width, f"{row[1]} <- ", "    "))
        put(console)
    f = r.forecast
    horizon = plural(r.horizon_months, "month")
    for c in f.clusters:
        a = arrivals_of(f, c.cluster)
        put(console, hanging(console, Text(outlook(
            c.cluster, c.balloon_at, c.swap_at, horizon,
            arrived_text(a, c.arrived_by_balloon), arrived_text(a, c.arrived_by_swap),
        )), width, "", "  "))  # fmt: skip
    for line in ha_lines(f):
        put(console, hanging(console, Text(line), width, "", "  "))
    for h in f.hosts:
        if h.cluster is None:
            a = arrivals_of(f, None, h.host)
            put(console, hanging(console, Text(outlook(
                f"{h.host} (standalone)", h.balloon_at, h.swap_at, horizon,
                arrived_text(a, h.arrived_by_balloon), arrived_text(a, h.arrived_by_swap),
            )), width, "", "  "))  # fmt: skip
    put_notes(console, r.notes, verbose)


def outlook(
    name: str,
    balloon: date | None,
    swap: date | None,
    horizon: str,
    balloon_extra: str = "",
    swap_extra: str = "",
) -> str:
    """One sentence on when ``name`` starts ballooning and swapping, e.g. "prod-db:
    balloons from 2026-12-01; does not swap within 24 months"."""

    def at(d: date, extra: str) -> str:
        return f"{d.isoformat()} ({extra} by then)" if extra else d.isoformat()

    if balloon is None and swap is None:
        return f"{name}: neither balloons nor swaps within {horizon}"
    if swap is None:
        assert balloon is not None
        return f"{name}: balloons from {at(balloon, balloon_extra)}; does not swap within {horizon}"
    if balloon is None:
        return f"{name}: swaps from {at(swap, swap_extra)}"
    return f"{name}: balloons from {at(balloon, balloon_extra)}, swaps from {at(swap, swap_extra)}"
