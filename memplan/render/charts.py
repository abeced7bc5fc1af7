"""Charts for the HTML report, drawn with matplotlib as inline SVG.

Why matplotlib: the report must open offline, from a mail attachment, and print on A4.
SVG from matplotlib needs no script at all (Vega-Lite and plotly need a 0.8-3.5 MB
runtime inlined in every report), prints sharply at any size, and is deterministic once
its metadata and id salt are fixed. It is imported only here, and this module only when
``--format html`` is asked for: the other formats never pay its start-up.

Every chart's numbers are also in a table beside it (renderers/html.py): the chart is a
picture of the table, never the only place a figure appears.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from memplan.model import MemState
from memplan.units import GIB

STATE_COLOURS: dict[MemState, str] = {
    MemState.HIGH: "#d9f0d3",
    MemState.CLEAR: "#f7f7c6",
    MemState.SOFT: "#fdd49e",
    MemState.HARD: "#fc8d59",
    MemState.LOW: "#d7301f",
}
"""Band colours, light to dark with the state's severity; each band is also labelled."""

DEMAND_COLOUR = "#2b5c8a"
CAPACITY_COLOUR = "#222222"


@dataclass(frozen=True, slots=True)
class HostBar:
    """One host in a cluster's demand chart."""

    name: str
    capacity: int
    """Bytes."""
    demand: int
    """Bytes."""
    state: MemState
    edges: tuple[tuple[MemState, int | None], ...]
    """Free-memory lower edge of each state, bytes (None: no lower edge)."""


@dataclass(frozen=True, slots=True)
class Series:
    """A cluster's demand and capacity over time, and its crossing dates."""

    dates: tuple[date, ...]
    demand: tuple[int, ...]
    capacity: tuple[int, ...]
    balloon_at: date | None
    swap_at: date | None


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no screen, no GUI toolkit
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.fonttype": "none",  # text stays text: selectable, small, no embedded glyphs
            "svg.hashsalt": "memplan",  # stable element ids: the same report, the same file
            "font.family": "sans-serif",
            "font.size": 9,
        }
    )
    return plt


def _svg(fig: Any, title: str) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Title": title})
    plt.close(fig)
    text = buffer.getvalue()
    start = text.find("<svg")  # drop the XML prolog and DOCTYPE: the SVG sits inside HTML
    return text[start:] if start >= 0 else text


def _band_spans(h: HostBar) -> list[tuple[MemState, float, float]]:
    """(state, from, to) in GiB of demand: demand at which free memory crosses each edge."""
    spans = []
    start = 0.0
    for state, edge in h.edges:
        end = (h.capacity - edge) / GIB if edge is not None else None
        top = end if end is not None else max(h.capacity, h.demand) / GIB * 1.03
        if top > start:
            spans.append((state, start, top))
            start = top
    return spans


def demand_chart(title: str, hosts: Sequence[HostBar]) -> str:
    """Horizontal bars: each host's demand on top of its state bands, capacity marked."""
    plt = _pyplot()
    height = 0.9 + 0.42 * len(hosts)
    fig, ax = plt.subplots(figsize=(7.2, height))
    ordered = list(reversed(hosts))  # first host at the top
    xmax = max((max(h.capacity, h.demand) for h in hosts), default=GIB) / GIB * 1.22
    for y, h in enumerate(ordered):
        for state, lo, hi in _band_spans(h):
            ax.barh(y, min(hi, xmax) - lo, left=lo, height=0.8, color=STATE_COLOURS[state],
                    edgecolor="none")  # fmt: skip
        ax.barh(y, h.demand / GIB, height=0.34, color=DEMAND_COLOUR)
        ax.plot([h.capacity / GIB] * 2, [y - 0.42, y + 0.42], color=CAPACITY_COLOUR, lw=1.5)
        ax.text(max(h.capacity, h.demand) / GIB * 1.03 + xmax * 0.01, y,
                f"{h.demand / GIB:.1f} · {h.state}", va="center", fontsize=8)  # fmt: skip
    ax.set_yticks(range(len(ordered)), [h.name for h in ordered])
    ax.set_xlim(0, xmax)
    ax.set_ylim(-0.6, len(ordered) - 0.4)
    ax.set_xlabel("GiB (2^30 bytes): demand (bar), capacity (|), state bands behind")
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=STATE_COLOURS[s], label=f"{s.value} state band")
        for s in MemState
    ]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=5, fontsize=7,
              frameon=False, borderaxespad=0.2)  # fmt: skip
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, title)


def timeline_chart(title: str, series: Series) -> str:
    """Demand against capacity over time, with the first balloon and swap dates marked."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.2, 2.8))
    xs = list(series.dates)
    ax.plot(xs, [d / GIB for d in series.demand], color=DEMAND_COLOUR, lw=2, marker="o",
            markersize=3, label="demand")  # fmt: skip
    ax.plot(xs, [c / GIB for c in series.capacity], color=CAPACITY_COLOUR, lw=1.5,
            linestyle="--", label="capacity")  # fmt: skip
    top = max([*series.demand, *series.capacity, GIB]) / GIB
    for when, label, style in ((series.balloon_at, "balloons", ":"),
                               (series.swap_at, "swaps", "-.")):  # fmt: skip
        if when is not None:
            ax.axvline(when, color="#b30000", linestyle=style, lw=1.2)
            ax.text(when, top * 1.02, f" {label} {when.isoformat()}", color="#b30000",
                    fontsize=8, va="bottom")  # fmt: skip
    ax.set_ylim(0, top * 1.15)
    ax.set_ylabel("GiB (2^30 bytes)")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.autofmt_xdate()
    return _svg(fig, title)
