"""VMs, rows and MemSched claims for the property tests that hold the reclaim proofs
(ha's search, hostmodel.swap_proven() and hard_or_low()) to MemSched."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from memplan.engine.hostmodel import Row, figures
from memplan.engine.memsched import Claim, ballooned
from memplan.model import VM, Location
from memplan.units import GIB, MIB


def make_vm(name: str, memory: int, active: int, consumed: int, shares: int, res: int = 0) -> VM:
    return VM(
        name, memory, 2, True, res, None, shares, "custom", active, True, consumed, True,
        30 * MIB, False, None, (), "h", None, Location("t.yaml", 1, 1),
    )  # fmt: skip


def row_of(vm: VM) -> Row:
    return (vm, *figures(vm, vm.consumed, vm.active))


def rows_of(spec: list[tuple[int, int, int, int, int, int]]) -> list[Row]:
    """A row per (GiB, active %, consumed %, shares per MiB, reservation %, odd bytes)."""
    rows = []
    for i, (gib, active, consumed, per_mib, res, odd) in enumerate(spec):
        memory = gib * GIB + odd
        vm = make_vm(
            f"v{i:02d}", memory, memory * active // 100, memory * consumed // 100,
            per_mib * (memory // MIB), memory * res // 100,
        )  # fmt: skip
        rows.append(row_of(vm))
    return rows


def claims_of(rows: list[Row]) -> list[Claim]:
    """MemSched's claims for ``rows``."""
    return [
        Claim(vm.name, vm.shares, held, act, min(vm.reservation, held), bal, vm.memory)
        for vm, held, act, bal in rows
    ]


def shortfall_edge(rows: list[Row], claims: list[Claim], tax: Fraction) -> tuple[int, int] | None:
    """(lo, hi): MemSched balloons a need of ``lo`` whole (or lo = 1) and falls short at
    ``hi`` = lo + 1, found by bisection; None when it never falls short."""
    lo, hi = 1, sum(held - min(vm.reservation, held) for vm, held, _, _ in rows) + 1
    if ballooned(hi, claims, tax) == hi:
        return None
    while hi - lo > 1:  # ballooned whole at lo (or lo = 1), short at hi
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ballooned(mid, claims, tax) == mid else (lo, mid)
    return lo, hi


sizes = st.sampled_from([1, 2, 4, 8, 16, 32, 64])
vms = st.lists(
    st.tuples(
        sizes,
        st.integers(0, 100),  # active, % of memory
        st.integers(1, 100),  # consumed, % of memory
        st.sampled_from([0, 5, 10, 20]),  # shares per MiB
        st.sampled_from([0, 0, 0, 25, 50, 100]),  # reservation, % of memory
        st.integers(0, 1000),  # a few odd bytes, so that shares are not exact
    ),
    min_size=1,
    max_size=12,
)
"""Specs for rows_of()."""
