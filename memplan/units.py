"""Sizes and percentages in and out: integer bytes inside, units only at the edges.

vSphere writes "GB" and "MB" for 2^30 and 2^20 bytes (its UI and the API's
``memoryMB``), so memplan reads ``GB`` as ``GiB`` and ``MB`` as ``MiB``: an
inventory copied from the vSphere client means what it says there. Output always
prints the binary unit names (GiB, MiB) so nobody has to guess.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30
TIB = 1 << 40

MAX_SIZE = 1 << 50
"""Largest size accepted anywhere (1 PiB). ESXi 8 supports 24 TiB per host, so a
larger figure is a typo (or hostile input), not a plan."""

UNITS: dict[str, int] = {
    "b": 1,
    "k": KIB, "kb": KIB, "kib": KIB,
    "m": MIB, "mb": MIB, "mib": MIB,
    "g": GIB, "gb": GIB, "gib": GIB,
    "t": TIB, "tb": TIB, "tib": TIB,
}  # fmt: skip

_SIZE_RE = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*([A-Za-z]+)?\s*$")
_GROWTH_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*%\s*/\s*(month|mo|year|yr)\s*$", re.I)
_DURATION_RE = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.I)
MAX_MONTHLY_GROWTH = 1.0
"""Growth above 100% a month is a typo."""
_PERCENT_RE = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%\s*$")


MAX_INPUT_DIGITS = 40
"""Most digits read in a size, percentage, rate or duration: more is never a plan, and
Python refuses to convert more than 4,300 digits (a traceback, not a message)."""


def clip(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters for an error message, marked with '...'."""
    return text if len(text) <= width else text[: width - 3] + "..."


def _digits(text: str) -> None:
    if sum(c.isdigit() for c in text) > MAX_INPUT_DIGITS:
        raise UnitError(
            f"{clip(text.strip())!r} has more than {MAX_INPUT_DIGITS} digits; check the number"
        )


class UnitError(ValueError):
    """A size or percentage could not be read; the message says why and what to write."""


def parse_size(text: str) -> int:
    """Parse ``"16GiB"``, ``"1.5 tb"``, ``"512M"`` or ``"0"`` into bytes.

    >>> parse_size("16 GB")
    17179869184
    >>> parse_size("0")
    0
    """
    m = _SIZE_RE.match(text)
    if m is None:
        raise UnitError(
            f"cannot read {clip(text)!r} as a size; write a number and a unit, e.g. '16GiB'"
        )
    number, unit = m.group(1), m.group(2)
    _digits(number)
    try:
        value = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
        raise UnitError(f"cannot read {text!r} as a size") from exc
    if value < 0:
        raise UnitError(f"size {clip(text.strip())!r} is negative")
    if unit is None:
        if value == 0:
            return 0
        raise UnitError(
            f"size {clip(text.strip())!r} has no unit; did you mean '{number}GiB' or '{number}MiB'?"
        )
    factor = UNITS.get(unit.lower())
    if factor is None:
        raise UnitError(
            f"unknown unit {clip(unit)!r} in {clip(text.strip())!r}; use B, KiB, MiB, GiB or TiB"
            " (KB, MB, GB, TB and K, M, G, T mean the same, as in vSphere)"
        )
    size = int((value * factor).to_integral_value(rounding=ROUND_HALF_EVEN))
    if size > MAX_SIZE:
        raise UnitError(f"size {clip(text.strip())!r} is larger than 1 PiB; check the unit")
    return size


def parse_percent(text: str, *, maximum: Fraction | None = Fraction(1)) -> Fraction:
    """Parse ``"30%"`` into the exact fraction 3/10.

    >>> parse_percent("30%")
    Fraction(3, 10)
    """
    m = _PERCENT_RE.match(text)
    if m is None:
        raise UnitError(f"cannot read {clip(text)!r} as a percentage; write e.g. '30%'")
    _digits(m.group(1))
    value = Fraction(Decimal(m.group(1))) / 100
    if value < 0:
        raise UnitError(f"percentage {clip(text.strip())!r} is negative")
    if maximum is not None and value > maximum:
        raise UnitError(f"percentage {clip(text.strip())!r} is above {float(maximum * 100):g}%")
    return value


def format_size(n: int, *, digits: int = 1) -> str:
    """Human size in binary units, e.g. ``"12.4 GiB"``, ``"512.0 MiB"``, ``"-3.0 GiB"``."""
    a = abs(n)
    if a >= TIB:
        return f"{n / TIB:.{digits + 1}f} TiB"
    if a >= GIB:
        return f"{n / GIB:.{digits}f} GiB"
    if a >= MIB:
        return f"{n / MIB:.{digits}f} MiB"
    if a >= KIB:
        return f"{n / KIB:.{digits}f} KiB"
    return f"{n} B"


def format_size_input(n: int) -> str:
    """The shortest exact way to write ``n`` bytes in the inventory format."""
    for name, factor in (("TiB", TIB), ("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if n and n % factor == 0:
            return f"{n // factor}{name}"
    return f"{n}B" if n else "0"


def plural(n: int, word: str) -> str:
    """``plural(1, "host")`` -> "1 host"; ``plural(2, "host")`` -> "2 hosts"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def suggest(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'esx01'?"`` for the closest of ``choices``, or ``""``."""
    if len(word) > 200:  # no name is that long; comparing would cost seconds
        return ""
    names = sorted(set(choices))
    prefixed = [n for n in names if n.startswith(word)] if word else []
    close = prefixed or difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if not close:  # host names carry domains: compare "esx-web9" with "esx-web01" too
        short = {n.split(".")[0]: n for n in names}
        close = [
            short[c] for c in difflib.get_close_matches(word.split(".")[0], short, n=1, cutoff=0.6)
        ]
    return f"; did you mean {close[0]!r}?" if close else ""


def parse_growth(text: str) -> float:
    """``"3%/month"`` -> 0.03; ``"20%/year"`` -> the monthly rate that compounds to 20%.

    >>> round(parse_growth("20%/year"), 6)
    0.015309
    """
    m = _GROWTH_RE.match(text)
    if m is None:
        raise UnitError(
            f"cannot read {clip(text)!r} as growth; write e.g. '3%/month' or '20%/year'"
        )
    _digits(m.group(1))
    rate = float(m.group(1)) / 100
    monthly = (1 + rate) ** (1 / 12) - 1 if m.group(2).lower().startswith("y") else rate
    if monthly > MAX_MONTHLY_GROWTH:
        raise UnitError(f"growth {clip(text.strip())!r} is above 100% a month; check the number")
    return monthly


def parse_duration(text: str, units: str = "dwmy") -> tuple[int, str]:
    """``"18m"`` -> (18, "m"); ``"90d"`` -> (90, "d"). ``units`` lists the letters accepted."""
    m = _DURATION_RE.match(text)
    if m is None or m.group(2).lower() not in units:
        names = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
        accepted = ", ".join(f"N{u} ({names[u]})" for u in units)
        raise UnitError(f"cannot read {clip(text)!r} as a duration; write {accepted}")
    _digits(m.group(1))
    return int(m.group(1)), m.group(2).lower()
