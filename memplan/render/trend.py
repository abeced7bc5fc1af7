"""Output of ``memplan trend``: fitted growth per host and cluster, with its band, the steps
and the dates, as a table, JSON, CSV or Markdown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any, assert_never

from rich.console import Console
from rich.text import Text

from memplan.model import ClusterTrend, DateRange, Fit, HostTrend, Steps, TrendReport
from memplan.render import TrendFormat
from memplan.render.base import new_vms_text, write_csv, write_safe
from memplan.render.layout import Cell, Column, fit, flow, grid, hanging, hidden_line, put
from memplan.render.layout import Fit as LayoutFit
from memplan.units import GIB, plural

BAND = (
    "band: the 95% confidence interval of the Theil-Sen slope; dates in [ ] are those at the"
    " band's high and low ends, both included (the fitted growth could be anywhere in it); '-'"
    " is not within"
    " the horizon"
)
"""What the band means, in one line (docs/trend.md)."""

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int]) -> str:
    """One bar per snapshot, scaled from the series' lowest to its highest value."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    if hi == lo:
        return BARS[3] * len(values)
    return "".join(BARS[round((v - lo) * (len(BARS) - 1) / (hi - lo))] for v in values)


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _fit(f: Fit | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "bytes_per_month": round(f.bytes_per_month),
        "bytes_per_month_low": round(f.low),
        "bytes_per_month_high": round(f.high),
        "snapshots": f.snapshots,
        "first": f.first.isoformat(),
        "last": f.last.isoformat(),
        "method": f.method,
    }


def _steps(s: Steps) -> dict[str, Any]:
    return {
        "added_bytes": s.added,
        "removed_bytes": s.removed,
        "resized_bytes": s.resized,
        "months": round(s.months, 2),
    }


def _dates(prefix: str, r: DateRange | None) -> dict[str, Any]:
    if r is None:
        return {f"{prefix}_at": None, f"{prefix}_at_range": None}
    return {f"{prefix}_at": _day(r.at), f"{prefix}_at_range": [_day(r.earliest), _day(r.latest)]}


def _host(h: HostTrend) -> dict[str, Any]:
    return {
        "name": h.host,
        "cluster": h.cluster,
        "capacity_bytes": h.capacity,
        "demand_bytes": h.demand,
        "history_bytes": list(h.history),
        "trend": _fit(h.fit),
        "arrivals_bytes_per_month": round(h.steps.arrivals_per_month),
        "resizes_bytes_per_month": round(h.steps.resizes_per_month),
        "steps": _steps(h.steps),
        **_dates("balloon", h.balloon),
        **_dates("swap", h.swap),
    }


def _cluster(c: ClusterTrend) -> dict[str, Any]:
    return {
        "name": c.cluster,
        "capacity_bytes": c.capacity,
        "demand_bytes": c.demand,
        "history_bytes": list(c.history),
        "trend": _fit(c.fit),
        "arrivals_bytes_per_month": round(c.steps.arrivals_per_month),
        "resizes_bytes_per_month": round(c.steps.resizes_per_month),
        "steps": _steps(c.steps),
        **_dates("balloon", c.balloon),
        **_dates("swap", c.swap),
        **_dates("ha_fail", c.ha_fail),
    }


def to_json(r: TrendReport) -> dict[str, Any]:
    """The JSON document (docs/trend.md)."""
    return {
        "schema_version": 1,
        "as_of": r.as_of.isoformat(),
        "horizon_months": r.horizon_months,
        "forecast_growth": "organic + arrivals" if r.arrivals else "organic",
        "snapshots": [{"source": s, "collected": c.isoformat()} for s, c in r.snapshots],
        "hosts": [_host(h) for h in r.hosts],
        "clusters": [_cluster(c) for c in r.clusters],
        "vms_reaching_size": [
            {
                "name": v.vm,
                "host": v.host,
                "bound_bytes": v.bound,
                "bytes_per_month": round(v.bytes_per_month),
                "at": v.at.isoformat(),
            }
            for v in r.vm_limits
        ],
        "notes": list(r.notes),
        "new_vms": [
            {
                "cluster": a.cluster,
                "host": a.host,
                "memory_bytes": a.shape.memory,
                "consumed_bytes": a.shape.consumed,
                "active_bytes": a.shape.active,
                "vcpus": a.shape.vcpus,
                "by_month": list(a.counts),
                "left_out": a.left_out,
            }
            for a in r.new_vms
        ],
    }


CSV_FIELDS = ("kind", "name", "cluster", "capacity_bytes", "demand_bytes", "bytes_per_month",
              "bytes_per_month_low", "bytes_per_month_high", "snapshots",
              "arrivals_bytes_per_month", "resizes_bytes_per_month", "balloon_at",
              "balloon_at_earliest", "balloon_at_latest", "swap_at", "swap_at_earliest",
              "swap_at_latest")  # fmt: skip


def _csv_row(kind: str, doc: dict[str, Any], cluster: str | None) -> dict[str, Any]:
    t = doc["trend"] or {}
    b, s = doc["balloon_at_range"], doc["swap_at_range"]
    return {
        "kind": kind, "name": doc["name"], "cluster": cluster,
        "capacity_bytes": doc["capacity_bytes"], "demand_bytes": doc["demand_bytes"],
        "bytes_per_month": t.get("bytes_per_month"),
        "bytes_per_month_low": t.get("bytes_per_month_low"),
        "bytes_per_month_high": t.get("bytes_per_month_high"), "snapshots": t.get("snapshots"),
        "arrivals_bytes_per_month": doc["arrivals_bytes_per_month"],
        "resizes_bytes_per_month": doc["resizes_bytes_per_month"],
        "balloon_at": doc["balloon_at"], "balloon_at_earliest": b[0], "balloon_at_latest": b[1],
        "swap_at": doc["swap_at"], "swap_at_earliest": s[0], "swap_at_latest": s[1],
    }  # fmt: skip


def render_trend(r: TrendReport, fmt: TrendFormat, console: Console) -> None:
    """Write ``r`` in ``fmt`` to ``console``."""
    if fmt is TrendFormat.JSON:
        console.file.write(json.dumps(to_json(r), indent=2, sort_keys=True) + "\n")
    elif fmt is TrendFormat.CSV:
        rows = [_csv_row("host", _host(h), h.cluster) for h in r.hosts]
        rows += [_csv_row("cluster", _cluster(c), c.cluster) for c in r.clusters]
        write_csv(console, CSV_FIELDS, ([row[k] for k in CSV_FIELDS] for row in rows))
    elif fmt is TrendFormat.MARKDOWN:
        write_safe(console, "\n".join(_markdown(r)) + "\n")
    elif fmt is TrendFormat.TABLE:
        _table(r, console)
    else:
        assert_never(fmt)


def _gib(n: float) -> str:
    return f"{n / GIB:+.1f}" if n else "0.0"


def _rate(f: Fit | None) -> str:
    if f is None:
        return "-"
    if f.low == f.high == f.bytes_per_month:  # two snapshots: one slope, no band
        return _gib(f.bytes_per_month)
    return f"{_gib(f.bytes_per_month)} [{_gib(f.low)}, {_gib(f.high)}]"


def _when(r: DateRange | None, never: str = "not within horizon") -> str:
    if r is None:
        return "-"
    if r.at is None and r.earliest is None:
        return never
    at = r.at.isoformat() if r.at else "later"
    if r.earliest == r.at and r.latest == r.at:
        return at
    return f"{at} [{_day(r.earliest) or 'later'}, {_day(r.latest) or 'later'}]"


def _header_parts(r: TrendReport) -> list[str]:
    first, last = r.snapshots[0][1], r.snapshots[-1][1]
    return [
        "memplan trend",
        f"{plural(len(r.snapshots), 'snapshot')} from {first.date().isoformat()}"
        f" to {last.date().isoformat()}",
        f"forecast from {r.as_of.isoformat()}, {plural(r.horizon_months, 'month')}, growth: "
        f"{'organic + arrivals' if r.arrivals else 'organic only'}",
        "GiB (2^30 bytes) per month",
    ]


def _header(r: TrendReport) -> str:
    return " · ".join(_header_parts(r))


def _when_cell(r: DateRange | None) -> Cell:
    """A date, then its band's two ends: they wrap apart, never inside one."""
    text = _when(r, "-")
    if "[" not in text:
        return text
    at, _, band = text.partition(" ")
    low, _, high = band.partition(" ")
    return (at, low, high)


def trend_columns() -> list[Column[HostTrend]]:
    """The per-host table; when the terminal is narrow, History goes first, then Cap,
    Demand and Arrivals (docs/output.md); Host, the rate and the dates stay."""
    return [
        Column("Host", lambda h: h.host),
        Column("Demand", lambda h: f"{h.demand / GIB:.1f}", "right", hide=2),
        Column("Cap", lambda h: f"{h.capacity / GIB:.1f}", "right", hide=3),
        Column("Organic [band]", lambda h: _rate(h.fit), "right"),
        Column("Arrivals", lambda h: _gib(h.steps.arrivals_per_month), "right", hide=1),
        Column("Balloons", lambda h: _when_cell(h.balloon)),
        Column("Swaps", lambda h: _when_cell(h.swap)),
        Column("History", lambda h: sparkline(h.history), hide=4),
    ]


def _table(r: TrendReport, console: Console) -> None:
    width = console.width
    put(console, flow(_header_parts(r), width))
    groups: dict[str | None, list[HostTrend]] = {}
    for h in r.hosts:
        groups.setdefault(h.cluster, []).append(h)
    clusters = {c.cluster: c for c in r.clusters}
    columns = trend_columns()
    fits: list[LayoutFit] = []
    for name, hosts in groups.items():
        c = clusters.get(name) if name is not None else None
        title: list[str | Text] = [Text("standalone hosts" if name is None else name)]
        if c is not None:
            title += [f"organic {_rate(c.fit)}", f"arrivals {_gib(c.steps.arrivals_per_month)}",
                      f"first balloons {_when(c.balloon)}"]  # fmt: skip
            if c.ha_fail is not None:
                title.append(f"HA fails {_when(c.ha_fail)}")
        put(console, flow([Text(p if isinstance(p, str) else p.plain, style="bold")
                           for p in title], width))  # fmt: skip
        layout, cells = fit(columns, hosts, width)
        fits.append(layout)
        put(console, grid(columns, layout, cells))
        put(console)
    hidden = hidden_line(fits, width, wide=False)
    if hidden is not None:
        put(console, hanging(console, hidden, width, "", "  "))
    lines = [
        Text(
            f"{v.vm} reaches its {v.bound / GIB:.1f} GiB on {v.at.isoformat()}"
            f" (+{v.bytes_per_month / GIB:.2f} GiB/month); beyond that its growth needs a resize"
        )
        for v in r.vm_limits
    ]
    lines += [Text(line) for line in _new_vms(r)]
    lines.append(Text(BAND, style="dim"))
    lines += [Text(f"note: {note}", style="dim") for note in r.notes]
    for line in lines:  # wrapped like check's and project's lines, continuations indented
        put(console, hanging(console, line, width, "", "  "))


def _month_after(r: TrendReport) -> str:
    """YYYY-MM of the horizon's end."""
    y, m = divmod(r.as_of.month - 1 + r.horizon_months, 12)
    return f"{r.as_of.year + y}-{m + 1:02d}"


def _new_vms(r: TrendReport) -> list[str]:
    """What arrives, per cluster: "arrivals into cluster shop: ... +11 by 2028-11"."""
    by = _month_after(r)
    return [
        f"arrivals into {a.pool}, shaped like its median VM: {new_vms_text(a, by)}"
        for a in r.new_vms
    ]


def _markdown(r: TrendReport) -> list[str]:
    lines = [f"### {_header(r)}", ""]
    lines += [
        "| Cluster | Host | Demand | Cap | Organic/month [band] | Arrivals | Balloons | Swaps | History |",
        "|---|---|--:|--:|--:|--:|---|---|---|",
    ]
    for h in r.hosts:
        lines.append(
            f"| {h.cluster or '-'} | {h.host} | {h.demand / GIB:.1f} | {h.capacity / GIB:.1f}"
            f" | {_rate(h.fit)} | {_gib(h.steps.arrivals_per_month)} | {_when(h.balloon)}"
            f" | {_when(h.swap)} | {sparkline(h.history)} |"
        )
    if r.clusters:
        lines += ["", "| Cluster | Organic/month [band] | Arrivals | First balloons | First swaps | HA fails |",
                  "|---|--:|--:|---|---|---|"]  # fmt: skip
        for c in r.clusters:
            lines.append(
                f"| {c.cluster} | {_rate(c.fit)} | {_gib(c.steps.arrivals_per_month)}"
                f" | {_when(c.balloon)} | {_when(c.swap)} | {_when(c.ha_fail)} |"
            )
    lines += [""] + [
        f"- {v.vm} reaches its {v.bound / GIB:.1f} GiB on {v.at.isoformat()}; beyond that its"
        " growth needs a resize"
        for v in r.vm_limits
    ]
    lines += [f"- {line}" for line in _new_vms(r)]
    lines.append(f"_{BAND}_")
    lines += [f"- note: {n}" for n in r.notes]
    return lines
