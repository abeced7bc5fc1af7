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
from fractions import Fraction
from typing import NamedTuple

from memplan.esxi import COMPRESSION_CACHE_FRACTION


def rho(shares: float, pages: float, active_fraction: float, idle_tax: float) -> float:
    """Adjusted shares-per-page ratio; the lowest is reclaimed first.

    >>> round(rho(6000, 4000, 0.25, 0.8), 3), round(rho(2000, 2000, 0.85, 0.8), 3)
    (0.375, 0.625)
    """
    k = 1 / (1 - idle_tax)
    return shares / (pages * (active_fraction + k * (1 - active_fraction)))


class Claim(NamedTuple):
    """One VM's position under contention (a named tuple: one is built per VM per
    contended host evaluation, thousands of times in a failover analysis)."""

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


class Share(NamedTuple):
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


def split(need: int, claims: list[Claim], idle_tax: Fraction) -> list[Share]:
    """Split ``need`` bytes of reclamation across ``claims`` as MemSched would.

    Returns one Share per claim (same order). The reclaimed amounts add up to ``need``, or
    to everything reclaimable above the floors when that is less. Each VM's part is
    ballooned up to its balloonable memory; the rest is compressed (up to 10% of its
    configured memory) and then swapped.
    """
    taken = _reclaimed(need, claims, idle_tax)
    if taken is None:
        return [Share(c.name, 0, 0, 0, 0, 0, c.held) for c in claims]
    num, den = COMPRESSION_CACHE_FRACTION.numerator, COMPRESSION_CACHE_FRACTION.denominator
    out = []
    new, share = tuple.__new__, Share  # a Share without the Python frame of its __new__
    for (name, _, held, active, _, balloonable, memory), r in zip(claims, taken, strict=True):
        balloon = r if r < balloonable else balloonable
        rest = r - balloon
        cache = memory * num // den
        compressed = rest if rest < cache else cache
        hit = r - (held - active if held > active else 0)  # reclaimed beyond the idle part
        out.append(
            new(share, (name, r, balloon, compressed, rest - compressed, hit if hit > 0 else 0,
                        held - r))
        )  # fmt: skip
    return out


def ballooned(need: int, claims: list[Claim], idle_tax: Fraction) -> int:
    """The sum of the balloon parts of ``split(need, claims, idle_tax)``, without building
    a Share per VM (a host's state needs only this total)."""
    taken = _reclaimed(need, claims, idle_tax)
    if taken is None:
        return 0
    return sum(min(r, c.balloonable) for r, c in zip(taken, claims, strict=True))


def _reclaimed(need: int, claims: list[Claim], idle_tax: Fraction) -> list[int] | None:
    """Bytes taken from each claim, adding up to ``need`` or all there is; None for none."""
    room = [max(0, c.held - c.floor) for c in claims]
    total = min(need, sum(room))
    if total <= 0:
        return None
    return _round(total, _level(total, claims, 1 / (1 - float(idle_tax))), room)


def _level(total: int, claims: list[Claim], k: float) -> list[float]:
    """Reclaimed amount per VM at the water level that reclaims ``total`` (floats).

    At x = 1 / level a VM keeps S * x of cost, where a page below its active set costs 1
    and a page above it k, never above what it holds nor below its floor:
    pages = S*x if S*x <= active else active + (S*x - active) / k, kept = clamp(pages,
    floor, held). Total kept memory is nondecreasing and piecewise linear in x, with its
    breakpoints where a VM reaches its floor, its active set or all it holds (none for a
    VM without shares, which keeps its floor). Bisecting over the sorted breakpoints and
    interpolating inside the last segment finds the level exactly, in O(n log n). The
    per-VM formulas are written out inline: this is the innermost loop of a failover
    analysis (tests/test_memsched.py checks it against a plain bisection).
    """
    target = sum(c.held for c in claims) - total
    # Floats throughout: exact for these integers (below 2**53), and float-to-float
    # arithmetic and comparisons are the fast paths of the inner loop.
    rows = [(float(c.shares), float(c.active), float(c.floor), float(c.held)) for c in claims]

    def kept(x: float) -> float:  # total kept memory at x
        total = 0.0
        for shares, active, floor, held in rows:
            pages = shares * x
            if pages > active:
                pages = active + (pages - active) / k
            total += floor if pages < floor else (held if pages > held else pages)
        return total

    breaks = {0.0}
    for shares, active, floor, held in rows:  # where each VM's kept memory bends
        if shares > 0:
            for p in (floor, active, held):
                breaks.add((p if p <= active else active + k * (p - active)) / shares)
    points = sorted(breaks)
    seen: dict[int, float] = {}  # kept() at the points evaluated so far, by index
    lo, hi = 0, len(points) - 1  # kept(points[hi]) == sum(held) >= target
    while hi - lo > 1:
        mid = (lo + hi) // 2
        seen[mid] = kept(points[mid])
        if seen[mid] < target:
            lo = mid
        else:
            hi = mid
    x0, x1 = points[lo], points[hi]
    k0 = seen[lo] if lo in seen else kept(x0)
    k1 = seen[hi] if hi in seen else kept(x1)
    x = x1 if k1 == k0 else x0 + (x1 - x0) * (target - k0) / (k1 - k0)
    out = []
    for shares, active, floor, held in rows:  # held - kept, at the level found
        pages = shares * x
        if pages > active:
            pages = active + (pages - active) / k
        out.append(held - (floor if pages < floor else (held if pages > held else pages)))
    return out


def _round(total: int, amounts: list[float], room: list[int]) -> list[int]:
    """Integers that add up to ``total``, each within its room, close to ``amounts``.

    The floats are within a few bytes of ``total``; the rounding bytes go (or come back)
    in order of the largest fractional part.
    """
    out = []
    for a, r in zip(amounts, room, strict=True):
        v = math.floor(a)
        v = r if r < v else v
        out.append(v if v > 0 else 0)
    rest = total - sum(out)
    if rest == 0:
        return out
    fraction = [o - a for o, a in zip(out, amounts, strict=True)]
    order = sorted(range(len(out)), key=fraction.__getitem__)  # stable: ties by index
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
