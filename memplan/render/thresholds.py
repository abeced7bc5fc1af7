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
from memplan.render.layout import put
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
            }
            for b in r.bands
        ],
    }
    console.file.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def render_table(r: ThresholdReport, console: Console) -> None:
    """The thresholds as a table with each state's free-memory band."""
    console.print(
        f"managed memory {_mib(r.managed)} · ESXi {r.esxi} (table {r.table}, reading {r.reading})",
        highlight=False,
    )
    console.print(
        f"minFree {_mib(r.min_free_exact)} (esxtop shows {int(r.min_free_exact // MIB)} MiB)",
        highlight=False,
    )
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    t.add_column("State")
    t.add_column("Threshold", justify="right")
    t.add_column("Free memory band")
    upper: int | None = None
    for b in r.bands:
        if b.lower_bytes is None:
            band = f"below {_mib(upper or 0)}"
        elif upper is None:
            band = f"{_mib(b.lower_bytes)} and more"
        else:
            band = f"{_mib(b.lower_bytes)} to {_mib(upper)}"
        t.add_row(
            Text(b.state.value, style=STATE_STYLE[b.state]),
            f"{float(b.threshold) * 100:g}% of minFree",
            band,
        )
        upper = b.lower_bytes
    put(console, t)
