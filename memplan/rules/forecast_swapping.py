"""MP401 forecast-swapping: a host or cluster starts swapping within ``--fail-within``.

With growth (``growth:`` or ``--growth``) and planned changes (``planned:``), memplan
projects every host month by month. ``--fail-within 90d`` makes a host that first settles
in hard or low state within that window fail, so CI can gate on the forecast, not only on
today. A host already swapping today is MP203's, not this rule's; one that swaps from the
forecast's first day without swapping in the inventory's figures (older figures grown to
``--as-of``, ``--history``) is this rule's.

Passes (consumed 50% of configured, 3%/month: about 23 months to fill the host)::

    hosts:
      - name: h
        memory: 256GiB
        vms: [{name: v, memory: 240GiB, consumed: 50%, active: 100%, growth: 3%/month}]

Fails (consumed 95%, 3%/month: swapping in about two months)::

    hosts:
      - name: h
        memory: 256GiB
        vms: [{name: v, memory: 260GiB, consumed: 94%, active: 100%, growth: 3%/month}]
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from memplan.model import Finding, Input, MemState, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

if TYPE_CHECKING:
    from memplan.model.forecast import Forecast

RULE = RuleInfo(
    "MP401", "forecast-swapping", Severity.FAIL, "host starts swapping within --fail-within",
    scenario=True,
)  # fmt: skip
SOURCE = (
    "projection: monthly compounding growth; demand growth beyond what VMs hold arrives as"
    " new VMs, in-VM growth stops at usage bounds (docs/projection.md)"
)


def by(f: Forecast, at: date) -> str:
    """ "by 2027-03-01", or "from 2028-06-01, the forecast's first day" for a date the
    forecast starts at (reached from the inventory's older figures, not today's)."""
    if at <= f.as_of:
        return f"from {at.isoformat()}, the forecast's first day"
    return f"by {at.isoformat()}"


def starts(f: Forecast, at: date, does: str, doing: str) -> str:
    """ "starts swapping by 2027-03-01", or "swaps from 2028-06-01, the forecast's first
    day" (by())."""
    return f"{does} {by(f, at)}" if at <= f.as_of else f"starts {doing} {by(f, at)}"


def arrived(f: Forecast, cluster: str | None, host: str, count: int) -> str:
    """ " (+17 new VMs of 10.0 GiB by then)" when demand growth brought VMs, else ""."""
    pool = (cluster, None) if cluster is not None else (None, host)
    a = next((a for a in f.arrivals if (a.cluster, a.host) == pool), None)
    if a is None or not count:
        return ""
    return f" (+{count} new VMs of {format_size(a.shape.memory)} by then)"


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding per host whose swap_at falls within the window: after today, or on
    the forecast's first day when today's figures do not swap (MP203 says those that do)."""
    f = ctx.forecast
    if f is None or f.window_end is None:
        return
    for h in f.hosts:
        if h.swap_at is not None and h.swap_at <= f.window_end:
            today = ctx.hosts.get(h.host)
            if h.swap_at <= f.as_of and today and today.result.state.rank > MemState.SOFT.rank:
                continue  # swapping today: MP203's
            yield finding(
                RULE, "host", h.host, h.location,
                f"{starts(f, h.swap_at, 'swaps', 'swapping')}"
                f"{arrived(f, h.cluster, h.host, h.arrived_by_swap)}, within the window ending"
                f" {f.window_end.isoformat()}",
                "swap_at <= as_of + fail-within",
                (Input("as of", f.as_of.isoformat(), "text"),
                 Input("swap at", h.swap_at.isoformat(), "text"),
                 Input("window end", f.window_end.isoformat(), "text")),
                (SOURCE,),
            )  # fmt: skip
