"""MP305 ha-vm-on-failover-host: a VM runs on a dedicated HA failover host.

With the dedicated policy the failover hosts must stay empty: HA keeps them for
restarts, and DRS does not place VMs there. memplan never places a cluster VM on them.

Passes::

    clusters:
      - name: prod
        ha: {policy: dedicated, failover_hosts: [spare]}
        hosts:
          - {name: a, memory: 128GiB, vms: [{name: v1, memory: 8GiB}]}
          - {name: spare, memory: 128GiB}

Fails::

    clusters:
      - name: prod
        ha: {policy: dedicated, failover_hosts: [spare]}
        hosts:
          - {name: a, memory: 128GiB}
          - {name: spare, memory: 128GiB, vms: [{name: v1, memory: 8GiB}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding

RULE = RuleInfo(
    "MP305", "ha-vm-on-failover-host", Severity.FAIL, "VM on a dedicated HA failover host"
)


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for each powered-on VM on a dedicated failover host."""
    spare = {
        name: c.name
        for c in ctx.inventory.clusters
        if c.ha and c.ha.policy == "dedicated"
        for name in c.ha.failover_hosts
    }
    if not spare:
        return
    for vm in ctx.inventory.vms:
        host = ctx.host_of.get(vm.name)
        if vm.powered_on and host in spare:
            yield finding(
                RULE, "vm", vm.name, vm.location,
                f"runs on {host}, a dedicated failover host of cluster {spare[host]}",
                "host in ha.failover_hosts",
                (Input("host", host, "text"),),
                ("HA dedicated failover hosts (vSphere Availability guide)",),
            )  # fmt: skip
