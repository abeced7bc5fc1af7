"""MP207 observed-usage-differs: modelled demand and vCenter's observed usage disagree.

A host's observed ``consumed`` is vCenter's overallMemoryUsage: its VMs' consumed memory
plus VMkernel and overheads. memplan compares it, less ``system_reserved``, with the
demand it models from the VMs. A gap above 10% of the host's memory means the
inventory's VMs are incomplete (VMs the export does not list, or listed under another
host) or the data are stale (collected at different times). Hosts whose demand rests on
the observation (no VM gives consumed figures) match it by construction, unless VMs
memplan placed there add to it.

Passes (8 GiB of VMs, 12 GiB observed: 4 GiB for the VMkernel, 0 GiB apart)::

    hosts:
      - name: h
        memory: 64GiB
        observed: {consumed: 12GiB}
        vms: [{name: a, memory: 8GiB, consumed: 8GiB, overhead: 0}]

Fails (8 GiB of VMs, 40 GiB observed: 28 GiB apart, above 6.4 GiB)::

    hosts:
      - name: h
        memory: 64GiB
        observed: {consumed: 40GiB}
        vms: [{name: a, memory: 8GiB, consumed: 8GiB, overhead: 0}]
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo(
    "MP207",
    "observed-usage-differs",
    Severity.WARN,
    "modelled demand and observed host usage differ by more than 10% of the host's memory",
)

TOLERANCE = Fraction(10, 100)
"""Largest gap accepted, as a fraction of the host's installed memory (issue 14)."""


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every host whose modelled demand is more than 10% of its memory
    away from its observed usage less system_reserved."""
    for name in sorted(ctx.hosts):
        r = ctx.hosts[name].result
        h = r.host
        if h.observed is None or h.observed.consumed is None:
            continue
        seen = max(0, h.observed.consumed - h.system_reserved)
        gap = abs(r.demand - seen)
        allowed = h.memory * TOLERANCE
        if gap <= allowed:
            continue
        more = "above" if r.demand > seen else "below"
        yield finding(
            RULE, "host", name, h.location,
            f"modelled demand {format_size(r.demand)} is {format_size(gap)} {more} the"
            f" {format_size(seen)} vCenter observed ({format_size(h.observed.consumed)} used"
            f" less {format_size(h.system_reserved)} system_reserved, {h.observed.source});"
            " the inventory's VMs are incomplete, or the data are stale",
            "|demand - (observed consumed - system_reserved)| > 10% x memory",
            (Input("demand", r.demand), Input("observed consumed", h.observed.consumed),
             Input("system_reserved", h.system_reserved), Input("gap", gap),
             Input("10% of memory", int(allowed))),
            ("vCenter quickStats.overallMemoryUsage / RVTools vHost Memory usage %",),
        )  # fmt: skip
