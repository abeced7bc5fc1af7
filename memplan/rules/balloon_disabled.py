"""MP103 balloon-disabled: a VM whose balloon driver is disabled (``balloon_max: 0``).

With ``sched.mem.maxmemctl = 0`` ESXi cannot balloon the VM; under pressure its host
must compress and swap it instead, which costs far more. The advice of the seed is
never to disable the balloon driver.

Passes::

    hosts:
      - {name: h, memory: 64GiB, vms: [{name: app01, memory: 16GiB}]}

Fails::

    hosts:
      - {name: h, memory: 64GiB, vms: [{name: app01, memory: 16GiB, balloon_max: 0}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.esxi import SOURCES
from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding

RULE = RuleInfo(
    "MP103", "balloon-disabled", Severity.WARN, "balloon driver disabled (balloon_max: 0)"
)


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every VM with balloon_max 0."""
    for vm in ctx.inventory.vms:
        if vm.balloon_max == 0:
            yield finding(
                RULE, "vm", vm.name, vm.location,
                "balloon driver disabled (balloon_max: 0): under pressure its host must"
                " compress and swap this VM instead of ballooning it",
                "balloon_max = 0",
                (Input("balloon_max", 0),),
                (SOURCES["maxmemctl"],),
            )  # fmt: skip
