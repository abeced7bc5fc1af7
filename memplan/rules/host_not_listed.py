"""MP208 host-not-listed: VMs name a host the inventory does not list.

Sanitised and partial exports name hosts in vInfo that vHost does not list (vInfo
``bovmsp-04.customer.com`` while vHost says ``vmsp-04``); imports keep such VMs in their
cluster with ``seen_on: HOST``. One finding per missing host says how many VMs name it
and what memplan did with them: when every host of the cluster rests on observed usage,
their memory is already in those observations and memplan does not place them; when the
cluster has no host, nothing can hold them; otherwise memplan placed them itself, and the
report says where.

Passes::

    clusters:
      - name: c
        hosts: [{name: esx01, memory: 64GiB}]
        vms: [{name: a, memory: 8GiB}]

Fails (a VM names esx09, which is not listed)::

    clusters:
      - name: c
        hosts: [{name: esx01, memory: 64GiB}]
        vms: [{name: a, memory: 8GiB, seen_on: esx09}]
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from memplan.model import VM, Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import plural

RULE = RuleInfo(
    "MP208", "host-not-listed", Severity.WARN, "VMs name a host the inventory does not list"
)


def check(ctx: Context) -> Iterator[Finding]:
    """Yield one finding per host named by ``seen_on`` VMs."""
    named: dict[str, list[VM]] = defaultdict(list)
    for vm in ctx.inventory.vms:
        if vm.seen_on is not None:
            named[vm.seen_on].append(vm)
    if not named:
        return
    hosts_of: dict[str | None, list[str]] = defaultdict(list)
    for h in ctx.inventory.hosts:
        if not h.maintenance:
            hosts_of[h.cluster].append(h.name)
    for host in sorted(named):
        vms = named[host]
        on = [vm for vm in vms if vm.powered_on]
        placed = Counter(ctx.host_of.get(vm.name) for vm in on)
        cluster = vms[0].cluster
        if not hosts_of[cluster]:
            fate = f"cluster {cluster} has no host in the inventory: nothing holds them"
        elif None in placed and not set(placed) - {None}:
            fate = (
                f"their memory is in the observed usage of cluster {cluster}'s hosts;"
                " memplan does not place them"
            )
        elif on:
            where = ", ".join(f"{h} ({n})" for h, n in sorted(placed.items(), key=str) if h)
            fate = f"memplan placed them itself: {where or 'nowhere'}"
        else:
            fate = "none is powered on"
        yield finding(
            RULE, "host", host, vms[0].location,
            f"{plural(len(vms), 'VM')} ({len(on)} on) name{'s' if len(vms) == 1 else ''} host"
            f" {host}, which the inventory does not list; {fate}",
            "VMs with seen_on = host > 0",
            (Input("VMs", len(vms), "count"), Input("powered on", len(on), "count"),
             Input("cluster", cluster or "", "text")),
        )  # fmt: skip
