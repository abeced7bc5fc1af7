"""Waivers: findings accepted until a date, with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from memplan.inventory.fields import (
    WAIVER_FIELDS,
)
from memplan.inventory.nodes import (
    Node,
    NodeReader,
    null_node,
)
from memplan.units import suggest

if TYPE_CHECKING:
    from memplan.model.occasional import Waiver


class Waivers(NodeReader):
    """Reads the waivers: section."""

    def waivers(self, node: Node | None) -> list[Waiver]:
        """Accepted findings: rule, subject glob, a required reason, an optional end date."""
        from memplan.rules import RULES

        known = {*RULES, *(r.RULE.name for r in RULES.values())}
        out: list[Waiver] = []
        for wnode in self.sequence(node or null_node(), "waivers"):
            w = self.mapping(wnode, WAIVER_FIELDS, "a waiver")
            if w is None:
                continue
            missing = [k for k in ("rule", "subject", "reason") if k not in w]
            if missing:
                self.error(
                    wnode, f"a waiver needs {', '.join(missing)} (reason says why it is accepted)"
                )
            rule = self.text(w["rule"], "waiver rule") if "rule" in w else None
            subject = self.text(w["subject"], "waiver subject") if "subject" in w else None
            reason = self.text(w["reason"], "waiver reason") if "reason" in w else None
            until = self.date(w["until"], "waiver until") if "until" in w else None
            if rule is not None and rule not in known:
                self.error(w["rule"], f"unknown rule {rule!r}{suggest(rule, known)}")
                continue
            if missing:
                continue
            if rule and subject and reason and ("until" not in w or until is not None):
                from memplan.model.occasional import Waiver  # only waivers need it

                out.append(Waiver(rule, subject, reason, until, self.loc(wnode)))
        return out
