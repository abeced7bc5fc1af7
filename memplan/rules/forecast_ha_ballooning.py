"""MP404 forecast-ha-ballooning: a cluster's failover starts ballooning within ``--fail-within``.

The warning twin of MP403: a cluster whose worst host failure leaves every survivor out
of soft state today but, within the window, makes one balloon (the VMs grown and the new
VMs demand growth brings placed). A failover that already balloons today is MP302's;
one that goes straight to failing is MP403's. One that balloons from the forecast's first
day without ballooning with the inventory's figures (older figures grown to ``--as-of``,
``--history``) is this rule's.

Passes (1%/month: no new VM within 90 days)::

    clusters:
      - name: c
        growth: 1%/month
        ha: {policy: host-failures, failures: 1}
        hosts:
          - name: a
            memory: 128GiB
            system_reserved: 0
            vms:
              - {name: a1, memory: 8GiB, overhead: 0, active: 10%}
              - {name: a2, memory: 8GiB, overhead: 0, active: 10%}
              - {name: a3, memory: 8GiB, overhead: 0, active: 10%}
              - {name: a4, memory: 8GiB, overhead: 0, active: 10%}
              - {name: a5, memory: 8GiB, overhead: 0, active: 10%}
              - {name: a6, memory: 8GiB, overhead: 0, active: 10%}
              - {name: a7, memory: 8GiB, overhead: 0, active: 10%}
          - name: b
            memory: 128GiB
            system_reserved: 0
            vms:
              - {name: b1, memory: 8GiB, overhead: 0, active: 10%}
              - {name: b2, memory: 8GiB, overhead: 0, active: 10%}
              - {name: b3, memory: 8GiB, overhead: 0, active: 10%}
              - {name: b4, memory: 8GiB, overhead: 0, active: 10%}
              - {name: b5, memory: 8GiB, overhead: 0, active: 10%}
              - {name: b6, memory: 8GiB, overhead: 0, active: 10%}
              - {name: b7, memory: 8GiB, overhead: 0, active: 10%}

Fails (30%/month: a survivor of 18 mostly idle VMs balloons from the first month)::

    clusters:
      - name: c
        growth: 30%/month
        ha: {policy: host-failures, failures: 1}
        hosts:
          - name: a
            memory: 128GiB
            system_reserved: 0
            vms:
              - {name: a1, memory: 8GiB, overhead: 0, active: 10%}
              - {name: a2, memory: 8GiB, overhead: 0, active: 10%}
              - {name: a3, memory: 8GiB, overhead: 0, active: 10%}
              - {name: a4, memory: 8GiB, overhead: 0, active: 10%}
              - {name: a5, memory: 8GiB, overhead: 0, active: 10%}
              - {name: a6, memory: 8GiB, overhead: 0, active: 10%}
              - {name: a7, memory: 8GiB, overhead: 0, active: 10%}
          - name: b
            memory: 128GiB
            system_reserved: 0
            vms:
              - {name: b1, memory: 8GiB, overhead: 0, active: 10%}
              - {name: b2, memory: 8GiB, overhead: 0, active: 10%}
              - {name: b3, memory: 8GiB, overhead: 0, active: 10%}
              - {name: b4, memory: 8GiB, overhead: 0, active: 10%}
              - {name: b5, memory: 8GiB, overhead: 0, active: 10%}
              - {name: b6, memory: 8GiB, overhead: 0, active: 10%}
              - {name: b7, memory: 8GiB, overhead: 0, active: 10%}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.rules.forecast_swapping import SOURCE, arrived, by

RULE = RuleInfo(
    "MP404", "forecast-ha-ballooning", Severity.WARN,
    "a cluster's worst host failure starts ballooning within --fail-within", scenario=True,
)  # fmt: skip


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding per cluster whose ha_warn_at falls within the window: after today, or
    on the forecast's first day when today's failover does not warn (MP302 says those)."""
    f = ctx.forecast
    if f is None or f.window_end is None:
        return
    for c in f.clusters:
        if c.ha_warn_at is not None and c.ha_warn_at <= f.window_end:
            if c.ha_fail_at is not None and c.ha_fail_at <= c.ha_warn_at:
                continue  # straight to failing: MP403 says it
            today = ctx.ha.get(c.cluster)
            if c.ha_warn_at <= f.as_of and today and today.verdict.rank >= Severity.WARN.rank:
                continue  # warning (or failing) today: MP301-MP303's
            yield finding(
                RULE, "cluster", c.cluster, c.location,
                f"its worst host failure leaves a survivor ballooning"
                f" {by(f, c.ha_warn_at)}"
                f"{arrived(f, c.cluster, c.cluster, c.arrived_by_ha_warn)}, within the window"
                f" ending {f.window_end.isoformat()}",
                "ha_warn_at <= as_of + fail-within",
                (Input("as of", f.as_of.isoformat(), "text"),
                 Input("HA warns at", c.ha_warn_at.isoformat(), "text"),
                 Input("window end", f.window_end.isoformat(), "text")),
                (SOURCE,),
            )  # fmt: skip
