"""Who gets reclaimed: ESXi's MemSched share-based split (Waldspurger, OSDI 2002).

Under contention ESXi takes memory from the VM with the lowest adjusted shares-per-page
ratio ``rho = S / (P * (f + k * (1 - f)))`` with ``k = 1 / (1 - tau)``: S shares, P pages
allocated, f the active fraction, tau the idle tax. Taking pages raises a VM's rho, so the
end state is a water level: every VM reclaimed from ends at the same rho, never below
its reservation (a floor) and never above what it holds (its limit is already applied).

Pure functions, no I/O. Sizes in bytes; rho is a float used only to order and to level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from memplan.esxi import COMPRESSION_CACHE_FRACTION


def rho(shares: float, pages: float, active_fraction: float, idle_tax: float) -> float:
    """Adjusted shares-per-page ratio; the lowest is reclaimed first.

    >>> round(rho(6000, 4000, 0.25, 0.8), 3), round(rho(2000, 2000, 0.85, 0.8), 3)
    (0.375, 0.625)
    """
    k = 1 / (1 - idle_tax)
    return shares / (pages * (active_fraction + k * (1 - active_fraction)))


@dataclass(frozen=True, slots=True)
class Claim:
    """One VM's position under contention."""

    name: str
    """VM name."""
    shares: int
    """Memory shares."""
    held: int
    """Memory it holds: min(consumed, configured, limit), bytes."""
    active: int
    """Active working set, bytes (at most held)."""
    floor: int
    """Never reclaimed below this: its reservation, bytes."""
    balloonable: int
    """What a balloon can take from it, bytes."""
    memory: int
    """Configured memory (sizes the compression cache), bytes."""


@dataclass(frozen=True, slots=True)
class Share:
    """What one VM loses, and how."""

    name: str
    """VM name."""
    reclaimed: int
    """Total taken from it, bytes."""
    balloon: int
    """Taken by its balloon driver."""
    compressed: int
    """Compressed (at most 10% of its configured memory, Mem.MemZipMaxPct)."""
    swapped: int
    """Swapped by the hypervisor."""
    active_hit: int
    """Part of the reclaimed memory that was active: the part that hurts performance."""
    entitlement: int
    """Memory it keeps: held - reclaimed."""


def _kept(x: float, c: Claim, k: float) -> float:
    """Memory a VM keeps at x = 1 / water level: S * x of cost, never above what it holds
    nor below its floor. Cost = pages below the active set, k per page above it."""
    cost = c.shares * x
    pages = cost if cost <= c.active else c.active + (cost - c.active) / k
    return max(float(c.floor), min(float(c.held), pages))


def _breakpoints(c: Claim, k: float) -> tuple[float, ...]:
    """Where a VM's kept memory changes slope as x grows (the curve is piecewise linear)."""

    def x_for(pages: float) -> float:
        cost = pages if pages <= c.active else c.active + k * (pages - c.active)
        return cost / c.shares

    return (x_for(c.floor), x_for(c.active), x_for(c.held))


def split(need: int, claims: list[Claim], idle_tax: Fraction) -> list[Share]:
    """Split ``need`` bytes of reclamation across ``claims`` as MemSched would.

    Returns one Share per claim (same order). The reclaimed amounts add up to ``need``, or
    to everything reclaimable above the floors when that is less. Each VM's part is
    ballooned up to its balloonable memory; the rest is compressed (up to 10% of its
    configured memory) and then swapped.
    """
    room = [max(0, c.held - c.floor) for c in claims]
    total = min(need, sum(room))
    if total <= 0:
        return [Share(c.name, 0, 0, 0, 0, 0, c.held) for c in claims]
    k = 1 / (1 - float(idle_tax))
    weights = _level(total, claims, k)
    taken = _round(total, weights, room)
    out = []
    for c, r in zip(claims, taken, strict=True):
        balloon = min(r, c.balloonable)
        rest = r - balloon
        cache = COMPRESSION_CACHE_FRACTION
        compressed = min(rest, c.memory * cache.numerator // cache.denominator)
        idle = max(0, c.held - c.active)
        out.append(
            Share(c.name, r, balloon, compressed, rest - compressed, max(0, r - idle), c.held - r)
        )
    return out


def _level(total: int, claims: list[Claim], k: float) -> list[float]:
    """Reclaimed amount per VM at the water level that reclaims ``total`` (floats).

    Total kept memory is nondecreasing and piecewise linear in x = 1 / level, with its
    breakpoints where a VM reaches its floor, its active set or all it holds. Bisecting
    over the sorted breakpoints and interpolating inside the last segment finds the level
    exactly, in O(n log n).
    """
    target = sum(c.held for c in claims) - total

    def kept(x: float) -> float:
        return sum(_kept(x, c, k) for c in claims)

    points = sorted({0.0, *(x for c in claims for x in _breakpoints(c, k))})
    lo, hi = 0, len(points) - 1  # kept(points[hi]) == sum(held) >= target
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if kept(points[mid]) < target:
            lo = mid
        else:
            hi = mid
    x0, x1 = points[lo], points[hi]
    k0, k1 = kept(x0), kept(x1)
    x = x1 if k1 == k0 else x0 + (x1 - x0) * (target - k0) / (k1 - k0)
    return [c.held - _kept(x, c, k) for c in claims]


def _round(total: int, amounts: list[float], room: list[int]) -> list[int]:
    """Integers that add up to ``total``, each within its room, close to ``amounts``.

    The floats are within a few bytes of ``total``; the rounding bytes go (or come back)
    in order of the largest fractional part.
    """
    out = [max(0, min(r, math.floor(a))) for a, r in zip(amounts, room, strict=True)]
    rest = total - sum(out)
    order = sorted(range(len(out)), key=lambda i: (out[i] - amounts[i], i))
    for i in order:
        if rest <= 0:
            break
        add = min(rest, room[i] - out[i])
        out[i] += add
        rest -= add
    for i in reversed(order):
        if rest >= 0:
            break
        take = min(out[i], -rest)
        out[i] -= take
        rest += take
    return out
