"""Planned changes: dated VM and host additions and host retirements."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from memplan.inventory import whatif
from memplan.inventory.fields import (
    PLANNED_FIELDS,
)
from memplan.inventory.nodes import (
    Node,
    null_node,
)
from memplan.inventory.sections.hosts import HostsAndVMs
from memplan.model import (
    VM,
    Host,
)
from memplan.units import suggest

if TYPE_CHECKING:
    from memplan.model.occasional import PlannedChange


class PlannedChanges(HostsAndVMs):
    """Reads the planned: section (its entries are hosts and VMs)."""

    def planned(
        self,
        node: Node | None,
        defaults_host: dict[str, Node],
        defaults_vm: dict[str, Node],
        cluster_hosts: dict[str, set[str]],
        hosts: list[Host],
    ) -> list[PlannedChange]:
        """Dated changes: add_vm, add_host or retire_host, one per entry, sorted by date."""
        out: list[tuple[date, int, PlannedChange]] = []
        known = {h.name: h.cluster for h in hosts}
        for i, pnode in enumerate(self.sequence(node or null_node(), "planned")):
            p = self.mapping(pnode, PLANNED_FIELDS, "a planned change")
            if p is None:
                continue
            when = self.date(p["at"], "planned.at") if "at" in p else None
            if "at" not in p:
                self.error(pnode, "a planned change needs 'at: YYYY-MM-DD'")
            actions = [k for k in ("add_vm", "add_host", "retire_host") if k in p]
            if len(actions) != 1:
                self.error(
                    pnode, "a planned change needs exactly one of add_vm, add_host, retire_host"
                )
                continue
            change = self.planned_change(actions[0], p[actions[0]], defaults_host, defaults_vm,
                                         cluster_hosts, known)  # fmt: skip
            if when is None or change is None:
                continue
            kind, vm, host, target = change
            from memplan.model.occasional import PlannedChange  # only plans need it

            out.append((when, i, PlannedChange(when, kind, vm, host, target, self.loc(pnode))))
        return [c for _, _, c in sorted(out, key=lambda t: (t[0], t[1]))]

    def planned_change(
        self,
        action: str,
        node: Node,
        defaults_host: dict[str, Node],
        defaults_vm: dict[str, Node],
        cluster_hosts: dict[str, set[str]],
        known: dict[str, str | None],
    ) -> tuple[str, VM | None, Host | None, str | None] | None:
        if action == "retire_host":
            name = self.text(node, "planned.retire_host")
            if name is not None and name not in known:
                self.error(node, f"host {name!r} does not exist{suggest(name, known)}")
                return None
            return None if name is None else ("retire-host", None, None, name)
        ok = True  # after a problem, the host or VM is still read and checked
        cnode = whatif.child(node, "cluster")
        cluster = self.text(cnode, "cluster") if cnode is not None else None
        if cnode is not None and cluster is not None and cluster not in cluster_hosts:
            self.error(
                cnode, f"cluster {cluster!r} does not exist{suggest(cluster, cluster_hosts)}"
            )
            ok, cluster = False, None
        if action == "add_host":
            host, vm_nodes = self.host(
                node, defaults_host, cluster, extra=("cluster",), state=False
            )
            if vm_nodes:
                self.error(vm_nodes[0], "a planned host starts empty; plan its VMs with add_vm")
                return None
            if host is None or not ok:
                return None
            known[host.name] = cluster
            if cluster is not None:
                cluster_hosts[cluster].add(host.name)
            return "add-host", None, host, None
        hnode = whatif.child(node, "host")
        pin = self.text(hnode, "host") if hnode is not None else None
        if hnode is not None and pin is not None:
            if pin not in known:
                self.error(hnode, f"host {pin!r} does not exist{suggest(pin, known)}")
                ok, pin = False, None
            else:
                cluster = cluster or known[pin]
        if ok and cluster is None and pin is None:
            self.error(node, "a planned VM needs 'cluster:' or 'host:'")
            ok = False
        vm = self.vm(node, defaults_vm, pin, cluster, None, extra=("cluster",))
        return None if vm is None or not ok else ("add-vm", vm, None, None)
