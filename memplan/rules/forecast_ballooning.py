"""MP402 forecast-ballooning: a host starts ballooning within ``--fail-within``.

The warning twin of MP401: a host that first settles in soft state (or worse) after
today and within the window. A host already ballooning today is MP202's; one that
balloons from the forecast's first day without ballooning in the inventory's figures
(older figures grown to ``--as-of``, ``--history``) is this rule's.

Passes (consumed 50% of configured, 3%/month: many months of room)::

    hosts:
      - name: h
        memory: 256GiB
        vms: [{name: v, memory: 240GiB, consumed: 50%, active: 10%, growth: 3%/month}]

Fails (consumed 94%, mostly idle, 3%/month: ballooning within two months)::

    hosts:
      - name: h
        memory: 256GiB
        vms: [{name: v, memory: 260GiB, consumed: 94%, active: 10%, growth: 3%/month}]
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.model import Finding, Input, MemState, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.rules.forecast_swapping import SOURCE, arrived, starts

RULE = RuleInfo(
    "MP402", "forecast-ballooning", Severity.WARN, "host starts ballooning within --fail-within",
    scenario=True,
)  # fmt: skip


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding per host whose balloon_at falls within the window: after today, or
    on the forecast's first day when today's figures do not balloon (MP202 says those that
    do)."""
    f = ctx.forecast
    if f is None or f.window_end is None:
        return
    for h in f.hosts:
        if h.balloon_at is not None and h.balloon_at <= f.window_end:
            if h.swap_at is not None and h.swap_at <= h.balloon_at:
                continue  # straight to swapping: MP401 says it
            today = ctx.hosts.get(h.host)
            if h.balloon_at <= f.as_of and today and today.result.state.rank > MemState.CLEAR.rank:
                continue  # ballooning (or worse) today: MP202's or MP203's
            yield finding(
                RULE, "host", h.host, h.location,
                f"{starts(f, h.balloon_at, 'balloons', 'ballooning')}"
                f"{arrived(f, h.cluster, h.host, h.arrived_by_balloon)}, within the window ending"
                f" {f.window_end.isoformat()}",
                "balloon_at <= as_of + fail-within",
                (Input("as of", f.as_of.isoformat(), "text"),
                 Input("balloon at", h.balloon_at.isoformat(), "text"),
                 Input("window end", f.window_end.isoformat(), "text")),
                (SOURCE,),
            )  # fmt: skip
