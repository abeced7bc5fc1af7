"""MP302 ha-survivor-ballooning: after a host failure, a survivor settles in soft state.

Admission control checks reservations only; it does not stop the survivors of a failure
from ballooning. memplan places the failed hosts' VMs on the survivors and evaluates
each survivor with the same memory model as today.

Passes (half-full hosts absorb the loss of one)::

    clusters:
      - name: prod
        ha: {failures: 1}
        hosts:
          - {name: a, memory: 256GiB, vms: [{name: v1, memory: 100GiB, active: 20%}]}
          - {name: b, memory: 256GiB, vms: [{name: v2, memory: 100GiB, active: 20%}]}

Fails (after losing one host the other must balloon)::

    clusters:
      - name: prod
        ha: {failures: 1}
        hosts:
          - {name: a, memory: 256GiB, vms: [{name: v1, memory: 128GiB, active: 20%}]}
          - {name: b, memory: 256GiB, vms: [{name: v2, memory: 128GiB, active: 20%}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.esxi import SOURCES
from memplan.model import Finding, Input, MemState, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo(
    "MP302",
    "ha-survivor-ballooning",
    Severity.WARN,
    "host balloons after a host failure",
    scenario=True,
)


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for each survivor in soft state in the worst failure scenario."""
    for name in sorted(ctx.ha):
        r = ctx.ha[name]
        for s in r.survivors:
            if s.state is MemState.SOFT:
                yield finding(
                    RULE, "host", s.host.name, s.host.location,
                    f"after failure of {', '.join(r.failed_hosts)}: settles in soft state,"
                    f" free {format_size(s.free)}, balloons {format_size(s.balloon)}",
                    "free after restarts < soft edge; need <= balloonable",
                    (Input("capacity", s.capacity), Input("demand after", s.demand),
                     Input("free after", s.free), Input("balloon", s.balloon)),
                    (SOURCES["ha-placement"], SOURCES["states"], SOURCES["reading-b"]),
                )  # fmt: skip
