"""MP104 consumed-above-bound: a VM's given consumed memory is above its usage bound.

A VM can never use more host memory than ``min(configured, limit) + overhead``. A
consumed figure above that bound is impossible, so the inventory data is wrong (often a
stale export, or consumed and configured swapped). memplan plans with the bound.

Passes::

    hosts:
      - {name: h, memory: 64GiB, vms: [{name: app01, memory: 16GiB, consumed: 12GiB}]}

Fails (20 GiB consumed by a 16 GiB VM)::

    hosts:
      - {name: h, memory: 64GiB, vms: [{name: app01, memory: 16GiB, consumed: 20GiB}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.esxi import SOURCES
from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo(
    "MP104", "consumed-above-bound", Severity.WARN, "consumed memory above the VM's usage bound"
)


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every VM whose given consumed memory exceeds its usage bound."""
    for vm in ctx.inventory.vms:
        # usage_bound written out (min(configured, limit) + overhead): a pass over every VM
        limit, memory = vm.limit, vm.memory
        bound = (memory if limit is None or memory < limit else limit) + vm.overhead
        if vm.consumed > bound and vm.consumed_given:
            yield finding(
                RULE, "vm", vm.name, vm.location,
                f"consumed {format_size(vm.consumed)} is above its usage bound"
                f" {format_size(vm.usage_bound)} (min(configured, limit) + overhead):"
                " the data is wrong; planning with the bound",
                "consumed > min(configured, limit) + overhead",
                (Input("consumed", vm.consumed), Input("configured", vm.memory),
                 Input("limit", vm.limit if vm.limit is not None else "unlimited",
                       "bytes" if vm.limit is not None else "text"),
                 Input("overhead", vm.overhead)),
                (SOURCES["seed-rule"],),
            )  # fmt: skip
