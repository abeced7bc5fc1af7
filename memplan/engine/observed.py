"""Observed host usage as today's demand. Pure functions, no I/O (docs/model.md).

An export without per-VM consumed figures (RVTools vInfo without vMemory, say) leaves
memplan to assume every VM consumes all of its memory, which puts hosts that vCenter shows
half used near ballooning. Where a host's powered-on VMs give no consumed figure and the
inventory has the host's ``observed.consumed``, the observation is today's demand:

    demand = observed consumed - system_reserved   (vCenter counts VMkernel and overheads)

Its VMs' consumed memory is scaled down to fit that demand (their overhead kept), or,
when they hold less than it, a stand-in VM ``(unlisted on HOST)`` holds the rest: memory
the host uses for VMs the inventory does not list, assumed fully active (nothing known to
balloon), growing by its host's (or cluster's) demand growth. The stand-in runs, fails
over and grows like any VM, so the state, free memory, forecasts, HA and headroom all start from the observation;
reports leave it out of VM lists and counts.

Where some of the host's VMs give consumed figures, but fewer than the running VMs the
observation counts (``observed.vms``), the observation stays the demand: those VMs keep
their figures, inside it, and the rest is shared as above (resting()). Otherwise VMs
that give consumed decide the host's demand (rule MP207 compares it with the
observation).

Cluster VMs with ``seen_on`` (their host, as the source names it, is not in the
inventory) already run on some host of the cluster: when every host of their cluster
rests on observation, their memory is inside those observations and memplan does not
place them (placement would count it twice).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from memplan import esxi
from memplan.model import VM, Host, Inventory
from memplan.units import GIB

UNLISTED = "memplan:unlisted"
"""Tag of a stand-in VM: memory a host uses for VMs the inventory does not list."""

STANDIN_PIECE = 8 * GIB
"""The largest piece a stand-in restarts as when its host fails (pieces()). memplan's own
assumption, not a vSphere figure: the memory it holds belongs to many VMs, and the real
export tests/data/rvtools/example1.xlsx averages 9.6 GiB used per running VM (vHost
``Memory usage %`` x ``# Memory`` / ``# VMs``); 8 GiB keeps a piece below that."""


COUNTED = "memplan:counted"
"""Tag of the average VMs counted() makes: sizes from the observation, no figures of their
own for vCPUs or activity."""


NEW = "memplan:new"
"""Tag of the new VMs demand growth brings (projection.typical_vm()): no observation of
today counts them."""


def in_count(vm: VM) -> bool:
    """Whether ``vm`` is among the running VMs an observation of today counts (vHost
    ``# VMs``) when the inventory lists it: not a stand-in, nor a new VM of demand growth."""
    return not (UNLISTED in vm.tags or NEW in vm.tags)


def target(host: Host) -> int | None:
    """What the host's VMs use by observation: observed consumed - system_reserved (at
    least 0), or None when nothing was observed."""
    o = host.observed
    if o is None or o.consumed is None:
        return None
    return max(0, o.consumed - host.system_reserved)


def resting(inventory: Inventory) -> set[str]:
    """Hosts whose demand rests on observation: observed consumed given, and none of the
    powered-on VMs the inventory puts on it gives a consumed figure; or some do, but fewer
    than the running VMs the observation counts (``observed.vms``) and holding no more than
    it: the inventory lists the host only in part, so its VMs' figures are kept inside the
    observation (observe()), neither it thrown away nor they counted twice. A host that
    carries a stand-in was observed already (observe() leaves it as it is): it rests."""
    observed = {h.name: h for h in inventory.hosts if target(h) is not None}
    if not observed:
        return set()
    measured: dict[str, int] = defaultdict(int)
    held: dict[str, int] = defaultdict(int)
    standing: set[str] = set()
    for vm in inventory.vms:
        if vm.powered_on and vm.host in observed:
            if UNLISTED in vm.tags:
                standing.add(vm.host)
            elif vm.consumed_given:
                measured[vm.host] += 1
                held[vm.host] += min(vm.consumed, vm.entitled_memory) + vm.overhead
    out = set()
    for name, host in observed.items():
        count = measured.get(name, 0)
        o, goal = host.observed, target(host)
        if not count or name in standing or (
            o is not None and o.vms is not None and count < o.vms
            and goal is not None and held[name] <= goal
        ):  # fmt: skip
            out.add(name)
    return out


def unplaced_by_observation(inventory: Inventory) -> set[str]:
    """Clusters whose hosts all rest on observation: their ``seen_on`` VMs are not placed."""
    rest = resting(inventory)
    members: dict[str, list[str]] = defaultdict(list)
    for h in inventory.hosts:
        if h.cluster is not None and not h.maintenance:
            members[h.cluster].append(h.name)
    return {c for c, names in members.items() if names and all(n in rest for n in names)}


def is_standin(vm: VM) -> bool:
    """True for a stand-in VM (observe() adds them)."""
    return UNLISTED in vm.tags


def counted(host: Host, vms: list[VM]) -> list[VM]:
    """The VMs the stand-in among ``vms`` (the host's VMs) stands for, as alike VMs of
    their average size, for the shape of demand growth's new VMs (projection.typical_vm()):
    the observation's running VMs (RVTools vHost ``# VMs``) less those the inventory lists,
    each configured (``vRAM`` less the listed VMs' sizes) / n and holding the stand-in's
    memory / n (its overhead included, as vCenter counts it), with the stand-in's assumed
    full activity and one vCPU: figures the export does not give, which typical_vm() takes
    from listed VMs when there are any. Empty without a stand-in, or when the observation
    does not count the host's VMs and their memory."""
    o = host.observed
    standin = next((vm for vm in vms if is_standin(vm)), None)
    if standin is None or o is None or o.vms is None or o.configured is None:
        return []
    listed = [vm for vm in vms if vm.powered_on and in_count(vm)]
    n = o.vms - len(listed)
    size = (o.configured - sum(vm.memory for vm in listed)) // n if n > 0 else 0
    if size <= 0:
        return []
    held = min(size, min(standin.consumed, standin.memory) // n)
    one = replace(
        standin, name=f"{standin.name} (average)", memory=size, consumed=held, active=held,
        shares=esxi.SHARES_PER_MIB["normal"] * size // (1 << 20), tags=(COUNTED,),
    )  # fmt: skip
    return [one] * n


def pieces(vm: VM, count: int | None = None) -> list[VM]:
    """A stand-in as the VMs it stands for, for an HA restart: vSphere restarts many VMs,
    each on the survivor HA or DRS picks, never one block of the host's whole usage. The
    stand-in's consumed memory (what it holds) is cut into ``count`` equal pieces (the
    running VMs the observation counts that the inventory does not list), or without a
    count into ceil(consumed / STANDIN_PIECE), in whole bytes (the first ones take a byte
    more), each fully active and named ``(unlisted on HOST) i/n``. Any other VM, or a
    stand-in of one piece, stays itself."""
    size = min(vm.consumed, vm.memory)
    n = count if count is not None and count > 0 else -(-size // STANDIN_PIECE)
    n = min(n, max(1, size))
    if not is_standin(vm) or n <= 1:
        return [vm]
    base, extra = divmod(size, n)
    out = []
    for i in range(n):
        part = base + (1 if i < extra else 0)
        out.append(
            replace(
                vm,
                name=f"{vm.name} {i + 1}/{n}",
                memory=part,
                consumed=part,
                active=part,
                shares=esxi.SHARES_PER_MIB["normal"] * part // (1 << 20),
            )
        )
    return out


def observe(inventory: Inventory) -> Inventory:
    """The inventory with the demand of every resting host set to its observation: its own
    VMs scaled down, or a stand-in VM added for the rest (see the module docstring)."""
    rest = resting(inventory)
    if not rest:
        return inventory
    own: dict[str, list[VM]] = defaultdict(list)
    for vm in inventory.vms:
        if vm.powered_on and vm.host in rest:
            own[vm.host].append(vm)
    for vms in own.values():  # observed already (a stand-in): as it is, e.g. rightsized VMs
        if any(UNLISTED in vm.tags for vm in vms):
            rest = rest - {vms[0].host}
    scaled: dict[str, VM] = {}
    standins: list[VM] = []
    for host in inventory.hosts:
        if host.name not in rest:
            continue
        goal = target(host)
        assert goal is not None
        vms = own[host.name]
        # VMs that give consumed keep it (the host is listed only in part: resting()); the
        # others share what the observation leaves, scaled down or topped up by a stand-in
        kept = [vm for vm in vms if vm.consumed_given]
        if kept:
            goal -= sum(min(vm.consumed, vm.entitled_memory) + vm.overhead for vm in kept)
            vms = [vm for vm in vms if not vm.consumed_given]
        held = [min(vm.consumed, vm.entitled_memory) for vm in vms]
        overhead = sum(vm.overhead for vm in vms)
        if sum(held) + overhead > goal:
            for vm, h in zip(vms, _shrink(held, max(0, goal - overhead)), strict=True):
                active = min(vm.active, h) if vm.active_given else h
                scaled[vm.name] = vm.with_usage(h, active)
        elif goal > sum(held) + overhead:
            standins.append(_standin(host, goal - sum(held) - overhead, own[host.name]))
    every = tuple(scaled.get(vm.name, vm) for vm in inventory.vms) + tuple(standins)
    return replace(inventory, vms=every)


def _shrink(held: list[int], total: int) -> list[int]:
    """``held`` scaled so that it sums to ``total`` (<= its sum), in whole bytes: each
    floor(h x total / sum), the bytes left over to the largest, none above its own h."""
    whole = sum(held)
    if whole == 0:
        return held
    out = [h * total // whole for h in held]
    left = total - sum(out)
    for i in sorted(range(len(out)), key=lambda i: -held[i]):
        if left <= 0:
            break
        give = min(left, held[i] - out[i])
        out[i] += give
        left -= give
    return out


def _standin(host: Host, size: int, vms: list[VM]) -> VM:
    """A VM holding ``size`` bytes on ``host``: fully active, normal shares, no overhead;
    it grows by the host's (or its cluster's) demand growth, as the VMs it stands for
    would, else as fast as the fastest of the host's own VMs (0 without any)."""
    fastest = max(vms, key=lambda vm: vm.growth, default=None)
    return VM(
        name=f"(unlisted on {host.name})",
        memory=size,
        vcpus=1,
        powered_on=True,
        reservation=0,
        limit=None,
        shares=esxi.SHARES_PER_MIB["normal"] * size // (1 << 20),
        shares_level="normal",
        active=size,
        active_given=False,
        consumed=size,
        consumed_given=False,
        overhead=0,
        overhead_estimated=False,
        balloon_max=None,
        tags=(UNLISTED,),
        host=host.name,
        cluster=host.cluster,
        location=host.location,
        growth=host.growth or (fastest.growth if fastest else 0.0),
        demand_growth=bool(host.growth) or (fastest.demand_growth if fastest else False),
    )
