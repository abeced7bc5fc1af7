"""MP303 ha-survivor-swapping: after a host failure, a survivor settles in hard or low state.

Passes (the survivor has room for everything)::

    clusters:
      - name: prod
        ha: {failures: 1}
        hosts:
          - {name: a, memory: 256GiB, vms: [{name: v1, memory: 100GiB, active: 100%}]}
          - {name: b, memory: 256GiB, vms: [{name: v2, memory: 100GiB, active: 100%}]}

Fails (busy VMs: after one host fails the other must swap)::

    clusters:
      - name: prod
        ha: {failures: 1}
        hosts:
          - {name: a, memory: 256GiB, vms: [{name: v1, memory: 160GiB, active: 100%}]}
          - {name: b, memory: 256GiB, vms: [{name: v2, memory: 160GiB, active: 100%}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.esxi import SOURCES
from memplan.model import Finding, Input, MemState, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo(
    "MP303", "ha-survivor-swapping", Severity.FAIL, "host swaps after a host failure", scenario=True
)


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for each survivor in hard or low state in the worst scenario."""
    for name in sorted(ctx.ha):
        r = ctx.ha[name]
        for s in r.survivors:
            if s.state in (MemState.HARD, MemState.LOW):
                yield finding(
                    RULE, "host", s.host.name, s.host.location,
                    f"after failure of {', '.join(r.failed_hosts)}: settles in {s.state} state,"
                    f" free {format_size(s.free)}, {format_size(s.swap)} compressed or swapped",
                    "need after restarts > balloonable, or active + overhead > capacity",
                    (Input("capacity", s.capacity), Input("demand after", s.demand),
                     Input("free after", s.free), Input("balloonable", s.balloonable),
                     Input("swap", s.swap)),
                    (SOURCES["ha-placement"], SOURCES["states"], SOURCES["reading-b"],
                     SOURCES["balloon-max"]),
                )  # fmt: skip
