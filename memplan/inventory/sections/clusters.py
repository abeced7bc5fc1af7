"""Clusters' HA settings."""

from __future__ import annotations

from memplan.inventory.fields import (
    HA_FIELDS,
    HA_POLICIES,
)
from memplan.inventory.nodes import (
    Node,
    NodeReader,
    null_node,
)
from memplan.model import (
    HAConfig,
)
from memplan.units import suggest


class Clusters(NodeReader):
    """Reads a cluster's ha: section."""

    def ha(self, node: Node, cluster: str) -> HAConfig | None:
        h = self.mapping(node, HA_FIELDS, f"ha of cluster {cluster!r}")
        if h is None:
            return None
        policy = "host-failures"
        if "policy" in h:
            p = self.scalar(h["policy"])
            if p not in HA_POLICIES:
                self.error(
                    h["policy"],
                    f"ha.policy must be one of {', '.join(HA_POLICIES)}{suggest(str(p), HA_POLICIES)}",
                )
                return None
            policy = p
        failures = 1
        if "failures" in h:
            f = self.integer(h["failures"], "ha.failures", 0, 64)
            if f is None:
                return None
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
        if policy == "dedicated" and not failover:
            self.error(node, "ha.policy 'dedicated' needs ha.failover_hosts")
        return HAConfig(policy, failures, percentage, tuple(failover))
