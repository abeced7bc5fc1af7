"""MP105 vm-fits-no-host: a cluster VM without a host that no host of its cluster admits.

memplan places a cluster-level VM without ``host:`` on the host with the most free
memory that admits it: the VM fits the host's memory and its reservation + overhead fits
the host's unreserved capacity. When no host does, the VM cannot power on.

Passes::

    clusters:
      - name: prod
        hosts: [{name: esx01, memory: 256GiB}]
        vms: [{name: app01, memory: 64GiB}]

Fails (no host has 300 GiB)::

    clusters:
      - name: prod
        hosts: [{name: esx01, memory: 256GiB}]
        vms: [{name: big01, memory: 300GiB}]
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.esxi import SOURCES
from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo("MP105", "vm-fits-no-host", Severity.FAIL, "cluster VM that no host can hold")


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every powered-on cluster VM memplan could not place."""
    for vm in ctx.unplaced:
        members = [hc.result for hc in ctx.hosts.values() if hc.result.host.cluster == vm.cluster]
        if not members:
            yield finding(
                RULE, "vm", vm.name, vm.location,
                f"cluster {vm.cluster} has no hosts to run it",
                "hosts in cluster = 0", (Input("hosts", 0, "count"),),
            )  # fmt: skip
            continue
        largest = max(r.host.memory for r in members)
        unreserved = max(r.capacity - r.reserved - r.overhead for r in members)
        need = vm.reservation + vm.overhead
        if vm.memory > largest:
            why = f"configured {format_size(vm.memory)} is larger than the largest host ({format_size(largest)})"
        else:
            why = (
                f"reservation + overhead {format_size(need)} is above the most unreserved"
                f" capacity of any host ({format_size(unreserved)})"
            )
        yield finding(
            RULE, "vm", vm.name, vm.location,
            f"fits no host of cluster {vm.cluster}: {why}",
            "configured > largest host memory, or reservation + overhead > max unreserved capacity",
            (Input("configured", vm.memory), Input("largest host memory", largest),
             Input("reservation + overhead", need), Input("max unreserved capacity", unreserved)),
            (SOURCES["admission"],),
        )  # fmt: skip
