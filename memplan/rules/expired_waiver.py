"""MP901 expired-waiver: a waiver whose ``until`` date has passed.

A waiver accepts a finding for a reason; with ``until:`` it says for how long. Once the
date has passed the waiver accepts nothing, and this warning asks for a decision: fix
the finding, or renew the waiver with a new date and reason.

Passes (no end date)::

    hosts:
      - {name: h, memory: 64GiB, vms: [{name: v, memory: 16GiB, limit: 8GiB}]}
    waivers:
      - {rule: MP102, subject: v, reason: vendor sizing}

Fails (ended before today)::

    hosts:
      - {name: h, memory: 64GiB, vms: [{name: v, memory: 16GiB, limit: 8GiB}]}
    waivers:
      - {rule: MP102, subject: v, reason: vendor sizing, until: 2020-01-01}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding

RULE = RuleInfo("MP901", "expired-waiver", Severity.WARN, "waiver past its until date")


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for every waiver whose until date is before today."""
    if ctx.as_of is None:
        return
    for w in ctx.inventory.waivers:
        if w.until is not None and w.until < ctx.as_of:
            yield finding(
                RULE, "waiver", f"{w.rule} {w.subject}", w.location,
                f"waiver of {w.rule} for {w.subject!r} ended on {w.until.isoformat()}"
                f" ({w.reason}); it no longer applies",
                "until < as_of",
                (Input("until", w.until.isoformat(), "text"),
                 Input("as of", ctx.as_of.isoformat(), "text")),
            )  # fmt: skip
