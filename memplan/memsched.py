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


def _cost(pages: float, active: float, k: float) -> float:
    """P * (f + k(1 - f)) with f = active / P, i.e. active + k * idle (f = 1 below active)."""
    return min(pages, active) + k * max(0.0, pages - active)


def _pages_at(level: float, c: Claim, k: float) -> float:
    """Pages a VM keeps when the water level is ``level`` (its rho after reclamation)."""
    target_cost = c.shares / level
    pages = target_cost if target_cost <= c.active else c.active + (target_cost - c.active) / k
    return max(float(c.floor), min(float(c.held), pages))


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
        compressed = min(rest, math.floor(c.memory * COMPRESSION_CACHE_FRACTION))
        idle = max(0, c.held - c.active)
        out.append(
            Share(c.name, r, balloon, compressed, rest - compressed, max(0, r - idle), c.held - r)
        )
    return out


def _level(total: int, claims: list[Claim], k: float) -> list[float]:
    """Reclaimed amount per VM at the water level that reclaims ``total`` (floats)."""

    def reclaimed(level: float) -> list[float]:
        return [c.held - _pages_at(level, c, k) for c in claims]

    lo, hi = 1e-30, 1.0
    while sum(reclaimed(hi)) < total and hi < 1e30:
        hi *= 16
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if sum(reclaimed(mid)) < total:
            lo = mid
        else:
            hi = mid
        if hi / lo < 1 + 1e-12:
            break
    return reclaimed(hi)


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
