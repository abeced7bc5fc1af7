"""MP101 vm-larger-than-host: a VM configured larger than its host's physical memory.

"Don't write checks your environment can't cash": a VM whose configured memory is
above the installed memory of its host can never be backed by RAM; ESXi must balloon
or swap its active memory. Powered-off VMs count too: they cannot power on well.

Passes::

    hosts:
      - {name: esx01, memory: 256GiB, vms: [{name: db01, memory: 128GiB}]}

Fails (512 GiB configured on a 256 GiB host)::

    hosts:
      - {name: esx01, memory: 256GiB, vms: [{name: db01, memory: 512GiB}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.esxi import SOURCES
from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo(
    "MP101", "vm-larger-than-host", Severity.FAIL, "VM configured larger than its host's memory"
)


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every VM configured above its host's installed memory."""
    memory = {name: hc.result.host.memory for name, hc in ctx.hosts.items()}
    smallest = min(memory.values(), default=0)  # a VM no larger fits every host
    for vm in ctx.inventory.vms:
        if vm.memory <= smallest:
            continue
        name = ctx.host_of.get(vm.name)
        if name is None or vm.memory <= memory[name]:
            continue
        host = ctx.host(name)
        if vm.memory > host.memory:
            yield finding(
                RULE, "vm", vm.name, vm.location,
                f"configured {format_size(vm.memory)} is larger than host {host.name}'s"
                f" {format_size(host.memory)} of memory",
                "configured > host memory",
                (Input("configured", vm.memory), Input("host memory", host.memory)),
                (SOURCES["seed-rule"],),
            )  # fmt: skip
