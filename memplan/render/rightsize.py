"""Output of ``memplan rightsize``: recommended sizes, idle, powered-off and limited VMs,
and what applying the recommendations buys, as a table, JSON, CSV or Markdown."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar, assert_never

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from memplan.model import MemState, RightsizeReport, VMSizing
from memplan.render import RightsizeFormat
from memplan.render.base import write_csv, write_safe
from memplan.render.layout import put
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
            "growth": r.growth},
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


def _summary(r: RightsizeReport) -> str:
    oversized = sum(s.reclaimable > 0 for s in r.vms)
    total = sum(s.reclaimable for s in r.vms)
    return (
        f"{oversized} of {plural(len(r.vms), 'powered-on VM')} oversized,"
        f" {_gib(total)} GiB reclaimable"
    )


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
    put(console, _summary(r))
    _buys(r, console)
    _vm_table(r, console, top)
    _others(r, console)


def _buys(r: RightsizeReport, console: Console) -> None:
    forecast, shape = r.forecast is not None, r.shape is not None
    if r.clusters:
        put(console, "what it buys, per cluster (before -> after)")
        t = _new_table("")
        cols = ["Cluster", "Reclaim", "State", "Free", "Ratio", "HA survivors"]
        cols += ["Balloons", "Swaps"] if forecast else []
        cols += ["More VMs"] if shape else []
        for col in cols:
            t.add_column(col, justify="right" if col in ("Reclaim", "Free", "Ratio") else "left")
        for c in r.clusters:
            row = [c.name, _gib(c.reclaimable), _arrow(c.state, _s), _arrow(c.free, _gib),
                   _arrow(c.ratio, lambda x: f"{x:.2f}"), _arrow(c.ha_state, _s)]  # fmt: skip
            row += (
                [_arrow(c.balloon_at, _dater(r)), _arrow(c.swap_at, _dater(r))] if forecast else []
            )
            row += [_arrow(c.headroom, _n)] if shape else []
            t.add_row(*row)
        put(console, t)
    width = max((len(h.host) for h in r.hosts), default=4)  # host names stay whole
    put(console, "per host, by cluster (before -> after)")
    t = _new_table("")
    for col in ("Host", "Reclaim", "State", "Free", "Balloon", "Swap"):
        t.add_column(col, justify="left" if col in ("Host", "State") else "right",
                     min_width=width if col == "Host" else None)  # fmt: skip
    for h in r.hosts:
        t.add_row(h.host, _gib(h.reclaimable), _arrow(h.state, _s), _arrow(h.free, _gib),
                  _arrow(h.balloon, _gib), _arrow(h.swap, _gib))  # fmt: skip
    put(console, t)
    if forecast or shape:
        put(console, "per host, when and how many more (before -> after)")
        t = _new_table("")
        cols = [
            "Host",
            *(["Balloons", "Swaps"] if forecast else []),
            *(["More VMs"] if shape else []),
        ]
        for col in cols:
            t.add_column(col, min_width=width if col == "Host" else None)
        for h in r.hosts:
            row = [h.host]
            row += (
                [_arrow(h.balloon_at, _dater(r)), _arrow(h.swap_at, _dater(r))] if forecast else []
            )
            row += [_arrow(h.headroom, _n)] if shape else []
            t.add_row(*row)
        put(console, t)
    if r.forecast is not None:
        put(
            console,
            f"Balloons/Swaps: when a host first settles in soft/hard state, from"
            f" {r.forecast.as_of.isoformat()}, growing by {r.growth}; '-' is not before"
            f" {r.forecast.until.isoformat()}",
        )
    if r.shape is not None:
        put(
            console,
            f"More VMs: of {format_size(r.shape.memory)} each, keeping {r.keep.value}"
            " (clusters: with HA failover capacity when configured)" + _ahead(r),
        )


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


def _new_table(title: str) -> Table:
    return Table(title=title or None, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                 collapse_padding=True)  # fmt: skip


def _largest(r: RightsizeReport, top: int) -> tuple[list[VMSizing], int]:
    oversized = sorted((s for s in r.vms if s.reclaimable > 0),
                       key=lambda s: (-s.reclaimable, s.name))  # fmt: skip
    shown = oversized if top <= 0 else oversized[:top]
    return shown, len(oversized) - len(shown)


def _vm_table(r: RightsizeReport, console: Console, top: int) -> None:
    shown, more = _largest(r, top)
    if not shown:
        put(console, "no oversized VM")
    else:
        put(console, "oversized VMs, largest reclaim first")
        t = _new_table("")
        for col in ("VM", "Host", "Config", "Resv", "Peak act", "Recommend", "Reclaim", "Why"):
            t.add_column(col, justify="left" if col in ("VM", "Host", "Why") else "right",
                         no_wrap=col != "Why")  # fmt: skip
        for s in shown:
            t.add_row(
                s.name, s.host or "-", _gib(s.configured), _gib(s.reservation),
                "-" if s.peak_active is None else _gib(s.peak_active),
                "-" if s.recommended is None else _gib(s.recommended), _gib(s.reclaimable),
                s.reason,
            )  # fmt: skip
        put(console, t)
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


def _others(r: RightsizeReport, console: Console) -> None:
    idle = [s for s in r.vms if s.idle]
    if idle:
        put(console, "idle VMs: active below 1% of configured in every snapshot")
        t = _new_table("")
        for col in ("VM", "Host", "Config", "Peak act", "Basis"):
            t.add_column(col, justify="right" if col in ("Config", "Peak act") else "left")
        for s in idle:
            t.add_row(s.name, s.host or "-", _gib(s.configured), _gib(s.peak_active or 0), s.basis)
        put(console, t)
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
        t = _new_table("")
        for col in ("VM", "Host", "Config", "Limit", "Above limit"):
            t.add_column(col, justify="left" if col in ("VM", "Host") else "right")
        for s in limited:
            assert s.limit is not None
            t.add_row(s.name, s.host or "-", _gib(s.configured), _gib(s.limit),
                      _gib(_above_limit(s)))  # fmt: skip
        put(console, t)
    if r.powered_off:
        put(
            console,
            "powered off: no memory held today. Power-on: what it may use; Admission: unreserved"
            " memory it needs; Host state: today -> with it on",
        )
        t = _new_table("")
        for col in ("VM", "Host", "Config", "Power-on", "Admission", "Host state", "Off for"):
            t.add_column(
                col, justify="right" if col in ("Config", "Power-on", "Admission") else "left"
            )
        for p in r.powered_off:
            off = "one sample" if p.off_days is None else f">= {plural(p.off_days, 'day')}"
            state = "-" if p.state_if_on is None else _arrow(p.state_if_on, _s)
            t.add_row(p.name, p.host or "-", _gib(p.configured), _gib(p.power_on),
                      _gib(p.admission), state, off)  # fmt: skip
        put(console, t)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(r: RightsizeReport, console: Console, top: int) -> None:
    lines = [
        "### memplan rightsize",
        "",
        f"{_summary(r)} · buffer {float(r.sizing.buffer * 100):g}%, step"
        f" {format_size(r.sizing.step)} · basis: {basis(r)} · `{r.source}` · sizes in GiB",
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
