"""Headroom's counts (issue 22: sums instead of host results, the host model only where a
host would reclaim) against a plain search: every copy placed as a VM and every host
evaluated in full, one count at a time."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from memplan import engine, inventory
from memplan.engine import ha
from memplan.engine.hostmodel import admits, evaluate_host, load_of
from memplan.esxi import MAX_VMS_PER_HOST
from memplan.model import VM, Host, MemState, Policy


def _state(host: Host, vms: list[VM], policy: Policy) -> MemState:
    return evaluate_host(host, vms, policy, per_vm=False)[0].state


def _reserved(vms: list[VM]) -> int:
    return sum(vm.reservation + vm.overhead for vm in vms if vm.powered_on)


def _copies(shape: VM, host: str, n: int, start: int = 0) -> list[VM]:
    return [replace(shape, name=f"{shape.name}#{start + i}", host=host) for i in range(n)]


def _plain_host(host: Host, vms: list[VM], shape: VM, policy: Policy, keep: MemState) -> int:
    """Copies one at a time until the next is not admitted or passes ``keep``."""
    k = 0
    while len(vms) + k < MAX_VMS_PER_HOST:
        mine = vms + _copies(shape, host.name, k)
        if not admits(host, shape, _reserved(mine)):
            break
        if _state(host, [*mine, *_copies(shape, host.name, 1, k)], policy).rank > keep.rank:
            break
        k += 1
    return k if _state(host, vms, policy).rank <= keep.rank else 0


def _plain_cluster(
    hosts: list[Host], by_host: dict[str, list[VM]], shape: VM, policy: Policy, keep: MemState
) -> list[str]:
    """Each copy on the host with the most free memory that admits it, evaluated in full."""
    lay = {h.name: list(by_host[h.name]) for h in hosts}
    order: list[str] = []
    while True:
        fits = [h for h in hosts if len(lay[h.name]) < MAX_VMS_PER_HOST
                and admits(h, shape, _reserved(lay[h.name]))]  # fmt: skip
        if not fits:
            return order
        free = {h.name: evaluate_host(h, lay[h.name], policy, per_vm=False)[0].free for h in fits}
        best = max(fits, key=lambda h: (free[h.name], h.name))
        copy = replace(shape, name=f"{shape.name}#{len(order)}", host=best.name)
        if _state(best, [*lay[best.name], copy], policy).rank > keep.rank:
            return order
        lay[best.name].append(copy)
        order.append(best.name)


def _text(hosts: list[list[tuple[int, int, str]]]) -> str:
    lines = ["version: 1", "clusters:", "  - name: c", "    hosts:"]
    for i, vms in enumerate(hosts):
        lines += [f"      - name: h{i}", f"        memory: {[48, 64, 96][i % 3]}GiB"]
        lines.append("        vms:" if vms else "        vms: []")
        for j, (gib, active, reservation) in enumerate(vms):
            lines.append(
                f"          - {{name: v{i}x{j}, memory: {gib}GiB, active: {active}%,"
                f" reservation: {reservation}}}"
            )
    return "\n".join(lines) + "\n"


host_vms = st.lists(
    st.tuples(
        st.sampled_from([2, 4, 8, 16]),
        st.integers(5, 100),
        st.sampled_from(["0", "0", "1GiB", "all"]),
    ),
    min_size=0,
    max_size=5,
)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(host_vms, min_size=2, max_size=3),
    st.sampled_from(["4GiB", "8GiB,active=10%", "6GiB,reservation=all", "12GiB,active=80%"]),
    st.sampled_from([MemState.HIGH, MemState.CLEAR, MemState.SOFT]),
)
def test_counts_equal_a_plain_search(
    tmp_path_factory: object, hosts: list[list[tuple[int, int, str]]], spec: str, keep: MemState
) -> None:
    """Per host and per cluster, with HA (assumed: one host failure), the counts equal
    those of placing real copies one by one and evaluating every host in full."""
    path = Path(str(tmp_path_factory.mktemp("h"))) / "inv.yaml"  # type: ignore[attr-defined]
    path.write_text(_text(hosts))
    inv, shape = inventory.load_with_shape(str(path), (), spec)
    report = engine.headroom_report(inv, shape, keep)
    by_host = {h.name: [vm for vm in inv.vms if vm.host == h.name] for h in inv.hosts}
    policy = inv.policy
    assert [r.count for r in report.hosts] == [
        _plain_host(h, by_host[h.name], shape, policy, keep) for h in inv.hosts
    ]
    (cluster,) = report.clusters
    cshape = replace(shape, cluster="c")
    order = _plain_cluster(list(inv.hosts), by_host, cshape, policy, keep)
    assert cluster.count == len(order)
    # HA: the largest prefix of those placements after which the worst failure leaves
    # every VM restarted and the survivors in the kept state or better (HA results built
    # from scratch for each prefix)
    ok = []
    for k in range(len(order) + 1):
        lay = {h.name: list(by_host[h.name]) for h in inv.hosts}
        for i, name in enumerate(order[:k]):
            lay[name].append(replace(cshape, name=f"{cshape.name}#{i}", host=name))
        base = {h.name: evaluate_host(h, lay[h.name], policy, per_vm=False)[0] for h in inv.hosts}
        loads = {h.name: load_of(lay[h.name]) for h in inv.hosts}
        r = ha.analyse(inv.clusters[0], list(inv.hosts), lay, base, policy, loads=loads)
        assert r is not None
        ok.append(not r.unrestartable and r.state_after.rank <= keep.rank)
    if not ok[0]:
        assert cluster.count_ha == 0
    else:  # the bisection assumes more copies never help: where that holds, it agrees
        plain = next((k - 1 for k in range(1, len(ok)) if not ok[k]), len(order))
        if all(not x for x in ok[plain + 1 :]):
            assert cluster.count_ha == plain
