"""MP403 forecast-ha-failover: a cluster's failover starts failing within ``--fail-within``.

The forecast runs the HA failover simulation (docs/ha.md) over the months, with the VMs
grown and the new VMs demand growth brings. A cluster whose worst host failure fails over
cleanly today but, within the window, leaves a VM that cannot restart or a survivor
swapping fails, so CI gates on tomorrow's failover as well as today's. A failover that
fails today is MP301's and MP303's; one that fails from the forecast's first day without
failing with the inventory's figures (older figures grown to ``--as-of``, ``--history``)
is this rule's.

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
              - {name: a1, memory: 8GiB, overhead: 0, active: 100%}
              - {name: a2, memory: 8GiB, overhead: 0, active: 100%}
              - {name: a3, memory: 8GiB, overhead: 0, active: 100%}
              - {name: a4, memory: 8GiB, overhead: 0, active: 100%}
              - {name: a5, memory: 8GiB, overhead: 0, active: 100%}
              - {name: a6, memory: 8GiB, overhead: 0, active: 100%}
              - {name: a7, memory: 8GiB, overhead: 0, active: 100%}
          - name: b
            memory: 128GiB
            system_reserved: 0
            vms:
              - {name: b1, memory: 8GiB, overhead: 0, active: 100%}
              - {name: b2, memory: 8GiB, overhead: 0, active: 100%}
              - {name: b3, memory: 8GiB, overhead: 0, active: 100%}
              - {name: b4, memory: 8GiB, overhead: 0, active: 100%}
              - {name: b5, memory: 8GiB, overhead: 0, active: 100%}
              - {name: b6, memory: 8GiB, overhead: 0, active: 100%}
              - {name: b7, memory: 8GiB, overhead: 0, active: 100%}

Fails (30%/month: four new VMs by the first month, and a survivor of 18 busy VMs swaps)::

    clusters:
      - name: c
        growth: 30%/month
        ha: {policy: host-failures, failures: 1}
        hosts:
          - name: a
            memory: 128GiB
            system_reserved: 0
            vms:
              - {name: a1, memory: 8GiB, overhead: 0, active: 100%}
              - {name: a2, memory: 8GiB, overhead: 0, active: 100%}
              - {name: a3, memory: 8GiB, overhead: 0, active: 100%}
              - {name: a4, memory: 8GiB, overhead: 0, active: 100%}
              - {name: a5, memory: 8GiB, overhead: 0, active: 100%}
              - {name: a6, memory: 8GiB, overhead: 0, active: 100%}
              - {name: a7, memory: 8GiB, overhead: 0, active: 100%}
          - name: b
            memory: 128GiB
            system_reserved: 0
            vms:
              - {name: b1, memory: 8GiB, overhead: 0, active: 100%}
              - {name: b2, memory: 8GiB, overhead: 0, active: 100%}
              - {name: b3, memory: 8GiB, overhead: 0, active: 100%}
              - {name: b4, memory: 8GiB, overhead: 0, active: 100%}
              - {name: b5, memory: 8GiB, overhead: 0, active: 100%}
              - {name: b6, memory: 8GiB, overhead: 0, active: 100%}
              - {name: b7, memory: 8GiB, overhead: 0, active: 100%}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.rules.forecast_swapping import SOURCE, arrived, by

RULE = RuleInfo(
    "MP403", "forecast-ha-failover", Severity.FAIL,
    "a cluster's worst host failure starts failing within --fail-within", scenario=True,
)  # fmt: skip


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding per cluster whose ha_fail_at falls within the window: after today, or
    on the forecast's first day when today's failover does not fail (MP301, MP303)."""
    f = ctx.forecast
    if f is None or f.window_end is None:
        return
    for c in f.clusters:
        if c.ha_fail_at is not None and c.ha_fail_at <= f.window_end:
            today = ctx.ha.get(c.cluster)
            if c.ha_fail_at <= f.as_of and today and today.verdict is Severity.FAIL:
                continue  # failing today: MP301's and MP303's
            yield finding(
                RULE, "cluster", c.cluster, c.location,
                f"its worst host failure leaves a VM without restart or a survivor swapping"
                f" {by(f, c.ha_fail_at)}"
                f"{arrived(f, c.cluster, c.cluster, c.arrived_by_ha_fail)}, within the window"
                f" ending {f.window_end.isoformat()}",
                "ha_fail_at <= as_of + fail-within",
                (Input("as of", f.as_of.isoformat(), "text"),
                 Input("HA fails at", c.ha_fail_at.isoformat(), "text"),
                 Input("window end", f.window_end.isoformat(), "text")),
                (SOURCE,),
            )  # fmt: skip
