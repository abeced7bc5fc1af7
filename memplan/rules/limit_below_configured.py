"""MP102 limit-below-configured: a memory limit below the VM's configured size.

The guest believes it has its configured memory, but the host never backs more than
the limit: the part above the limit is always ballooned or swapped, even on an idle
host. A classic mistake (often a leftover from a template).

Passes::

    hosts:
      - {name: h, memory: 64GiB, vms: [{name: app01, memory: 16GiB, limit: unlimited}]}

Fails (8 GiB of the guest's 16 GiB are always reclaimed)::

    hosts:
      - {name: h, memory: 64GiB, vms: [{name: app01, memory: 16GiB, limit: 8GiB}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.esxi import SOURCES
from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo(
    "MP102", "limit-below-configured", Severity.WARN, "memory limit below the configured size"
)


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every VM whose limit is below its configured memory."""
    for vm in ctx.inventory.vms:
        if vm.limit is not None and vm.limit < vm.memory:
            yield finding(
                RULE, "vm", vm.name, vm.location,
                f"limit {format_size(vm.limit)} is below configured {format_size(vm.memory)}:"
                f" {format_size(vm.memory - vm.limit)} the guest sees is always ballooned or swapped",
                "limit < configured; always reclaimed = configured - limit",
                (Input("limit", vm.limit), Input("configured", vm.memory),
                 Input("always reclaimed", vm.memory - vm.limit)),
                (SOURCES["seed-rule"],),
            )  # fmt: skip
