"""MP202 host-ballooning: a host settles in the soft state, where ESXi balloons.

When free memory (capacity - demand) falls below the top of the soft band (100% of
minFree on ESXi 6.0+ with reading B), ESXi reclaims the difference. If the idle memory
within the balloon limits covers it, the host settles in soft: guests are ballooned,
which is a warning sign but not yet swapping.

Passes (plenty free)::

    hosts:
      - {name: esx01, memory: 128GiB, vms: [{name: a, memory: 64GiB}]}

Fails (demand leaves less than minFree free, idle memory covers the need)::

    hosts:
      - name: esx01
        memory: 128GiB
        vms: [{name: a, memory: 123GiB, active: 30%, overhead: 0}]
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.esxi import SOURCES
from memplan.model import Finding, Input, MemState, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo("MP202", "host-ballooning", Severity.WARN, "host settles in soft state: ballooning")


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every host that settles in soft state."""
    for name in sorted(ctx.hosts):
        r = ctx.hosts[name].result
        if r.state is MemState.SOFT:
            yield finding(
                RULE, "host", name, r.host.location,
                f"settles in soft state: free {format_size(r.free)} is below the soft-band top"
                f" {format_size(r.free + r.need)}; ESXi balloons {format_size(r.balloon)}"
                f" of {format_size(r.balloonable)} idle memory",
                "free = capacity - demand < soft edge; need = edge - free <= balloonable",
                (Input("capacity", r.capacity), Input("demand", r.demand), Input("free", r.free),
                 Input("minFree", r.min_free), Input("soft edge", r.free + r.need),
                 Input("need", r.need), Input("balloonable", r.balloonable)),
                (SOURCES["min-free"], SOURCES["states"], SOURCES["reading-b"], SOURCES["balloon-max"]),
            )  # fmt: skip
