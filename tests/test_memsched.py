"""MemSched: who gets reclaimed, by shares, activity and the idle tax."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memplan.engine.memsched import Claim, _level, ballooned, rho, split
from memplan.model import MemState
from memplan.units import GIB, MIB
from tests.helpers import report


def test_reference_rho_example_with_idle_tax() -> None:
    """VM A: S=6000, P=4000, f=0.25; VM B: S=2000, P=2000, f=0.85. tau = 0.8 (k = 5):
    rho_A = 6000 / (4000 x (0.25 + 5 x 0.75)) = 0.375; rho_B = 2000 / (2000 x (0.85 +
    5 x 0.15)) = 0.625: A, mostly idle, is reclaimed first despite more shares."""
    assert rho(6000, 4000, 0.25, 0.8) == pytest.approx(0.375)
    assert rho(2000, 2000, 0.85, 0.8) == pytest.approx(0.625)


def test_reference_rho_example_without_idle_tax() -> None:
    """tau = 0 (k = 1): rho_A = 6000 / 4000 = 1.5, rho_B = 2000 / 2000 = 1.0: B first."""
    assert rho(6000, 4000, 0.25, 0.0) == pytest.approx(1.5)
    assert rho(2000, 2000, 0.85, 0.0) == pytest.approx(1.0)


def _claim(name: str, shares: int, held_gib: int, active_gib: int, floor_gib: int = 0) -> Claim:
    held = held_gib * GIB
    return Claim(name, shares, held, active_gib * GIB, floor_gib * GIB, held * 65 // 100, held)


def test_reference_pair_split_follows_rho() -> None:
    """With the reference's pair as GiB (A: 4000 shares-ish, 25% active; B 85% active),
    a small need is taken from A alone under tau = 75%, and from B alone under tau = 0."""
    a = Claim("A", 6000, 4000 * MIB, 1000 * MIB, 0, 2600 * MIB, 4000 * MIB)
    b = Claim("B", 2000, 2000 * MIB, 1700 * MIB, 0, 1300 * MIB, 2000 * MIB)
    taxed = split(100 * MIB, [a, b], Fraction(3, 4))
    assert [s.reclaimed for s in taxed] == [100 * MIB, 0]
    untaxed = split(100 * MIB, [a, b], Fraction(0))
    assert [s.reclaimed for s in untaxed] == [0, 100 * MIB]


def test_high_shares_vm_keeps_memory_while_idle_low_shares_vm_is_ballooned() -> None:
    """Two 64 GiB VMs on a 128 GiB host (124 GiB capacity): demand 128 GiB + overhead, so
    about 5.4 GiB must come back. 'db' has high shares and is 90% active; 'batch' has
    low shares and is 10% active. MemSched takes it all from batch, by ballooning."""
    r = report("""
        hosts:
          - name: h
            memory: 128GiB
            vms:
              - {name: db, memory: 64GiB, shares: high, active: 90%}
              - {name: batch, memory: 64GiB, shares: low, active: 10%}
    """)
    (h,) = r.hosts
    batch, db = r.vms
    assert h.state is MemState.SOFT
    assert (db.balloon, db.swap, db.entitlement) == (0, 0, 64 * GIB)
    assert batch.balloon == h.need
    assert batch.active_hit == 0


def test_reservation_is_a_floor() -> None:
    shares = split(10 * GIB, [_claim("r", 1, 8, 0, floor_gib=6), _claim("x", 10**9, 8, 8)],
                   Fraction(3, 4))  # fmt: skip
    assert shares[0].reclaimed == 2 * GIB  # down to its 6 GiB reservation, not below
    assert shares[1].reclaimed == 8 * GIB  # the rest must come from x despite its shares


def test_balloon_then_compression_then_swap() -> None:
    """A 10 GiB VM, balloon cap 65% = 6.5 GiB, compression cache 10% = 1 GiB: reclaiming
    9 GiB balloons 6.5, compresses 1 and swaps 1.5; 2 GiB of it were active pages."""
    (s,) = split(9 * GIB, [_claim("v", 1000, 10, 3)], Fraction(3, 4))
    assert (s.balloon, s.compressed, s.swapped) == (int(6.5 * GIB), GIB, int(1.5 * GIB))
    assert s.active_hit == 2 * GIB
    assert s.entitlement == GIB


claims = st.lists(
    st.builds(
        lambda n, sh, held, act, fl: Claim(f"v{n}", sh, held * MIB, min(act, held) * MIB,
                                           min(fl, held) * MIB, held * MIB * 65 // 100, held * MIB),
        st.integers(0, 10**6), st.integers(1, 10**6), st.integers(0, 65536),
        st.integers(0, 65536), st.integers(0, 65536),
    ),
    min_size=1, max_size=8, unique_by=lambda c: c.name,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(claims, st.integers(0, 1 << 40), st.sampled_from([Fraction(0), Fraction(3, 4)]))
def test_split_adds_up_and_respects_floors(cs: list[Claim], need: int, tax: Fraction) -> None:
    shares = split(need, cs, tax)
    assert ballooned(need, cs, tax) == sum(s.balloon for s in shares)
    room = sum(c.held - c.floor for c in cs)
    assert sum(s.reclaimed for s in shares) == min(need, room)
    for c, s in zip(cs, shares, strict=True):
        assert 0 <= s.reclaimed <= c.held - c.floor
        assert s.balloon + s.compressed + s.swapped == s.reclaimed
        assert s.balloon <= c.balloonable
        assert s.entitlement >= c.floor


def _kept(x: float, c: Claim, k: float) -> float:
    """The model as written in memsched._level's docstring, one VM at a time."""
    cost = c.shares * x
    pages = cost if cost <= c.active else c.active + (cost - c.active) / k
    return max(c.floor, min(c.held, pages))


@settings(max_examples=200, deadline=None)
@given(claims, st.integers(1, 1 << 40), st.sampled_from([0.0, 0.75]))
def test_water_level_matches_a_plain_bisection(cs: list[Claim], need: int, tax: float) -> None:
    """_level (breakpoints, inlined formulas) against 200 halvings of x on the model."""
    k = 1 / (1 - tax)
    total = min(need, sum(c.held - c.floor for c in cs))
    if total <= 0:
        return
    target = sum(c.held for c in cs) - total
    lo, hi = 0.0, max(c.active + k * (c.held - c.active) for c in cs) / min(c.shares for c in cs)
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if sum(_kept(mid, c, k) for c in cs) < target else (lo, mid)
    expected = [c.held - _kept(hi, c, k) for c in cs]
    for got, want, c in zip(_level(total, cs, k), expected, cs, strict=True):
        assert abs(got - want) <= 1e-6 * max(c.held, 1)


def test_a_vm_without_shares_is_reclaimed_first_and_breaks_nothing() -> None:
    """A VM below about 100 KiB gets 0 shares (10 per MiB): rho 0, the first reclaimed.
    The breakpoint math used to divide by its shares and crash (ZeroDivisionError)."""
    tiny = Claim("tiny", 0, 64 * 1024, 64 * 1024, 0, 0, 64 * 1024)
    big = _claim("big", 1000, 10, 1)
    shares = split(GIB, [tiny, big], Fraction(3, 4))
    assert shares[0].reclaimed == 64 * 1024
    assert sum(s.reclaimed for s in shares) == GIB
    text = """
        hosts:
          - name: h1
            memory: 16GiB
            vms:
              - {name: tiny, memory: 64KiB, overhead: 0}
              - {name: big, memory: 14GiB, active: 10%}
              - {name: big2, memory: 4GiB, active: 10%}
    """
    r = report(text)
    assert r.hosts[0].state is MemState.HARD
    assert {v.vm.name: v.swap for v in r.vms}["tiny"] == 64 * 1024
