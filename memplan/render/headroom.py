"""Output of ``memplan headroom``: how many more VMs of a shape fit, as a table or JSON."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.text import Text

from memplan.model import ClusterHeadroom, Forecast, HeadroomReport, HostHeadroom
from memplan.render.base import arrivals_dict, growth_lines
from memplan.render.layout import Column, fit, flow, grid, hanging, put, words
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


def _obj(props: dict[str, Any], description: str = "") -> dict[str, Any]:
    """An object with exactly ``props``, each required (the renderer writes every key)."""
    doc: dict[str, Any] = {"type": "object", "properties": props, "required": sorted(props),
                           "additionalProperties": False}  # fmt: skip
    return doc | ({"description": description} if description else {})


def _n(description: str = "", null: bool = False) -> dict[str, Any]:
    """A count or a number of bytes: an integer, at least 0 (or null)."""
    doc: dict[str, Any] = {"type": ["integer", "null"] if null else "integer", "minimum": 0}
    return doc | ({"description": description} if description else {})


_TEXT: dict[str, Any] = {"type": "string"}
_DATE: dict[str, Any] = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
GROWTH_SCOPES = ("demand", "vm", "history", "none")
"""Forecast.growth_scope's words (docs/json.md, ``forecast.growth_scope``)."""


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of ``render_headroom_json``'s document, schema version 1:
    ``memplan schema headroom`` prints it and a test validates the command's output with
    it, so a key added to one and not the other fails the build."""
    arrival = _obj(
        {
            "cluster": {"type": ["string", "null"]},
            "host": {
                "type": ["string", "null"],
                "description": "A standalone host; null for a cluster.",
            },
            "shape": _obj(
                {
                    "memory_bytes": _n(),
                    "vcpus": _n(),
                    "consumed_bytes": _n(),
                    "active_bytes": _n(),
                    "overhead_bytes": _n(),
                },
                "What every new VM copies (docs/projection.md).",
            ),
            "new_vms": {
                "type": "array",
                "items": _n(),
                "minItems": 1,
                "description": "New VMs arrived by month 0, 1, ... to the horizon.",
            },
            "left_out": _n("New VMs that fit no host."),
        },
        "One cluster's (or standalone host's) new VMs from demand growth.",
    )
    at = _obj(
        {
            "as_of": _DATE | {"description": "The day the forecast starts."},
            "horizon_months": _n(),
            "date": _DATE | {"description": "The day the counts stand at: as_of + horizon_months."},
            "growth_scope": {"enum": list(GROWTH_SCOPES), "description": "Which growth ran."},
            "arrivals": {"type": "array", "items": {"$ref": "#/$defs/arrival"}},
            "notes": {"type": "array", "items": _TEXT},
        },
        "Where the counts stand (--growth or --horizon): the date, which growth ran and how "
        "many new VMs arrived by then.",
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "memplan headroom --format json, schema_version 1",
        **_obj({
            "schema_version": {"const": 1},
            "source": _TEXT,
            "keep_state": {"enum": ["clear", "soft"]},
            "shape": _obj({"configured_bytes": _n(), "vcpus": _n(), "overhead_bytes": _n(),
                           "reservation_bytes": _n(), "active_bytes": _n(),
                           "consumed_bytes": _n()}, "The VM counted."),
            "whatifs": {"type": "array", "items": _TEXT},
            "at": {"anyOf": [{"$ref": "#/$defs/at"}, {"type": "null"}],
                   "description": "null: today's counts."},
            "clusters": {"type": "array", "items": _obj({
                "name": _TEXT, "count": _n(), "limit": _TEXT,
                "count_ha": _n("With failover capacity kept; null without HA.", null=True),
                "limit_ha": {"type": ["string", "null"]},
            })},
            "hosts": {"type": "array", "items": _obj({
                "name": _TEXT, "cluster": {"type": ["string", "null"]}, "count": _n(),
                "limit": _TEXT,
            })},
        }),
        "$defs": {"at": at, "arrival": arrival},
    }  # fmt: skip


def _words(text: str) -> tuple[str, ...]:
    """A sentence as wrap units: it wraps between words, never inside a host name nor
    between a number and its unit."""
    return words(text)


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
    if r.hosts:
        layout_h, cells_h = fit(hosts, r.hosts, width)
        put(console, "each host on its own")
        put(console, grid(hosts, layout_h, cells_h))
    else:  # a header over no rows reads as a table that failed
        put(console, "no hosts: the inventory lists none")
    if r.ahead is not None and r.ahead.notes:
        put(console)
        put_notes(console, r.ahead.notes)


def _at(f: Forecast | None) -> list[str]:
    """ "at 2027-12-01 (12 months from 2026-12-01)", or nothing for today's counts."""
    if f is None:
        return []
    return [f"at {f.until.isoformat()} ({plural(f.horizon_months, 'month')} from"
            f" {f.as_of.isoformat()})"]  # fmt: skip
