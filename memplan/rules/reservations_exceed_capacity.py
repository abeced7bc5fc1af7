"""MP201 reservations-exceed-capacity: reservations + overhead above a host's capacity.

Admission control powers a VM on only when its reservation + overhead fits the host's
unreserved capacity. When the powered-on VMs' reservations and overheads add up to
more than the capacity (managed - system_reserved), some of them cannot power on
(after a reboot, a vMotion or an HA restart).

Passes (64 GiB + overhead of 124 GiB capacity)::

    hosts:
      - {name: esx01, memory: 128GiB, vms: [{name: db01, memory: 64GiB, reservation: all}]}

Fails (2 x 64 GiB reserved on 124 GiB of capacity)::

    hosts:
      - name: esx01
        memory: 128GiB
        vms:
          - {name: db01, memory: 64GiB, reservation: all}
          - {name: db02, memory: 64GiB, reservation: all}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.esxi import SOURCES
from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo(
    "MP201", "reservations-exceed-capacity", Severity.FAIL,
    "reservations + overhead above the host's capacity: VMs cannot power on",
)  # fmt: skip


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every host whose reservations + overhead exceed its capacity."""
    for name in sorted(ctx.hosts):
        r = ctx.hosts[name].result
        claimed = r.reserved + r.overhead
        if claimed > r.capacity:
            yield finding(
                RULE, "host", name, r.host.location,
                f"reservations {format_size(r.reserved)} + overhead {format_size(r.overhead)}"
                f" = {format_size(claimed)} is above capacity {format_size(r.capacity)}:"
                " some VMs cannot power on",
                "sum(reservation + overhead) > capacity = managed - system_reserved",
                (Input("reservations", r.reserved), Input("overhead", r.overhead),
                 Input("managed", r.host.managed), Input("system_reserved", r.host.system_reserved),
                 Input("capacity", r.capacity)),
                (SOURCES["admission"], SOURCES["system-reserved"]),
            )  # fmt: skip
