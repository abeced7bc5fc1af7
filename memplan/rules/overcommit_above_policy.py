"""MP204 overcommit-above-policy: configured / capacity above ``policy.max_overcommit``.

VMware publishes no safe overcommit ratio, so this rule runs only when the inventory
sets ``policy.max_overcommit``. It checks every host and every cluster (powered-on
VMs' configured memory over capacity).

Passes::

    policy: {max_overcommit: 1.5}
    hosts:
      - {name: esx01, memory: 128GiB, vms: [{name: a, memory: 100GiB}]}

Fails (2 x 100 GiB on 124 GiB of capacity: 1.61)::

    policy: {max_overcommit: 1.5}
    hosts:
      - name: esx01
        memory: 128GiB
        vms: [{name: a, memory: 100GiB}, {name: b, memory: 100GiB}]
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.esxi import SOURCES
from memplan.model import Finding, Input, Location, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo(
    "MP204",
    "overcommit-above-policy",
    Severity.FAIL,
    "overcommit ratio above policy.max_overcommit",
)


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every host and cluster above the policy's ratio."""
    limit = ctx.inventory.policy.max_overcommit
    if limit is None:
        return
    subjects: list[tuple[str, str, int, int, Location]] = [
        ("host", n, hc.result.configured, hc.result.capacity, hc.result.host.location)
        for n, hc in sorted(ctx.hosts.items())
    ]
    subjects += [
        ("cluster", n, c.configured, c.capacity, c.location)
        for n, c in sorted(ctx.clusters.items())
    ]
    for kind, name, configured, capacity, loc in subjects:
        if capacity <= 0:
            continue
        ratio = configured / capacity
        if ratio > limit:
            yield finding(
                RULE, kind, name, loc,
                f"overcommit ratio {ratio:.2f} is above policy.max_overcommit {limit:.2f}"
                f" ({format_size(configured)} configured on {format_size(capacity)} capacity)",
                "configured / capacity > max_overcommit",
                (Input("configured", configured), Input("capacity", capacity),
                 Input("ratio", ratio, "ratio"), Input("max_overcommit", limit, "ratio")),
                (SOURCES["overcommit"],),
            )  # fmt: skip
