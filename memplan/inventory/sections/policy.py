"""The policy: section (overcommit limit, threshold reading, state thresholds, idle tax)."""

from __future__ import annotations

from fractions import Fraction

from memplan import esxi
from memplan.inventory.fields import (
    POLICY_FIELDS,
)
from memplan.inventory.nodes import (
    Node,
    NodeReader,
    describe,
)
from memplan.model import (
    MemState,
    Policy,
)


class PolicySection(NodeReader):
    """Reads the policy: section."""

    def policy(self, node: Node) -> Policy:
        p = self.mapping(node, POLICY_FIELDS, "policy")
        if p is None:
            return Policy()
        max_oc: float | None = None
        if "max_overcommit" in p:
            n = p["max_overcommit"]
            v = self.scalar(n)
            if isinstance(v, str) and v.strip().endswith("%"):
                frac = self.percent(n, "policy.max_overcommit", maximum=None)
                max_oc = float(frac) if frac is not None else None
            elif isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < float("inf"):
                max_oc = float(v)
            else:
                self.error(
                    n,
                    f"policy.max_overcommit must be a positive ratio such as 1.5 or '150%', not {describe(n)}",
                )
        reading = esxi.DEFAULT_READING
        if "reading" in p:
            r = self.scalar(p["reading"])
            if r not in ("A", "B"):
                self.error(
                    p["reading"],
                    f"policy.reading must be 'A' or 'B', not {describe(p['reading'])}",
                )
            else:
                reading = r
        thresholds = None
        if "thresholds" in p:
            thresholds = self.thresholds(p["thresholds"])
        idle_tax = esxi.IDLE_TAX
        if "idle_tax" in p:
            t = self.percent(p["idle_tax"], "policy.idle_tax")
            if t is not None and t >= 1:
                self.error(p["idle_tax"], "policy.idle_tax must be below 100%")
            elif t is not None:
                idle_tax = t
        return Policy(max_oc, reading, thresholds, idle_tax, self.loc(node))

    def thresholds(self, node: Node) -> tuple[tuple[MemState, Fraction], ...] | None:
        names = tuple(s.value for s in MemState)
        t = self.mapping(node, names, "policy.thresholds")
        if t is None:
            return None
        if not {"soft", "hard", "low"} <= set(t) or not ({"high"} <= set(t)):
            self.error(
                node,
                "policy.thresholds needs at least high, soft, hard and low (clear is optional)",
            )
            return None
        out: list[tuple[MemState, Fraction]] = []
        for state in MemState:
            if state.value in t:
                f = self.percent(t[state.value], f"policy.thresholds.{state.value}", maximum=None)
                if f is None:
                    return None
                if out and f >= out[-1][1]:
                    self.error(
                        t[state.value],
                        f"threshold of {state.value} must be below that of {out[-1][0].value}",
                    )
                    return None
                out.append((state, f))
        return tuple(out)
