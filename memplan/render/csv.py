"""CSV: one row per host (raw numbers), or per VM with ``--csv-vms``."""

from __future__ import annotations

from rich.console import Console

from memplan.model import Report
from memplan.render.base import Renderer, write_csv

HOST_FIELDS = (
    "cluster", "host", "esxi", "memory_bytes", "managed_bytes", "capacity_bytes",
    "min_free_bytes", "vms_on", "configured_bytes", "overhead_bytes", "reserved_bytes",
    "active_bytes", "demand_bytes", "free_bytes", "overcommit_ratio", "state",
    "balloon_bytes", "swap_bytes", "verdict",
)  # fmt: skip
VM_FIELDS = (
    "vm", "cluster", "host", "placed", "power", "vcpus", "configured_bytes", "overhead_bytes",
    "reservation_bytes", "limit_bytes", "active_bytes", "consumed_bytes", "demand_bytes",
    "balloon_bytes", "compressed_bytes", "swapped_bytes", "active_hit_bytes", "verdict",
)  # fmt: skip


class CsvRenderer(Renderer):
    """``--format csv``: spreadsheets and scripts; sizes in bytes, no units."""

    def __init__(self, vms: bool = False) -> None:
        self.vms = vms

    def render(self, report: Report, console: Console) -> None:
        """Write the header and one row per host (or VM)."""
        if self.vms:
            write_csv(console, VM_FIELDS, ([
                    r.vm.name, r.vm.cluster or "", r.host or "", r.placed,
                    "on" if r.vm.powered_on else "off", r.vm.vcpus, r.vm.memory, r.vm.overhead,
                    r.vm.reservation, "" if r.vm.limit is None else r.vm.limit, r.vm.active,
                    r.vm.consumed, r.demand, r.balloon, r.compressed, r.swapped, r.active_hit,
                    r.verdict.value,
                ] for r in report.vms))  # fmt: skip
        else:
            write_csv(console, HOST_FIELDS, ([
                    h.host.cluster or "", h.host.name, h.host.esxi, h.host.memory, h.host.managed,
                    h.capacity, h.min_free, h.vms_on, h.configured, h.overhead, h.reserved,
                    h.active, h.demand, h.free, f"{h.overcommit_ratio:.4f}", h.state.value,
                    h.balloon, h.swap, h.verdict.value,
                ] for h in report.hosts))  # fmt: skip
