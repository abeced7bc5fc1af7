"""The whole document: every section read into one Inventory, cross-references checked."""

from __future__ import annotations

from dataclasses import replace

import yaml

from memplan.inventory import whatif
from memplan.inventory.fields import (
    CLUSTER_FIELDS,
    TOP_FIELDS,
)
from memplan.inventory.nodes import (
    Node,
    describe,
    null_node,
)
from memplan.inventory.sections.clusters import Clusters
from memplan.inventory.sections.hosts import name_of
from memplan.inventory.sections.planned import PlannedChanges
from memplan.inventory.sections.policy import PolicySection
from memplan.inventory.sections.waivers import Waivers
from memplan.inventory.vmlines import VMRun
from memplan.model import (
    VM,
    Cluster,
    DRSConfig,
    Host,
    Inventory,
    Policy,
)
from memplan.units import UnitError, parse_growth, suggest


class Reader(PlannedChanges, Clusters, PolicySection, Waivers):
    """Walks composed nodes, collecting problems instead of stopping at the first."""

    def inventory(self, root: Node) -> Inventory | None:
        top = self.mapping(root, TOP_FIELDS, "the inventory")
        if top is None:
            return None
        if "version" not in top:
            self.error(root, "missing 'version: 1' at the top of the inventory")
        else:
            v = self.scalar(top["version"])
            if isinstance(v, str) and v.strip() == "1":
                self.error(top["version"], "version must be the number 1, not the text '1'")
            elif isinstance(v, int) and not isinstance(v, bool) and v != 1:
                self.error(top["version"], f"unsupported version {v}; this memplan reads version 1")
            elif v != 1 or isinstance(v, bool):
                self.error(
                    top["version"],
                    f"version must be the number 1, not {describe(top['version'])}",
                )
        collected = self.timestamp(top["collected"], "collected") if "collected" in top else None
        defaults_host, defaults_vm = self.defaults(top.get("defaults"))
        self.defaults_vm = defaults_vm
        policy = self.policy(top["policy"]) if "policy" in top else Policy()
        clusters: list[Cluster] = []
        hosts: list[Host] = []
        vms: list[VM] = []
        cluster_names: dict[str, Node] = {}
        pinned: list[tuple[Node, str, str]] = []  # (VM's host node, host name, cluster)
        cluster_hosts: dict[str, set[str]] = {}
        for cnode in self.sequence(top.get("clusters", null_node()), "clusters"):
            c = self.mapping(cnode, CLUSTER_FIELDS, "a cluster")
            if c is None:
                continue
            name = self.required_text(c, cnode, "name", "cluster")
            if name is None:
                continue
            if name in cluster_names:
                first = cluster_names[name].start_mark.line + 1
                self.error(c["name"], f"duplicate cluster name {name!r} (first at line {first})")
            cluster_names[name] = c["name"]
            members = cluster_hosts.setdefault(name, set())
            cluster_growth = c.get("growth")
            for hnode in self.sequence(c.get("hosts", null_node()), f"hosts of cluster {name!r}"):
                host, vm_nodes = self.host(hnode, defaults_host, name)
                inherited = whatif.child(hnode, "growth") or cluster_growth
                if host is not None:
                    hosts.append(_with_growth(host, inherited))
                    members.add(host.name)
                vms += self.vms(vm_nodes, defaults_vm, name_of(host, hnode), name, inherited)
            for vnode in self.sequence(c.get("vms", null_node()), f"vms of cluster {name!r}"):
                if type(vnode) is VMRun:  # lines without host: (vmlines)
                    vms += self.vm_run(vnode, defaults_vm, None, name, cluster_growth)
                    continue
                vm = self.vm(vnode, defaults_vm, None, name, cluster_growth)
                if vm is not None:
                    vms.append(vm)
                pin = whatif.child(vnode, "host")  # checked even when the VM has other problems
                if isinstance(pin, yaml.ScalarNode) and pin.value:
                    pinned.append((pin, pin.value, name))
            if cluster_growth is not None:
                self.growth(cluster_growth, f"cluster {name!r} growth")
            ha = self.ha(c["ha"], name) if "ha" in c else None
            drs = self.drs(c["drs"], name) if "drs" in c else DRSConfig()
            clusters.append(Cluster(name, ha, self.loc(cnode), drs))
        for hnode in self.sequence(top.get("hosts", null_node()), "hosts"):
            host, vm_nodes = self.host(hnode, defaults_host, None)
            if host is not None:
                hosts.append(_with_growth(host, whatif.child(hnode, "growth")))
            growth = whatif.child(hnode, "growth")
            vms += self.vms(vm_nodes, defaults_vm, name_of(host, hnode), None, growth)
        planned = self.planned(top.get("planned"), defaults_host, defaults_vm, cluster_hosts, hosts)
        waivers = self.waivers(top.get("waivers"))
        by_name = {h.name: h for h in hosts}
        for hnode, host_name, cluster in pinned:
            target = by_name.get(host_name)
            if target is None:
                self.error(
                    hnode, f"host {host_name!r} does not exist{suggest(host_name, list(by_name))}"
                )
            elif target.cluster != cluster:
                where = (
                    f"cluster {target.cluster!r}" if target.cluster else "no cluster (standalone)"
                )
                self.error(hnode, f"host {host_name!r} is in {where}, not in cluster {cluster!r}")
        for cluster_name, fh, fnode in self._failover:
            if fh not in cluster_hosts.get(cluster_name, set()):
                members = cluster_hosts.get(cluster_name, set())
                self.error(
                    fnode,
                    f"failover host {fh!r} is not a host of cluster {cluster_name!r}"
                    f"{suggest(fh, members)}",
                )
        if self.problems:
            return None
        return Inventory(
            self.path,
            tuple(clusters),
            tuple(hosts),
            tuple(vms),
            policy,
            tuple(planned),
            waivers=tuple(waivers),
            collected=collected,
        )


def _with_growth(host: Host, node: Node | None) -> Host:
    """``host`` with the rate of its own or its cluster's ``growth:`` (validated, and any
    error reported, where the host and cluster are read; an invalid one counts as none)."""
    if not isinstance(node, yaml.ScalarNode) or not isinstance(node.value, str):
        return host
    try:
        rate = parse_growth(node.value)
    except UnitError:
        return host
    return replace(host, growth=rate) if rate else host
