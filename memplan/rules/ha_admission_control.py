"""MP304 ha-admission-control: the cluster's HA admission-control policy is not met.

Slot policy: slot = largest reservation + overhead of a powered-on VM; each host holds
floor(capacity / slot) slots; the current failover capacity is how many of the largest
hosts can fail while the rest still hold one slot per powered-on VM. It must reach
``ha.failures``. Percentage policy: (capacity - reservations - overhead) / capacity must
reach ``ha.percentage``.

Passes (slot 8 GiB: 15 slots per host, 2 VMs; any one host holds both)::

    clusters:
      - name: prod
        ha: {policy: slots, failures: 1}
        hosts:
          - {name: a, memory: 128GiB, vms: [{name: v1, memory: 8GiB, reservation: all, overhead: 0}]}
          - {name: b, memory: 128GiB, vms: [{name: v2, memory: 8GiB, reservation: all, overhead: 0}]}

Fails (percentage: 200 of 248 GiB reserved leaves 19%, below 50%)::

    clusters:
      - name: prod
        ha: {policy: percentage, percentage: 50%}
        hosts:
          - {name: a, memory: 128GiB, vms: [{name: v1, memory: 100GiB, reservation: all, overhead: 0}]}
          - {name: b, memory: 128GiB, vms: [{name: v2, memory: 100GiB, reservation: all, overhead: 0}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo(
    "MP304", "ha-admission-control", Severity.FAIL, "HA admission-control policy not met"
)
SOURCE = "HA slot and percentage policies (vSphere 6.0 Availability guide)"


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for each cluster whose slot or percentage math falls short."""
    for name in sorted(ctx.ha):
        r = ctx.ha[name]
        loc = ctx.clusters[name].location
        wanted = r.failures  # ha.failures, or --ha-failures / --fail-host when given
        if r.slots is not None and r.slots.failover_capacity < wanted:
            s = r.slots
            yield finding(
                RULE, "cluster", name, loc,
                f"slot policy: slot {format_size(s.slot)}, slots"
                f" {', '.join(str(n) for _, n in s.slots_per_host)} for {s.vms_on} VMs:"
                f" tolerates {s.failover_capacity} host failure(s), not {wanted}",
                "failover capacity = largest k with sum(slots of all but the k largest) >= VMs on",
                (Input("slot", s.slot), Input("VMs on", s.vms_on, "count"),
                 Input("failover capacity", s.failover_capacity, "count"),
                 Input("failures to tolerate", wanted, "count")),
                (SOURCE,),
            )  # fmt: skip
        if r.percentage is not None and r.percentage.failover < r.percentage.required:
            p = r.percentage
            yield finding(
                RULE, "cluster", name, loc,
                f"percentage policy: {p.failover:.0%} of memory is unreserved"
                f" ({format_size(p.capacity - p.reserved)} of {format_size(p.capacity)}),"
                f" below the {p.required:.0%} reserved for failover",
                "(capacity - reservations - overhead) / capacity < percentage",
                (Input("capacity", p.capacity), Input("reserved", p.reserved),
                 Input("failover capacity", p.failover, "ratio"),
                 Input("percentage", p.required, "ratio")),
                (SOURCE,),
            )  # fmt: skip
