"""The interface every output format implements, and what they share (safe_text and
safe_line live in render/safe.py, which does not import Rich)."""

from __future__ import annotations

import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.segment import Segment

from memplan.model import HAResult, HostResult, MemState, Report, Severity
from memplan.render.safe import safe_text
from memplan.units import GIB, plural

if TYPE_CHECKING:
    from memplan.model.forecast import Arrivals, Forecast

SEVERITY_STYLE: dict[Severity, str] = {
    Severity.OK: "green",
    Severity.WARN: "yellow",
    Severity.FAIL: "bold red",
}
"""The one place severities map to colours."""

STATE_STYLE: dict[MemState, str] = {
    MemState.HIGH: "green",
    MemState.CLEAR: "green",
    MemState.SOFT: "yellow",
    MemState.HARD: "red",
    MemState.LOW: "bold red",
}
"""The one place memory states map to colours."""


class SafeConsole(Console):
    """A console that never passes markup, emoji codes or control characters from the
    text it prints: a name like '[link=...]x' or 'x\\x1b]8;;...' prints as written, and
    styles memplan adds itself still work.

    It also keeps output within the terminal's promises (docs/output.md): no line ends in
    spaces, and a Rich table too wide for the width wraps or folds its cells instead of
    cutting them with an ellipsis."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, **kwargs)

    def render(self, renderable: Any, options: Any = None) -> Any:
        # Only a command that made a Rich Table has imported rich.table (9 ms of start-up).
        table = sys.modules.get("rich.table")
        if table is not None and isinstance(renderable, table.Table):
            for column in renderable.columns:
                if column.overflow == "ellipsis":  # Rich's default: never cut, fold
                    column.overflow = "fold"
                    column.no_wrap = False
        return super().render(renderable, options)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            seg if seg.control else Segment(safe_text(seg.text), seg.style)
            for seg in without_trailing_spaces(buffer)
        )


def without_trailing_spaces(buffer: Iterable[Segment]) -> list[Segment]:
    """``buffer`` with the spaces before each line end removed (Rich pads table rows and
    titles to the table's width); styles and control codes are kept."""
    out: list[Segment] = []
    start = 0  # where the current line begins in ``out``

    def trim() -> None:
        while len(out) > start and not out[-1].control:
            text = out[-1].text.rstrip(" ")
            if text:
                out[-1] = Segment(text, out[-1].style)
                return
            out.pop()

    for seg in buffer:
        text = seg.text
        if seg.control or "\n" not in text:
            out.append(seg)
            continue
        first, last = text.find("\n"), text.rfind("\n")
        if first < last and not seg.style and " \n" not in text:
            # Many unstyled lines, none ending in a space (a table laid out already): only
            # the first line break can trim, and the lines between stay one segment.
            if first:
                out.append(Segment(text[:first]))
            trim()
            out.append(Segment(text[first : last + 1]))
            start = len(out)
            if last + 1 < len(text):
                out.append(Segment(text[last + 1 :]))
            continue
        for i, part in enumerate(text.split("\n")):
            if i:
                trim()
                out.append(Segment("\n", seg.style))
                start = len(out)
            if part:
                out.append(Segment(part, seg.style))
    return out


EXPORTS = (".xlsx", ".xlsm", ".csv", "/")
"""How an RVTools export (a workbook, a CSV tab or a folder of them) ends: memplan reads it
as YAML it writes in memory, so a finding's line and column there are in no file."""


def has_lines(file: str) -> bool:
    """Whether a location's line and column are in ``file`` as the user has it: not in an
    RVTools export, whose inventory memplan wrote in memory (findings then name the file
    alone, never 'example1.xlsx line 43')."""
    return not file.lower().endswith(EXPORTS)


def where(file: str, line: int, column: int | None = None) -> str:
    """``file:line[:column]``, or ``file`` alone for an export (has_lines)."""
    if not has_lines(file):
        return file
    return f"{file}:{line}" if column is None else f"{file}:{line}:{column}"


def write_safe(console: Console, text: str) -> None:
    """Write ``text`` to the console's file as it is, with unsafe characters escaped."""
    console.file.write(safe_text(text))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
"""What makes a spreadsheet read a CSV cell as a formula (OWASP, CSV Injection)."""
_CSV_QUOTE = re.compile('[,;"\t\r\n]')


def csv_field(value: object) -> str:
    """One CSV cell: ``None`` empty, numbers as Python writes them, and text that would
    start a formula in Excel or LibreOffice (``=``, ``+``, ``-``, ``@``, tab, CR, LF
    first) behind a single quote, so that it opens as the text it is (OWASP's CSV
    Injection advice). Text holding a separator (comma, or the semicolon and tab other
    locales split on), a quote or a line break is quoted, so that no part of it can
    start a cell of its own."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    if value.startswith(_FORMULA_START):
        value = "'" + value
    if _CSV_QUOTE.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def write_csv(console: Console, header: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    """Write a CSV document (header, then ``rows``; LF line ends) with every cell made
    safe by csv_field, and unsafe characters escaped as write_safe does."""
    lines = [",".join(header)]
    lines.extend(",".join(map(csv_field, row)) for row in rows)
    write_safe(console, "\n".join(lines) + "\n")


class Renderer(ABC):
    """Turns a finished report into output on an injected console."""

    @abstractmethod
    def render(self, report: Report, console: Console) -> None:
        """Write ``report`` to ``console`` (whose file may be stdout or a buffer)."""


def unknown_counts(r: HostResult) -> str:
    """'-' for the VM count, configured memory and ratio of a host that rests on
    observation without observed counts: the inventory lists only some of its VMs, so its
    own figures would understate them (render/table.py's obs legend); '' otherwise."""
    return "-" if r.observed_demand and not r.observed_counts else ""


def vms_cell(r: HostResult) -> str:
    """The VMs cell, running/registered: '-' for a figure the inventory cannot give on a
    host resting on observation (unknown_counts), or that the export does not count
    (``observed.vms`` or ``vms_total`` left out, e.g. a vHost ``# VMs`` of -3): the listed
    VMs, only some of the host's, would read as a count (``0/26``)."""
    if unknown_counts(r):
        return "-"
    o = r.host.observed
    if not r.observed_demand or o is None:
        return f"{r.vms_on}/{r.vms_total}"
    on = "-" if o.vms is None else str(r.vms_on)
    total = "-" if o.vms_total is None else str(r.vms_total)
    return "-" if on == total == "-" else f"{on}/{total}"


def unknown_configured(r: HostResult) -> str:
    """'-' for the configured memory and ratio of a host whose VMs are unknown
    (``unknown_counts``) or whose observation counts its VMs but gives no configured memory for
    the ones the inventory lacks (HostResult.configured_unknown); '' otherwise."""
    return "-" if r.configured_unknown else unknown_counts(r)


def counts(report: Report) -> dict[str, int]:
    """Findings by severity and subjects by kind, for summaries."""
    return {
        "fail": sum(f.severity is Severity.FAIL and not f.suppressed for f in report.findings),
        "warn": sum(f.severity is Severity.WARN and not f.suppressed for f in report.findings),
        "suppressed": sum(bool(f.suppressed) for f in report.findings),
        "clusters": len(report.clusters),
        "hosts": len(report.hosts),
        "vms": len(report.vms),
        "vms_on": sum(r.vm.powered_on for r in report.vms),
    }


def arrivals_of(f: Forecast, cluster: str | None, host: str | None = None) -> Arrivals | None:
    """The arrivals of a cluster (or, with ``cluster`` None, of a standalone host)."""
    return next((a for a in f.arrivals if (a.cluster, a.host) == (cluster, host)), None)


def arrived_text(a: Arrivals | None, count: int) -> str:
    """ "+17 VMs of 10.0 GiB" (empty when nothing arrived)."""
    if a is None or not count:
        return ""
    return f"+{count} VM{'s' if count != 1 else ''} of {a.shape.memory / GIB:.1f} GiB"


def _full_line(f: Forecast) -> list[str]:
    """What in-VM growth cannot move: VMs (and observed usage) already at their size."""
    full, vms, hosts = f.in_vm_full
    usage = f"the observed usage of {plural(hosts, 'host')}"
    if full:
        what = f"{full} of {plural(vms, 'growing VM')} already hold their whole size"
        what += f", as does {usage}" if hosts else ""
    elif hosts:
        what = f"{usage} already holds its whole size"
    else:
        return []
    them = "them" if full else "it"
    return [f"  {what}: in-VM growth cannot move {them} (the default --growth-scope demand"
            " brings new VMs instead)"]  # fmt: skip


def growth_lines(f: Forecast) -> list[str]:
    """Which growth ran and, for demand growth, what each pool's new VMs look like."""
    if f.growth_scope == "vm":
        return ["growth: inside VMs only, each up to its configured size or limit (in-VM)",
                *_full_line(f)]  # fmt: skip
    if f.growth_scope == "history":
        lines = ["growth: learnt from dated snapshots (--history): organic per host, arrivals"
                 " as new VMs shaped like the median VM (docs/trend.md)"]  # fmt: skip
    elif f.growth_scope == "demand":
        lines = [
            "growth: demand (what VMs cannot hold arrives as new VMs shaped like the median VM)"
        ]
        if f.in_vm:
            lines.append(
                f"  and inside {plural(f.in_vm, 'VM')} with a growth: of"
                f" {'its' if f.in_vm == 1 else 'their'} own (in-VM, up to configured size or limit)"
            )
    else:
        return []
    lines += [f"  {a.pool}: {new_vms_text(a, f.until.isoformat()[:7])}" for a in f.arrivals]
    return lines


def new_vms_text(a: Arrivals, by: str) -> str:
    """One pool's new VMs and how many arrive by ``by``, in the words check, project,
    headroom and trend all print: "new VMs of 24.0 GiB, 2 vCPUs, each consuming 12.7 GiB,
    3.2 GiB of it active; +11 by 2028-11" (consuming: what a VM holds in host memory, at
    most its configured size or limit)."""
    s = a.shape
    held = min(s.consumed, s.entitled_memory)
    return (
        f"new VMs of {s.memory / GIB:.1f} GiB, {plural(s.vcpus, 'vCPU')}, each consuming"
        f" {held / GIB:.1f} GiB, {s.active / GIB:.1f} GiB of it active; +{a.counts[-1]} by {by}"
        + (f" ({a.left_out} fit no host)" if a.left_out else "")
    )


def arrivals_dict(a: Arrivals) -> dict[str, Any]:
    """One pool's arrivals in JSON: the shape every new VM copies and the running count."""
    s = a.shape
    return {
        "cluster": a.cluster, "host": a.host,
        "shape": {"memory_bytes": s.memory, "vcpus": s.vcpus, "consumed_bytes": s.consumed,
                  "active_bytes": s.active, "overhead_bytes": s.overhead},
        "new_vms": list(a.counts), "left_out": a.left_out,
    }  # fmt: skip


def ha_setup(r: HAResult) -> str:
    """How HA is set up, in one line: basis, policy, admission control, who places restarts
    (docs/ha.md)."""
    basis = {"assumed": "HA assumed (no ha: given):", "asked": "HA (asked on the command line):"}
    admission = "on" if r.admission_control else "off"
    placer = "DRS, by demand" if r.placement == "drs" else "HA, spread evenly (DRS off or manual)"
    return (
        f"{basis.get(r.basis, 'HA')} {r.policy} policy, {plural(r.failures, 'host failure')}"
        f" · admission control {admission} · restarts: {placer}"
    )


def ha_lines(f: Forecast) -> list[str]:
    """When each cluster's worst host failure (HA) first leaves a survivor ballooning
    (warn) and first fails, with the new VMs by then; nothing for clusters without dates."""
    lines = []
    for c in f.clusters:
        if c.ha_warn_at is None and c.ha_fail_at is None:
            continue
        a = arrivals_of(f, c.cluster)
        parts = []
        for what, at, count in (("warns", c.ha_warn_at, c.arrived_by_ha_warn),
                                ("fails", c.ha_fail_at, c.arrived_by_ha_fail)):  # fmt: skip
            if at is None:
                parts.append(f"{what} not within horizon")
                continue
            extra = arrived_text(a, count)
            parts.append(f"{what} from {at.isoformat()}" + (f" ({extra} by then)" if extra else ""))
        lines.append(f"{c.cluster}: HA, worst host failure, " + ", ".join(parts))
    return lines


def forecast_clusters(f: Forecast) -> list[dict[str, Any]]:
    """Per cluster, the forecast's HA dates and the new VMs by each date, for JSON."""
    return [
        {"name": c.cluster,
         "ha_warn_at": c.ha_warn_at.isoformat() if c.ha_warn_at else None,
         "ha_fail_at": c.ha_fail_at.isoformat() if c.ha_fail_at else None,
         "new_vms_by_balloon": c.arrived_by_balloon, "new_vms_by_swap": c.arrived_by_swap,
         "new_vms_by_ha_warn": c.arrived_by_ha_warn, "new_vms_by_ha_fail": c.arrived_by_ha_fail}
        for c in f.clusters
    ]  # fmt: skip
