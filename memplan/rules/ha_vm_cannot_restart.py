"""MP301 ha-vm-cannot-restart: after a host failure, a VM that no survivor can admit.

HA restarts the failed hosts' powered-on VMs on the survivors, largest first, each on
the survivor with the most unreserved memory that admits its reservation + overhead.
A VM that fits nowhere stays down. Runs for clusters with ``ha:``, of more than one
host (HA assumed), or with ``--fail-host`` / ``--ha-failures``. It fires with admission
control off too: HA still needs each VM's reservation + overhead free on the host it
restarts it on; with admission control off nothing keeps that capacity free, so there is
"no assurance that all virtual machines can be restarted" (vSphere API,
ClusterDasConfigInfo.admissionControlEnabled).

Passes (the reservation fits on the survivor)::

    clusters:
      - name: prod
        ha: {policy: host-failures, failures: 1}
        hosts:
          - {name: a, memory: 256GiB, vms: [{name: db, memory: 64GiB, reservation: all}]}
          - {name: b, memory: 256GiB}

Fails (each host reserves 200 GiB of its 252; neither survivor can take the other's)::

    clusters:
      - name: prod
        ha: {policy: host-failures, failures: 1}
        hosts:
          - {name: a, memory: 256GiB, vms: [{name: db1, memory: 200GiB, reservation: all}]}
          - {name: b, memory: 256GiB, vms: [{name: db2, memory: 200GiB, reservation: all}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from memplan.esxi import SOURCES
from memplan.model import Finding, Input, Severity
from memplan.rules.base import Context, RuleInfo, finding
from memplan.units import format_size

RULE = RuleInfo(
    "MP301",
    "ha-vm-cannot-restart",
    Severity.FAIL,
    "VM that cannot restart after a host failure",
    scenario=True,
)


def check(ctx: Context) -> Iterator[Finding]:
    """Yield a finding for each VM the worst failure scenario leaves down."""
    down = {n for r in ctx.ha.values() for n in r.unrestartable}
    vms = {vm.name: vm for vm in ctx.inventory.vms if vm.name in down}
    for name in sorted(ctx.ha):
        r = ctx.ha[name]
        most = max((s.capacity - s.reserved - s.overhead for s in r.survivors), default=0)
        for vm_name in r.unrestartable:
            vm = vms[vm_name]
            need = vm.reservation + vm.overhead
            yield finding(
                RULE, "vm", vm_name, vm.location,
                f"cannot restart after failure of {', '.join(r.failed_hosts)}: needs"
                f" {format_size(need)} reservation + overhead, no survivor admits it"
                f" (most unreserved before restarts: {format_size(most)})"
                + ("" if r.admission_control else "; HA admission control is off"),
                "reservation + overhead > unreserved memory of every survivor",
                (Input("reservation + overhead", need), Input("most unreserved", most),
                 Input("failed hosts", ", ".join(r.failed_hosts), "text")),
                (SOURCES["admission"], SOURCES["ha-placement"]),
            )  # fmt: skip
