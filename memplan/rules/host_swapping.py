"""MP203 host-swapping: a host settles in hard or low state, where ESXi compresses and swaps.

When ballooning cannot reclaim all ESXi needs (idle memory is short, balloons are at
65% or balloon_max), or the active working sets plus overhead do not fit the capacity,
the rest is compressed or swapped by the hypervisor: active pages get hit.

Passes::

    hosts:
      - {name: esx01, memory: 128GiB, vms: [{name: a, memory: 64GiB}]}

Fails (everything is active, so nothing can be ballooned)::

    hosts:
      - name: esx01
        memory: 128GiB
        vms: [{name: a, memory: 124GiB, active: 100%}]
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.esxi import SOURCES
from memplan.model import Finding, Input, MemState, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo(
    "MP203",
    "host-swapping",
    Severity.FAIL,
    "host settles in hard or low state: compression and swapping",
)


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every host that settles in hard or low state."""
    for name in sorted(ctx.hosts):
        r = ctx.hosts[name].result
        if r.state not in (MemState.HARD, MemState.LOW):
            continue
        if not r.active_fits:
            why = (
                f"active working sets + overhead {format_size(r.active + r.overhead)}"
                f" do not fit capacity {format_size(r.capacity)}"
            )
        else:
            why = (
                f"needs {format_size(r.need)} back but ballooning can take only"
                f" {format_size(r.balloon)}"
            )
        yield finding(
            RULE, "host", name, r.host.location,
            f"settles in {r.state} state: {why}; {format_size(r.swap)} compressed or swapped",
            "need = soft edge - free > balloonable, or active + overhead > capacity",
            (Input("capacity", r.capacity), Input("demand", r.demand), Input("free", r.free),
             Input("minFree", r.min_free), Input("need", r.need),
             Input("balloonable", r.balloonable), Input("active", r.active),
             Input("overhead", r.overhead)),
            (SOURCES["min-free"], SOURCES["states"], SOURCES["reading-b"], SOURCES["balloon-max"]),
        )  # fmt: skip
