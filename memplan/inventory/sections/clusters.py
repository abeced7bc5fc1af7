"""Clusters' HA settings."""

from __future__ import annotations

from memplan import esxi
from memplan.inventory.fields import (
    DRS_AUTOMATION,
    DRS_FIELDS,
    HA_FIELDS,
    HA_POLICIES,
    MAX_HA_FAILURES,
)
from memplan.inventory.nodes import (
    Node,
    NodeReader,
    null_node,
)
from memplan.model import (
    DRSConfig,
    HAConfig,
)
from memplan.units import suggest


class Clusters(NodeReader):
    """Reads a cluster's ha: and drs: sections."""

    def ha(self, node: Node, cluster: str) -> HAConfig | None:
        h = self.mapping(node, HA_FIELDS, f"ha of cluster {cluster!r}")
        if h is None:
            return None
        ok = True  # after a problem, the other fields are still read and checked
        policy = "host-failures"
        if "policy" in h:
            p = self.scalar(h["policy"])
            if p not in HA_POLICIES:
                self.error(
                    h["policy"],
                    f"ha.policy must be one of {', '.join(HA_POLICIES)}{suggest(str(p), HA_POLICIES)}",
                )
                ok = False
            else:
                policy = p
        failures = esxi.HA_DEFAULT_FAILURES
        if "failures" in h:
            f = self.integer(h["failures"], "ha.failures", 0, MAX_HA_FAILURES)
            if f is None:
                ok = False
            else:
                failures = f
        percentage = self.percent(h["percentage"], "ha.percentage") if "percentage" in h else None
        if policy == "percentage" and percentage is None and "percentage" not in h:
            self.error(node, "ha.policy 'percentage' needs ha.percentage, e.g. '25%'")
        failover: list[str] = []
        for fnode in self.sequence(h.get("failover_hosts", null_node()), "ha.failover_hosts"):
            name = self.text(fnode, "a failover host")
            if name is not None:
                failover.append(name)
                self._failover.append((cluster, name, fnode))
        if ok and policy == "dedicated" and not failover:
            self.error(node, "ha.policy 'dedicated' needs ha.failover_hosts")
        admission = True
        if "admission_control" in h:
            admission = self.flag(h["admission_control"], "ha.admission_control") is not False
        if not ok:
            return None
        return HAConfig(policy, failures, percentage, tuple(failover), admission)

    def drs(self, node: Node, cluster: str) -> DRSConfig:
        """``drs: {enabled: BOOL, automation: LEVEL}``, or ``drs: false`` / ``drs: true``."""
        if isinstance(self.scalar(node), bool):
            return DRSConfig(enabled=bool(self.scalar(node)))
        d = self.mapping(node, DRS_FIELDS, f"drs of cluster {cluster!r}")
        if d is None:
            return DRSConfig()
        enabled = True
        if "enabled" in d:
            enabled = self.flag(d["enabled"], "drs.enabled") is not False
        automation = esxi.DRS_DEFAULT_AUTOMATION
        if "automation" in d:
            raw = self.scalar(d["automation"])
            level = _LEVELS.get(str(raw).strip().lower().replace("_", "-").replace(" ", "-"))
            if level is None:
                self.error(
                    d["automation"],
                    f"drs.automation must be one of {', '.join(DRS_AUTOMATION)}"
                    f"{suggest(str(raw), DRS_AUTOMATION)}",
                )
            else:
                automation = level
        return DRSConfig(enabled, automation)


_LEVELS = {
    **{level: level for level in DRS_AUTOMATION},
    "fullyautomated": "fully-automated",  # the API's and govc's defaultVmBehavior
    "partiallyautomated": "partially-automated",
}
