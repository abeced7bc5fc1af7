"""Output of ``memplan rightsize``: recommended sizes, idle, powered-off and limited VMs,
and what applying the recommendations buys, as a table, JSON, CSV or Markdown."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar, assert_never

from rich.console import Console
from rich.text import Text

from memplan.model import (
    ClusterSizing,
    Forecast,
    HostSizing,
    MemState,
    PoweredOffVM,
    RightsizeReport,
    VMSizing,
)
from memplan.render import RightsizeFormat
from memplan.render.base import write_csv, write_safe
from memplan.render.layout import Cell, Column, Fit, fit, flow, grid, hanging, hidden_line, put
from memplan.units import GIB, format_size, plural

RISK = (
    "active is a sampled estimate and guests use free memory as cache: resize in steps and"
    " watch the guest (docs/rightsize.md)"
)
"""The one-line warning every human-readable format prints."""

CSV_FIELDS = (
    "vm", "cluster", "host", "configured_bytes", "reservation_bytes", "limit_bytes",
    "peak_active_bytes", "recommended_bytes", "reclaimable_bytes", "idle", "basis", "reason",
)  # fmt: skip

T = TypeVar("T")


def render_rightsize(
    r: RightsizeReport, fmt: RightsizeFormat, console: Console, top: int = 25
) -> None:
    """Write ``r`` in ``fmt`` to ``console``; the table and Markdown list the ``top``
    largest recommendations (0: all)."""
    if fmt is RightsizeFormat.JSON:
        console.file.write(json.dumps(_doc(r), indent=2, sort_keys=True) + "\n")
    elif fmt is RightsizeFormat.CSV:
        write_csv(console, CSV_FIELDS, ([
                s.name, s.cluster or "", s.host or "", s.configured, s.reservation,
                "" if s.limit is None else s.limit, _blank(s.peak_active), _blank(s.recommended),
                s.reclaimable, s.idle, s.basis, s.reason,
            ] for s in r.vms))  # fmt: skip
    elif fmt is RightsizeFormat.MARKDOWN:
        _markdown(r, console, top)
    elif fmt is RightsizeFormat.TABLE:
        _table(r, console, top)
    else:
        assert_never(fmt)


def _blank(n: int | None) -> str | int:
    return "" if n is None else n


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def basis(r: RightsizeReport) -> str:
    """What the recommendations rest on, in a few words."""
    if r.snapshots <= 1:
        return "one sample"
    days = (r.last - r.first).days if r.first and r.last else None
    return f"{r.snapshots} snapshots" + (f" over {days} days" if days is not None else "")


def _pair(
    pair: tuple[T, T], key: str, conv: Callable[[T], Any] = lambda v: v
) -> tuple[dict[str, Any], dict[str, Any]]:
    return {key: conv(pair[0])}, {key: conv(pair[1])}


def _sides(*pairs: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for b, a in pairs:
        before.update(b)
        after.update(a)
    return {"before": before, "after": after}


def _state(s: MemState | None) -> str | None:
    return None if s is None else s.value


def _doc(r: RightsizeReport) -> dict[str, Any]:
    forecast = r.forecast is not None
    hosts = []
    for h in r.hosts:
        pairs = [_pair(h.state, "state", _state), _pair(h.free, "free_bytes"),
                 _pair(h.balloon, "balloon_bytes"), _pair(h.swap, "swap_bytes")]  # fmt: skip
        if forecast:
            pairs += [_pair(h.balloon_at, "balloon_at", _iso), _pair(h.swap_at, "swap_at", _iso)]
        if r.shape is not None:
            pairs.append(_pair(h.headroom, "headroom"))
        hosts.append({"name": h.host, "cluster": h.cluster, "reclaimable_bytes": h.reclaimable,
                      **_sides(*pairs)})  # fmt: skip
    clusters = []
    for c in r.clusters:
        pairs = [_pair(c.state, "state", _state), _pair(c.free, "free_bytes"),
                 _pair(c.ratio, "overcommit_ratio", lambda x: round(x, 4)),
                 _pair(c.ha_state, "ha_survivor_state", _state)]  # fmt: skip
        if forecast:
            pairs += [_pair(c.balloon_at, "balloon_at", _iso), _pair(c.swap_at, "swap_at", _iso)]
        if r.shape is not None:
            pairs.append(_pair(c.headroom, "headroom"))
        clusters.append({"name": c.name, "reclaimable_bytes": c.reclaimable, **_sides(*pairs)})
    return {
        "schema_version": 1,
        "source": r.source,
        "buffer": float(r.sizing.buffer),
        "step_bytes": r.sizing.step,
        "basis": basis(r),
        "snapshots": r.snapshots,
        "first": r.first.isoformat() if r.first else None,
        "last": r.last.isoformat() if r.last else None,
        "cluster": r.cluster,
        "whatifs": [str(w) for w in r.whatifs],
        "forecast": None if r.forecast is None else {
            "as_of": r.forecast.as_of.isoformat(), "until": r.forecast.until.isoformat(),
            "growth": r.growth, "growth_scope": r.forecast.growth_scope},
        "headroom_vm": None if r.shape is None else {
            "configured_bytes": r.shape.memory, "keep_state": r.keep.value,
            "at": None if r.headroom_ahead is None else r.headroom_ahead.until.isoformat(),
            "new_vms": None if r.headroom_ahead is None else
            sum(a.counts[-1] for a in r.headroom_ahead.arrivals)},
        "totals": {
            "vms_on": len(r.vms),
            "recommended": sum(s.recommended is not None for s in r.vms),
            "oversized": sum(s.reclaimable > 0 for s in r.vms),
            "no_active_figure": sum(s.recommended is None for s in r.vms),
            "reclaimable_bytes": sum(s.reclaimable for s in r.vms),
            "freed_bytes": _freed(r),
            "hostless_reclaimable_bytes": _hostless(r)[1],
            "idle": sum(s.idle for s in r.vms),
            "powered_off": len(r.powered_off),
            "powered_off_configured_bytes": sum(p.configured for p in r.powered_off),
            "above_limit_bytes": sum(_above_limit(s) for s in r.vms),
        },
        "vms": [{
            "name": s.name, "cluster": s.cluster, "host": s.host,
            "configured_bytes": s.configured, "recommended_bytes": s.recommended,
            "reclaimable_bytes": s.reclaimable, "peak_active_bytes": s.peak_active,
            "reservation_bytes": s.reservation, "limit_bytes": s.limit,
            "above_limit_bytes": _above_limit(s), "idle": s.idle, "basis": s.basis,
            "reason": s.reason,
        } for s in r.vms],
        "powered_off": [{
            "name": p.name, "cluster": p.cluster, "host": p.host,
            "configured_bytes": p.configured, "power_on_bytes": p.power_on,
            "admission_bytes": p.admission,
            "off_since": p.off_since.isoformat() if p.off_since else None,
            "off_days": p.off_days, "snapshots_off": p.snapshots,
            "host_state": None if p.state_if_on is None else {
                "today": p.state_if_on[0].value, "powered_on": p.state_if_on[1].value},
        } for p in r.powered_off],
        "clusters": clusters,
        "hosts": hosts,
    }  # fmt: skip


def _above_limit(s: VMSizing) -> int:
    return s.configured - s.limit if s.limit is not None and s.limit < s.configured else 0


def _gib(n: int) -> str:
    return f"{n / GIB:.1f}"


def _arrow(pair: tuple[Any, Any], fmt: Callable[[Any], str]) -> str:
    b, a = fmt(pair[0]), fmt(pair[1])
    return b if b == a else f"{b} -> {a}"


def _day(d: date | None) -> str:
    return "-" if d is None else d.isoformat()


def _month(d: date | None) -> str:
    return "-" if d is None else d.isoformat()[:7]


def _dater(r: RightsizeReport) -> Callable[[date | None], str]:
    """Days for a trend's forecast (day resolution), months for a monthly projection."""
    return _day if (r.growth or "").startswith("trend") else _month


def _s(s: MemState | None) -> str:
    return "-" if s is None else s.value


def _n(n: int | None) -> str:
    return "-" if n is None else str(n)


def _title(r: RightsizeReport) -> str:
    scope = f" · cluster {r.cluster}" if r.cluster else ""
    return (
        f"memplan rightsize {r.source}{scope} · buffer {float(r.sizing.buffer * 100):g}%,"
        f" step {format_size(r.sizing.step)} · basis: {basis(r)} · sizes in GiB (2^30 bytes)"
    )


def _freed(r: RightsizeReport) -> int:
    """Host memory the recommendations free: Free after less Free before, over the hosts."""
    return sum(h.free[1] - h.free[0] for h in r.hosts)


def _hostless(r: RightsizeReport) -> tuple[int, int]:
    """The oversized VMs memplan runs on no host, and what they reclaim."""
    vms = [s for s in r.vms if s.host is None and s.reclaimable > 0]
    return len(vms), sum(s.reclaimable for s in vms)


def _summary_parts(r: RightsizeReport) -> list[str]:
    oversized = sum(s.reclaimable > 0 for s in r.vms)
    total = sum(s.reclaimable for s in r.vms)
    line = f"{oversized} of {plural(len(r.vms), 'powered-on VM')} oversized"
    if not total:
        return [f"{line}, {_gib(total)} GiB reclaimable"]
    return [
        f"{line}, {_gib(total)} GiB reclaimable (configured memory)",
        f"Free gains {_gib(_freed(r))} GiB (host memory)",
    ]


def _summary(r: RightsizeReport) -> str:
    return ", ".join(_summary_parts(r))


def _why_free(r: RightsizeReport) -> str | None:
    """Why Free gains less (or more) than the reclaim, None when nothing is reclaimed."""
    total = sum(s.reclaimable for s in r.vms)
    if not total:
        return None
    if _freed(r) >= total:
        return "Free gains what the VMs held above their new sizes, their overheads shrinking too"
    n, hostless = _hostless(r)
    where = (
        f"{plural(n, 'VM')} memplan runs on no host (their cluster's observed usage already"
        " counts them, or they fit no host; docs/model.md)"
    )
    if hostless >= total:
        return f"all of it is in {where}: no host's Free shows it"
    line = (
        "reclaim counts configured memory; Free gains only what the VMs held above their new"
        " sizes, plus smaller overheads (docs/rightsize.md)"
    )
    if hostless:
        line += f"; {_gib(hostless)} GiB of it is in {where}, which no host's Free shows"
    return line


def _table(r: RightsizeReport, console: Console, top: int) -> None:
    put(console, _title(r))
    if r.whatifs:
        put(console, Text("what-if: " + " ".join(str(w) for w in r.whatifs), style="bold"))
    put(console, Text(RISK, style="yellow"))
    if r.snapshots <= 1:
        put(
            console,
            "one sample is weak evidence: give a month or more of earlier snapshots with --history",
        )
    put(console, flow(_summary_parts(r), console.width, ", ", ""))
    why = _why_free(r)
    if why is not None:
        put(console, hanging(console, Text(why), console.width, "", "  "))
    fits: list[Fit] = []
    _buys(r, console, fits)
    _vm_table(r, console, top, fits)
    _others(r, console, fits)
    hidden = hidden_line(fits, console.width, wide=False)
    if hidden is not None:
        put(console, hanging(console, hidden, console.width, "", "  "))


def _phrases(text: str) -> Cell:
    """A reason that wraps only between its phrases (after ',', ':' or ';'), so that a
    narrow terminal hides columns before it reads 'peak active' one word a line."""
    return tuple(p for p in re.split(r"(?<=[,:;]) ", text) if p)


def _put_table(console: Console, columns: list[Column[T]], rows: list[T], fits: list[Fit]) -> None:
    """A table laid out for the console's width: the columns with the highest ``hide`` go
    first when it is narrow (the report's last line says which), cells wrap between units."""
    put(console)
    if not rows:  # a header over no rows reads as a table that failed; nothing hides
        put(console, "none: the inventory lists no hosts")
        put(console)
        return
    layout, cells = fit(columns, rows, console.width)
    fits.append(layout)
    put(console, grid(columns, layout, cells))
    put(console)


def _buys(r: RightsizeReport, console: Console, fits: list[Fit]) -> None:
    forecast, shape = r.forecast is not None, r.shape is not None
    day = _dater(r)
    if r.clusters:
        put(console, "what it buys, per cluster (before -> after)")
        ccols: list[Column[ClusterSizing]] = [
            Column("Cluster", lambda c: c.name),
            Column("Reclaim", lambda c: _gib(c.reclaimable), "right"),
            Column("State", lambda c: _arrow(c.state, _s)),
            Column("Free", lambda c: _arrow(c.free, _gib), "right", hide=2),
            Column("Ratio", lambda c: _arrow(c.ratio, lambda x: f"{x:.2f}"), "right",
                   hide=3),
            Column("HA survivors", lambda c: _arrow(c.ha_state, _s), hide=1),
        ]  # fmt: skip
        if forecast:
            ccols += [Column("Balloons", lambda c: _arrow(c.balloon_at, day)),
                      Column("Swaps", lambda c: _arrow(c.swap_at, day))]  # fmt: skip
        if shape:
            ccols.append(Column("More VMs", lambda c: _arrow(c.headroom, _n)))
        _put_table(console, ccols, list(r.clusters), fits)
    put(console, "per host, by cluster (before -> after)")
    hcols: list[Column[HostSizing]] = [
        Column("Host", lambda h: h.host),
        Column("Reclaim", lambda h: _gib(h.reclaimable), "right"),
        Column("State", lambda h: _arrow(h.state, _s)),
        Column("Free", lambda h: _arrow(h.free, _gib), "right", hide=1),
        Column("Balloon", lambda h: _arrow(h.balloon, _gib), "right"),
        Column("Swap", lambda h: _arrow(h.swap, _gib), "right"),
    ]
    _put_table(console, hcols, list(r.hosts), fits)
    if forecast or shape:
        put(console, "per host, when and how many more (before -> after)")
        wcols: list[Column[HostSizing]] = [Column("Host", lambda h: h.host)]
        if forecast:
            wcols += [Column("Balloons", lambda h: _arrow(h.balloon_at, day)),
                      Column("Swaps", lambda h: _arrow(h.swap_at, day))]  # fmt: skip
        if shape:
            wcols.append(Column("More VMs", lambda h: _arrow(h.headroom, _n)))
        _put_table(console, wcols, list(r.hosts), fits)
    if r.forecast is not None:
        put(
            console,
            f"Balloons/Swaps: when a host first settles in soft/hard state, from"
            f" {r.forecast.as_of.isoformat()}, growing by {r.growth}{_kind(r.forecast)}; '-' is"
            " not before"
            f" {r.forecast.until.isoformat()}",
        )
    if r.shape is not None:
        put(
            console,
            f"More VMs: of {format_size(r.shape.memory)} each, keeping {r.keep.value}"
            " (clusters: with HA failover capacity when configured)" + _ahead(r),
        )


def _kind(f: Forecast) -> str:
    """Which kind of growth the forecast ran (docs/projection.md)."""
    return {"demand": " (demand growth)", "vm": " (inside VMs only)"}.get(f.growth_scope, "")


def _ahead(r: RightsizeReport) -> str:
    """Where the headroom counts stand, when not today."""
    f = r.headroom_ahead
    if f is None:
        return ""
    new = sum(a.counts[-1] for a in f.arrivals)
    return f"; at {f.until.isoformat()}" + (
        f", after the {plural(new, 'new VM')} demand growth brings (before rightsizing)"
        if new
        else ""
    )


def _largest(r: RightsizeReport, top: int) -> tuple[list[VMSizing], int]:
    oversized = sorted((s for s in r.vms if s.reclaimable > 0),
                       key=lambda s: (-s.reclaimable, s.name))  # fmt: skip
    shown = oversized if top <= 0 else oversized[:top]
    return shown, len(oversized) - len(shown)


def _vm_table(r: RightsizeReport, console: Console, top: int, fits: list[Fit]) -> None:
    shown, more = _largest(r, top)
    if not shown:
        put(console, "no oversized VM")
    else:
        put(console, "oversized VMs, largest reclaim first")
        columns: list[Column[VMSizing]] = [
            Column("VM", lambda s: s.name),
            Column("Host", lambda s: s.host or "-", hide=2),
            Column("Config", lambda s: _gib(s.configured), "right", hide=1),
            Column("Resv", lambda s: _gib(s.reservation), "right", hide=4),
            Column("Peak act", lambda s: "-" if s.peak_active is None else _gib(s.peak_active),
                   "right", hide=3),  # Why says it too
            Column("Recommend", lambda s: "-" if s.recommended is None else _gib(s.recommended),
                   "right"),
            Column("Reclaim", lambda s: _gib(s.reclaimable), "right"),
            Column("Why", lambda s: _phrases(s.reason)),
        ]  # fmt: skip
        _put_table(console, columns, shown, fits)
    if more:
        put(
            console,
            f"... and {plural(more, 'more oversized VM')} (--top 0 lists all; --format csv"
            " has every VM)",
        )
    missing = [s.name for s in r.vms if s.recommended is None]
    if missing:
        names = ", ".join(missing[:10]) + (", ..." if len(missing) > 10 else "")
        put(
            console,
            f"no recommendation for {plural(len(missing), 'VM')} without an active figure: {names}",
        )


def _others(r: RightsizeReport, console: Console, fits: list[Fit]) -> None:
    idle = [s for s in r.vms if s.idle]
    if idle:
        put(console, "idle VMs: active below 1% of configured in every snapshot")
        icols: list[Column[VMSizing]] = [
            Column("VM", lambda s: s.name),
            Column("Host", lambda s: s.host or "-", hide=1),
            Column("Config", lambda s: _gib(s.configured), "right"),
            Column("Peak act", lambda s: _gib(s.peak_active or 0), "right"),
            Column("Basis", lambda s: s.basis),
        ]
        _put_table(console, icols, idle, fits)
    else:
        put(
            console,
            "idle VMs: none"
            + (" (it takes two snapshots 7 or more days apart)" if r.snapshots <= 1 else ""),
        )
    limited = [s for s in r.vms if _above_limit(s)]
    if limited:
        put(
            console,
            "limits below configured (MP102): the memory above a limit is reclaimable at no"
            " cost to the guest",
        )
        lcols: list[Column[VMSizing]] = [
            Column("VM", lambda s: s.name),
            Column("Host", lambda s: s.host or "-", hide=1),
            Column("Config", lambda s: _gib(s.configured), "right"),
            Column("Limit", lambda s: _gib(s.limit or 0), "right"),
            Column("Above limit", lambda s: _gib(_above_limit(s)), "right"),
        ]
        _put_table(console, lcols, limited, fits)
    if r.powered_off:
        put(
            console,
            "powered off: no memory held today. Power-on: what it may use; Admission: unreserved"
            " memory it needs; Host state: today -> with it on",
        )
        pcols: list[Column[PoweredOffVM]] = [
            Column("VM", lambda p: p.name),
            Column("Host", lambda p: p.host or "-", hide=2),
            Column("Config", lambda p: _gib(p.configured), "right"),
            Column("Power-on", lambda p: _gib(p.power_on), "right"),
            Column("Admission", lambda p: _gib(p.admission), "right"),
            Column("Host state",
                   lambda p: "-" if p.state_if_on is None else _arrow(p.state_if_on, _s)),
            Column("Off for", lambda p: "one sample" if p.off_days is None
                   else f">= {plural(p.off_days, 'day')}", hide=1),
        ]  # fmt: skip
        _put_table(console, pcols, list(r.powered_off), fits)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(r: RightsizeReport, console: Console, top: int) -> None:
    lines = [
        "### memplan rightsize",
        "",
        f"{_summary(r)} · buffer {float(r.sizing.buffer * 100):g}%, step"
        f" {format_size(r.sizing.step)} · basis: {basis(r)} · `{r.source}` · sizes in GiB",
        *(["", why] if (why := _why_free(r)) is not None else []),
        "",
        f"> {RISK}",
    ]
    if r.whatifs:
        lines += ["", "what-if: " + " ".join(f"`{w}`" for w in r.whatifs)]
    forecast = r.forecast is not None
    lines += ["", "| Cluster | Reclaim | State | Free | HA survivors |"
              + (" Balloons | Swaps |" if forecast else ""),
              "|---|---:|---|---:|---|" + ("---|---|" if forecast else "")]  # fmt: skip
    for c in r.clusters:
        row = (f"| {_cell(c.name)} | {_gib(c.reclaimable)} | {_arrow(c.state, _s)}"
               f" | {_arrow(c.free, _gib)} | {_arrow(c.ha_state, _s)} |")  # fmt: skip
        if forecast:
            row += f" {_arrow(c.balloon_at, _dater(r))} | {_arrow(c.swap_at, _dater(r))} |"
        lines.append(row)
    changed = [h for h in r.hosts if h.state[0] is not h.state[1]]
    if changed:
        lines += ["", "Hosts whose state changes: " + ", ".join(
            f"`{h.host}` {_arrow(h.state, _s)}" for h in changed)]  # fmt: skip
    shown, more = _largest(r, top)
    if shown:
        lines += ["", f"<details><summary>{len(shown) + more} oversized VMs</summary>", "",
                  "| VM | Host | Config | Recommend | Reclaim | Why |",
                  "|---|---|---:|---:|---:|---|"]  # fmt: skip
        for s in shown:
            lines.append(
                f"| {_cell(s.name)} | {_cell(s.host or '-')} | {_gib(s.configured)}"
                f" | {_gib(s.recommended or 0)} | {_gib(s.reclaimable)} | {_cell(s.reason)} |"
            )
        if more:
            lines.append(f"\n... and {more} more")
        lines += ["", "</details>"]
    write_safe(console, "\n".join(lines) + "\n")
