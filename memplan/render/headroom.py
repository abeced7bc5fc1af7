"""Output of ``memplan headroom``: how many more VMs of a shape fit, as a table or JSON."""

from __future__ import annotations

import json

from rich.console import Console
from rich.text import Text

from memplan.model import ClusterHeadroom, Forecast, HeadroomReport, HostHeadroom
from memplan.render.base import arrivals_dict, growth_lines
from memplan.render.layout import Column, fit, flow, grid, hanging, put
from memplan.render.notes import put_notes
from memplan.units import format_size, plural


def render_headroom_json(r: HeadroomReport, console: Console) -> None:
    """The counts as JSON."""
    s = r.shape
    doc = {
        "schema_version": 1,
        "source": r.source,
        "keep_state": r.keep.value,
        "shape": {"configured_bytes": s.memory, "vcpus": s.vcpus, "overhead_bytes": s.overhead,
                  "reservation_bytes": s.reservation, "active_bytes": s.active,
                  "consumed_bytes": s.consumed},
        "whatifs": [str(w) for w in r.whatifs],
        "at": None if r.ahead is None else _at_json(r.ahead),
        "clusters": [{"name": c.cluster, "count": c.count, "limit": c.limit,
                      "count_ha": c.count_ha, "limit_ha": c.limit_ha} for c in r.clusters],
        "hosts": [{"name": h.host, "cluster": h.cluster, "count": h.count, "limit": h.limit}
                  for h in r.hosts],
    }  # fmt: skip
    console.file.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def _at_json(f: Forecast) -> dict[str, object]:
    """Where the counts stand: the horizon's date, which growth ran, what arrived."""
    return {
        "as_of": f.as_of.isoformat(), "horizon_months": f.horizon_months,
        "date": f.until.isoformat(), "growth_scope": f.growth_scope,
        "arrivals": [arrivals_dict(a) for a in f.arrivals], "notes": [n.text for n in f.notes],
    }  # fmt: skip


def _words(text: str) -> tuple[str, ...]:
    """A sentence as wrap units: it wraps between words, never inside a host name."""
    return tuple(text.split(" "))


def cluster_columns() -> list[Column[ClusterHeadroom]]:
    """The clusters table; the reasons wrap between words."""
    return [
        Column("Cluster", lambda c: c.cluster),
        Column("More VMs", lambda c: str(c.count), "right"),
        Column("Stops at", lambda c: _words(c.limit)),
        Column("With HA", lambda c: "-" if c.count_ha is None else str(c.count_ha), "right"),
        Column("HA stops at", lambda c: _words(c.limit_ha or "-")),
    ]


def host_columns() -> list[Column[HostHeadroom]]:
    """The per-host table; the reason wraps between words."""
    return [
        Column("Cluster", lambda h: h.cluster or "standalone"),
        Column("Host", lambda h: h.host),
        Column("More VMs", lambda h: str(h.count), "right"),
        Column("Stops at", lambda h: _words(h.limit)),
    ]


def render_headroom_table(r: HeadroomReport, console: Console) -> None:
    """Clusters first (placed like memplan places cluster VMs), then each host on its own."""
    s = r.shape
    width = console.width
    keep = "no ballooning" if r.keep.value == "clear" else "no swapping"
    reserved = f", reserves {format_size(s.reservation)}" if s.reservation else ""
    put(
        console,
        flow(
            [f"memplan headroom {r.source}",
             f"VM {format_size(s.memory)}, {s.vcpus} vCPU, overhead {format_size(s.overhead)}"
             + reserved,
             f"keep {r.keep.value} ({keep})", *_at(r.ahead)],
            width,
        ),
    )  # fmt: skip
    if r.whatifs:
        whatif = Text(" ".join(str(w) for w in r.whatifs), style="bold")
        put(console, hanging(console, whatif, width, "what-if: ", "  "))
    for line in growth_lines(r.ahead) if r.ahead is not None else []:
        indent = " " * (len(line) - len(line.lstrip()))
        put(console, hanging(console, Text(line.lstrip()), width, indent, indent + "  "))
    if r.clusters:
        columns = cluster_columns()
        layout, cells = fit(columns, r.clusters, width)
        put(console, "clusters")
        put(console, grid(columns, layout, cells))
        put(console)
    hosts = host_columns()
    layout_h, cells_h = fit(hosts, r.hosts, width)
    put(console, "each host on its own")
    put(console, grid(hosts, layout_h, cells_h))
    if r.ahead is not None and r.ahead.notes:
        put(console)
        put_notes(console, r.ahead.notes)


def _at(f: Forecast | None) -> list[str]:
    """ "at 2027-12-01 (12 months from 2026-12-01)", or nothing for today's counts."""
    if f is None:
        return []
    return [f"at {f.until.isoformat()} ({plural(f.horizon_months, 'month')} from"
            f" {f.as_of.isoformat()})"]  # fmt: skip
