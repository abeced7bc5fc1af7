"""Output of ``memplan diff``: table, Markdown (for a pull-request comment) or JSON."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from memplan.model import DiffReport, Finding, FindingChange, MemState
from memplan.render.base import write_safe
from memplan.render.layout import hanging, put
from memplan.render.markdown import ICON, _cell, findings_list
from memplan.units import GIB


def _gib(n: int | None) -> str:
    return "-" if n is None else f"{n / GIB:.1f}"


def _arrow(a: object, b: object) -> str:
    def s(x: object) -> str:
        if x is None:
            return "-"
        if isinstance(x, float):
            return f"{x:.2f}"
        if isinstance(x, MemState):
            return x.value
        if isinstance(x, date):
            return x.isoformat()
        return str(x)

    return s(a) if a == b else f"{s(a)} -> {s(b)}"


def _rows(d: DiffReport) -> list[list[str]]:
    return [
        [c.name, _arrow(*c.ratio), f"{_gib(c.free[0])} -> {_gib(c.free[1])}" if c.free[0] != c.free[1] else _gib(c.free[1]),
         _arrow(*c.state), _arrow(*c.balloon_at), _arrow(*c.swap_at), _arrow(*c.headroom)]
        for c in d.clusters
    ]  # fmt: skip


HEADERS = ["Cluster", "Ratio", "Free GiB", "Worst state", "Balloons from", "Swaps from", "Headroom"]


def _change(c: Any) -> str:
    if c.what == "resized":
        return f"{c.kind} {c.name} resized {_gib(c.old)} -> {_gib(c.new)} GiB"
    return f"{c.kind} {c.name} {c.what} ({_gib(c.old if c.what == 'removed' else c.new)} GiB)"


def render_table(d: DiffReport, console: Console) -> None:
    """Changes, cluster deltas, new and resolved findings."""
    console.print(
        f"memplan diff {d.old_source} -> {d.new_source} · sizes in GiB (2^30 bytes)",
        highlight=False,
    )
    width = console.width

    def line(text: str, first: str = "  ", rest: str = "    ") -> None:
        put(console, hanging(console, Text(text), width, first, rest))  # as check's blocks

    for c in d.changes:
        line(_change(c))
    if not d.changes:
        line("no VM or host added, removed or resized")
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for h in HEADERS:
        t.add_column(h, no_wrap=True)
    for row in _rows(d):
        t.add_row(*row)
    put(console, t)
    for label, items in (("new", d.new_findings), ("changed", d.changed), ("resolved", d.resolved)):
        if label == "changed" and not items:
            continue  # no finding escalated or moved: as before there was such a list
        line(f"{len(items)} {label} findings", "", "  ")
        for item in items:
            if isinstance(item, FindingChange):
                f = item.new if item.new is not None else item.old
                line(f"{f.severity.value} {f.rule} {f.name} · {f.kind} {f.subject}: {item.why}")
                if item.new is not None:
                    line(f"now: {item.new.message}", "    ", "      ")
                line(f"was: {item.old.message}", "    ", "      ")
                continue
            line(f"{item.severity.value} {item.rule} {item.name} · {item.kind} {item.subject}:"
                 f" {item.message}")  # fmt: skip
    console.print(f"verdict of the new findings: {d.verdict.value.upper()}", highlight=False)


def render_markdown(d: DiffReport, console: Console) -> None:
    """A pull-request comment."""
    moved = f"{len(d.changed)} changed, " if d.changed else ""
    lines = [
        f"### memplan diff: {ICON[d.verdict]} {len(d.new_findings)} new, {moved}"
        f"{len(d.resolved)} resolved",
        "",
    ]
    if d.changes:
        lines += [f"- {_change(c)}" for c in d.changes] + [""]
    lines += ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(r) + " |" for r in _rows(d)]
    for label, items in (("new findings", d.new_findings), ("changed findings", d.changed),
                         ("resolved findings", d.resolved)):  # fmt: skip
        if items:
            lines += ["", f"<details><summary>{len(items)} {label}</summary>", ""]
            lines += [
                _changed_item(i) if isinstance(i, FindingChange) else findings_list([i])[0]
                for i in items
            ]
            lines += ["", "</details>"]
    write_safe(console, "\n".join(lines) + "\n")


def _changed_item(c: FindingChange) -> str:
    """A changed finding as a Markdown list item: the finding now (or then), why, and its
    message before and after."""
    f = c.new if c.new is not None else c.old
    head = findings_list([f])[0].split(":", 1)[0]  # icon, rule, name and subject, escaped
    now = f" Now: {_cell(c.new.message)}." if c.new is not None else ""
    where = f" ({f.location.file}:{f.location.line})"
    return f"{head}: {_cell(c.why)}.{now} Was: {_cell(c.old.message)}.{where}"


def _finding(f: Finding | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {"rule": f.rule, "kind": f.kind, "subject": f.subject, "severity": f.severity.value,
            "message": f.message}  # fmt: skip


def render_json(d: DiffReport, console: Console) -> None:
    """Everything, machine-readable."""

    def iso(x: date | None) -> str | None:
        return x.isoformat() if x else None

    doc = {
        "schema_version": 1,
        "old": d.old_source,
        "new": d.new_source,
        "verdict": d.verdict.value,
        "changes": [{"kind": c.kind, "name": c.name, "change": c.what, "old_bytes": c.old,
                     "new_bytes": c.new} for c in d.changes],
        "clusters": [{"name": c.name, "overcommit_ratio": list(c.ratio), "free_bytes": list(c.free),
                      "state": [s.value if s else None for s in c.state],
                      "balloon_at": [iso(x) for x in c.balloon_at],
                      "swap_at": [iso(x) for x in c.swap_at], "headroom": list(c.headroom)}
                     for c in d.clusters],
        "new_findings": [{"rule": f.rule, "kind": f.kind, "subject": f.subject,
                          "severity": f.severity.value, "message": f.message} for f in d.new_findings],
        "resolved_findings": [{"rule": f.rule, "kind": f.kind, "subject": f.subject,
                               "severity": f.severity.value, "message": f.message} for f in d.resolved],
        "changed_findings": [{"kind": c.kind, "subject": c.subject, "why": c.why,
                              "old": _finding(c.old), "new": _finding(c.new)} for c in d.changed],
    }  # fmt: skip
    console.file.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
