"""Output of ``memplan thresholds``: minFree and the free-memory band of each state."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from memplan.esxi import Band
from memplan.render.base import STATE_STYLE
from memplan.render.layout import hanging, put
from memplan.units import MIB


@dataclass(frozen=True, slots=True)
class ThresholdReport:
    """The answer of the thresholds calculator."""

    managed: int
    """VMkernel-managed memory, bytes."""
    esxi: str
    """ESXi version."""
    table: str
    """Name of the state table used."""
    reading: str
    """Reading A or B."""
    min_free_exact: Fraction
    """minFree, exact bytes."""
    bands: tuple[Band, ...]
    """Bands from high to low."""


def _mib(n: int | Fraction) -> str:
    return f"{float(n) / MIB:.2f} MiB"


def render_json(r: ThresholdReport, console: Console) -> None:
    """The thresholds as JSON (bytes, rounded down)."""
    doc = {
        "managed_bytes": r.managed,
        "esxi": r.esxi,
        "state_table": r.table,
        "reading": r.reading,
        "min_free_bytes": int(r.min_free_exact),
        "min_free_mib_exact": round(float(r.min_free_exact) / MIB, 4),
        "min_free_mib_esxtop": int(r.min_free_exact // MIB),
        "states": [
            {
                "state": b.state.value,
                "threshold_of_min_free": float(b.threshold),
                "free_from_bytes": b.lower_bytes,
                "threshold_is_edge": b is not unused(r),
            }
            for b in r.bands
        ],
    }
    console.file.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def _pct(f: Fraction) -> str:
    return f"{float(f) * 100:g}%"


def unused(r: ThresholdReport) -> Band:
    """The state whose published threshold bounds no band in this reading: the lowest
    state in reading B (it takes everything below the one above it), the highest in
    reading A (it takes everything above the one below it)."""
    return r.bands[-1] if r.reading == "B" else r.bands[0]


def _edges(r: ThresholdReport) -> list[tuple[Fraction | None, Fraction | None]]:
    """Each band's (lower, upper) edge as a fraction of minFree; None for open ends."""
    fractions = [b.threshold for b in r.bands]
    if r.reading == "B":
        lows: list[Fraction | None] = [*fractions[:-1], None]
    else:
        lows = [*fractions[1:], None]
    return [(low, None if i == 0 else lows[i - 1]) for i, low in enumerate(lows)]


def _band(low: str | None, high: str | None) -> str:
    if low is None:
        return f"below {high}"
    return f"{low} and more" if high is None else f"{low} to {high}"


def why(r: ThresholdReport) -> str:
    """Which threshold bounds no band in this reading, what takes its place on this host,
    and why memplan reads the thresholds as it does (docs/model.md)."""
    odd = unused(r)
    own = (
        f"{odd.state.value}'s own {_pct(odd.threshold)} ({_mib(odd.threshold * r.min_free_exact)})"
    )
    if r.reading == "B":
        edge = r.bands[-2]
        return (
            f"* Reading B (memplan's default): each threshold is the lower edge of its own "
            f"state's band, so {odd.state.value} is everything below {edge.state.value}'s "
            f"{_pct(edge.threshold)} ({_mib(edge.lower_bytes or 0)} on this host); {own} "
            f"is no edge. An esxtop capture and a reader's test on running-system.com "
            f"support reading B, and it is the conservative one for planning "
            f"(docs/model.md); --reading A enters {odd.state.value} below "
            f"{_pct(odd.threshold)}."
        )
    edge = r.bands[1]
    return (
        f"* Reading A (most blogs): a state is entered when free memory falls below its "
        f"threshold, so {odd.state.value} is everything from {edge.state.value}'s "
        f"{_pct(edge.threshold)} ({_mib(r.bands[0].lower_bytes or 0)} on this host) up; "
        f"{own} is no edge. memplan's default is reading B (--reading B), which an esxtop "
        f"capture and a reader's test on running-system.com support (docs/model.md)."
    )


def render_table(r: ThresholdReport, console: Console) -> None:
    """The thresholds as a table with each state's free-memory band, in % of minFree and
    in MiB, and a note on the one threshold the reading leaves without an edge."""
    console.print(
        f"managed memory {_mib(r.managed)} · ESXi {r.esxi} (table {r.table}, reading {r.reading})",
        highlight=False,
    )
    esxtop = int(r.min_free_exact // MIB)
    line = f"minFree {_mib(r.min_free_exact)} (esxtop shows {esxtop} MiB); Threshold and Band in % of it"
    put(console, hanging(console, Text(line), console.width, "", "  "))
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    t.add_column("State")
    t.add_column("Threshold", justify="right")
    t.add_column("Band", justify="right")
    t.add_column("Free memory band")
    odd = unused(r)
    upper: int | None = None
    for b, (low, high) in zip(r.bands, _edges(r), strict=True):
        if b.lower_bytes is None:
            band = f"below {_mib(upper or 0)}"
        elif upper is None:
            band = f"{_mib(b.lower_bytes)} and more"
        else:
            band = f"{_mib(b.lower_bytes)} to {_mib(upper)}"
        t.add_row(
            Text(b.state.value, style=STATE_STYLE[b.state]),
            _pct(b.threshold) + ("*" if b is odd else " "),
            _band(None if low is None else _pct(low), None if high is None else _pct(high)),
            band,
        )
        upper = b.lower_bytes
    put(console, t)
    put(console, hanging(console, Text(why(r), style="dim"), console.width, "", "  "))
