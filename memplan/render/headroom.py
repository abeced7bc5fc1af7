"""Output of ``memplan headroom``: how many more VMs of a shape fit, as a table or JSON."""

from __future__ import annotations

import json

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from memplan.model import HeadroomReport
from memplan.render.layout import put
from memplan.units import format_size


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
        "clusters": [{"name": c.cluster, "count": c.count, "limit": c.limit,
                      "count_ha": c.count_ha, "limit_ha": c.limit_ha} for c in r.clusters],
        "hosts": [{"name": h.host, "cluster": h.cluster, "count": h.count, "limit": h.limit}
                  for h in r.hosts],
    }  # fmt: skip
    console.file.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def render_headroom_table(r: HeadroomReport, console: Console) -> None:
    """Clusters first (placed like memplan places cluster VMs), then each host on its own."""
    s = r.shape
    keep = "no ballooning" if r.keep.value == "clear" else "no swapping"
    reserved = f", reserves {format_size(s.reservation)}" if s.reservation else ""
    console.print(
        f"memplan headroom {r.source} · VM {format_size(s.memory)}, {s.vcpus} vCPU,"
        f" overhead {format_size(s.overhead)}{reserved} · keep {r.keep.value} ({keep})",
        highlight=False,
    )
    if r.whatifs:
        console.print(Text("what-if: " + " ".join(str(w) for w in r.whatifs), style="bold"))
    if r.clusters:
        t = Table(title="clusters", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True)  # fmt: skip
        for col in ("Cluster", "More VMs", "Stops at", "With HA", "HA stops at"):
            t.add_column(col, justify="right" if col in ("More VMs", "With HA") else "left")
        for c in r.clusters:
            t.add_row(c.cluster, str(c.count), c.limit,
                      "-" if c.count_ha is None else str(c.count_ha), c.limit_ha or "-")  # fmt: skip
        put(console, t)
    t = Table(title="each host on its own", title_justify="left", box=box.SIMPLE_HEAD,
              pad_edge=False, collapse_padding=True)  # fmt: skip
    for col in ("Cluster", "Host", "More VMs", "Stops at"):
        t.add_column(col, justify="right" if col == "More VMs" else "left")
    for h in r.hosts:
        t.add_row(h.cluster or "standalone", h.host, str(h.count), h.limit)
    put(console, t)
