"""MP106 observed-reclamation: vCenter reports the VM ballooned or swapped right now.

Imports from RVTools (vMemory Ballooned, Swapped) and govc (quickStats) carry what is
happening now. Memory being reclaimed today is worth a look whatever the model says: a
host under pressure, a limit, or a past event that left pages swapped out.

Passes::

    hosts:
      - {name: h, memory: 64GiB, vms: [{name: v, memory: 16GiB}]}

Fails::

    hosts:
      - {name: h, memory: 64GiB, vms: [{name: v, memory: 16GiB, swapped: 512MiB}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo(
    "MP106",
    "observed-reclamation",
    Severity.WARN,
    "vCenter reports ballooned or swapped memory now",
)


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every powered-on VM with observed ballooned or swapped memory."""
    for vm in ctx.inventory.vms:
        if vm.powered_on and (vm.ballooned or vm.swapped):
            yield finding(
                RULE, "vm", vm.name, vm.location,
                f"vCenter reports {format_size(vm.ballooned)} ballooned and"
                f" {format_size(vm.swapped)} swapped now",
                "ballooned + swapped (observed) > 0",
                (Input("ballooned", vm.ballooned), Input("swapped", vm.swapped)),
                ("vCenter quickStats / RVTools vMemory",),
            )  # fmt: skip
