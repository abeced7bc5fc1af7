"""MP206 host-observed-balloon-swap: vCenter reports ballooned or swapped memory on a host now.

RVTools vHost "VM Memory Ballooned" and "VM Memory Swapped" (the host's observed
``ballooned`` and ``swapped``) are what its VMs lose to reclamation at collection time,
whatever memplan's model says. The message names the likely causes memplan knows on that
host: VMs whose limit is below their configured size (MP102), which are ballooned or
swapped on any host, and whether the model has the host reclaiming too (soft state or
worse); when neither applies, the pressure was real and passing, or the data are stale.

Passes::

    hosts:
      - {name: h, memory: 64GiB, observed: {ballooned: 0, swapped: 0}}

Fails (1 GiB ballooned now)::

    hosts:
      - {name: h, memory: 64GiB, observed: {ballooned: 1GiB, swapped: 0}}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.model import Finding, Input, MemState, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size, plural

RULE = RuleInfo(
    "MP206",
    "host-observed-balloon-swap",
    Severity.WARN,
    "vCenter reports ballooned or swapped memory on the host now",
)

_SHOWN = 3
"""VMs with limits named in the message; the rest are counted."""


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every host with observed ballooned or swapped memory."""
    for name in sorted(ctx.hosts):
        hc = ctx.hosts[name]
        o = hc.result.host.observed
        ballooned = (o.ballooned or 0) if o else 0
        swapped = (o.swapped or 0) if o else 0
        if not (ballooned or swapped):
            continue
        assert o is not None
        what = " and ".join(w for w, n in (("balloon", ballooned), ("swap", swapped)) if n)
        limited = sorted(vm.name for vm in hc.vms if vm.limit is not None and vm.limit < vm.memory)
        causes = []
        if limited:
            more = len(limited) - _SHOWN
            causes.append(
                f"{plural(len(limited), 'VM')} with a limit below configured (MP102):"
                f" {', '.join(limited[:_SHOWN])}" + (f" and {more} more" if more > 0 else "")
            )
        state = hc.result.state
        if state.rank >= MemState.SOFT.rank:
            causes.append(f"memplan's model has the host reclaiming too ({state.value} state)")
        why = (
            "; likely causes: " + "; ".join(causes)
            if causes
            else "; memplan sees no cause (no limits, no pressure in the model):"
            " a passing peak, or stale data"
        )
        yield finding(
            RULE, "host", name, hc.result.host.location,
            f"{what} now: vCenter reports {format_size(ballooned)} ballooned and"
            f" {format_size(swapped)} swapped on this host ({o.source}){why}",
            "observed ballooned + swapped > 0",
            (Input("ballooned", ballooned), Input("swapped", swapped),
             Input("VMs with a limit below configured", len(limited), "count"),
             Input("modelled state", state.value, "text")),
            ("vCenter quickStats / RVTools vHost VM Memory Ballooned, VM Memory Swapped",),
        )  # fmt: skip
