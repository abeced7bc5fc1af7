"""Rich tables for people: one table per cluster, the findings, a one-line verdict."""

from __future__ import annotations

from datetime import date

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from memplan.model import Finding, HAResult, HostResult, Input, MemState, Report
from memplan.render.base import SEVERITY_STYLE, STATE_STYLE, Renderer, counts
from memplan.render.notes import grouped
from memplan.units import GIB, format_size, plural

BAR_WIDTH = 10


def _g(n: int) -> str:
    """Bytes as GiB with one decimal, the unit of every table column."""
    return f"{n / GIB:.1f}"


def bar(r: HostResult, width: int = BAR_WIDTH) -> Text:
    """Demand against capacity; the cell holding the top of the soft band shows a '|'.

    ``#`` cells are demand, ``.`` cells free memory; a trailing ``>`` means demand is above
    capacity. The marker sits where free memory would reach the ballooning threshold.
    """
    edge = _soft_edge(r)
    used = min(width, round(width * r.demand / r.capacity)) if r.capacity > 0 else width
    mark = min(width - 1, max(0, int(width * (r.capacity - edge) / r.capacity)))
    cells = ["#" if i < used else "." for i in range(width)]
    if cells[mark] == ".":
        cells[mark] = "|"
    text = Text("".join(cells), style=STATE_STYLE[r.state])
    if r.demand > r.capacity:
        text.append(">", style="bold red")
    return text


def _soft_edge(r: HostResult) -> int:
    """Free memory at the top of the soft band: the lower edge of the band above it."""
    above: int | None = 0
    for state, lower in r.bands:
        if state is MemState.SOFT:
            return above or 0
        above = lower
    return 0


def _reclaim(r: HostResult) -> str:
    """Expected reclamation in GiB, e.g. "balloon 7.2" or "balloon 3.1 swap 12.0"."""
    parts = []
    if r.balloon:
        parts.append(f"balloon {_g(r.balloon)}")
    if r.swap:
        parts.append(f"swap {_g(r.swap)}")
    return " ".join(parts) or "-"


def _host_table(title: str, hosts: list[HostResult], full: bool) -> Table:
    t = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    columns: list[tuple[str, str, bool]] = [
        ("Host", "left", True), ("Mem", "right", True), ("VMs", "right", True),
        ("Config", "right", True), ("Ovh", "right", full), ("Resv", "right", full),
        ("Active", "right", full), ("Free", "right", True), ("Ratio", "right", True),
        ("State", "left", True), ("Reclaim", "left", True), ("Verdict", "left", True),
        ("Demand", "left", full),
    ]  # fmt: skip
    for name, justify, shown in columns:
        if shown:
            t.add_column(
                name,
                justify=justify,  # type: ignore[arg-type]
                no_wrap=True,
            )
    for r in hosts:
        cells: list[str | Text] = [
            _host_cell(r),
            _g(r.host.memory),
            f"{r.vms_on}/{r.vms_total}",
            _g(r.configured),
            _g(r.overhead),
            _g(r.reserved),
            _g(r.active),
            _g(r.free),
            f"{r.overcommit_ratio:.2f}",
            Text(r.state.value, style=STATE_STYLE[r.state]),
            _reclaim(r),
            Text(r.verdict.value, style=SEVERITY_STYLE[r.verdict]),
            bar(r),
        ]
        t.add_row(*(c for c, (_, _, shown) in zip(cells, columns, strict=True) if shown))
    return t


def _host_cell(r: HostResult) -> str | Text:
    """The host's name, marked ``maint`` when it is in maintenance (no capacity)."""
    if not r.host.maintenance:
        return r.host.name
    return Text.assemble(r.host.name, (" maint", "bold yellow"))


def _fitting_table(console: Console, title: str, hosts: list[HostResult]) -> Table:
    """The full host table when it fits the console, else the compact one (no Ovh, Resv,
    Active or bar), so that narrow terminals never get truncated numbers."""
    full = _host_table(title, hosts, True)
    natural = Measurement.get(console, console.options.update_width(1 << 16), full).maximum
    if natural <= console.width:
        return full
    return _host_table(title, hosts, False)


def _ha_line(r: HAResult) -> Text:
    """One paragraph: policy, scenario, what happened, verdict."""
    if r.method == "none":
        scenario = "no failure simulated"
    else:
        how = {"given": "given", "exhaustive": f"worst of {r.scenarios} tried",
               "largest": "largest hosts"}[r.method]  # fmt: skip
        scenario = f"failing {', '.join(r.failed_hosts)} ({how})"
    text = Text(f"  HA {r.policy} ({r.failures}): {scenario}: ")
    text.append(
        f"{len(r.restarted)} restart, {len(r.unrestartable)} cannot, survivors"
        f" {r.state_after.value}, ratio {r.overcommit_ratio_after:.2f} · "
    )
    text.append(r.verdict.value, style=SEVERITY_STYLE[r.verdict])
    if r.slots is not None:
        s = r.slots
        text.append(
            f"\n  slots: slot {format_size(s.slot)}, per host"
            f" {', '.join(str(n) for _, n in s.slots_per_host)}, {s.vms_on} VMs on:"
            f" failover capacity {s.failover_capacity} host(s)"
        )
    if r.percentage is not None:
        p = r.percentage
        text.append(f"\n  percentage: {p.failover:.0%} unreserved, {p.required:.0%} required")
    return text


def _value(i: Input) -> str:
    if i.kind == "bytes" and isinstance(i.value, int):
        return f"{format_size(i.value, digits=2)} ({i.value} B)"
    if i.kind == "ratio" and isinstance(i.value, float):
        return f"{i.value:.4f}"
    return str(i.value)


def _explain(f: Finding) -> Text:
    e = f.explanation
    lines = [f"    formula: {e.formula}"]
    lines += [f"      {i.name} = {_value(i)}" for i in e.inputs]
    lines += [f"    source: {s}" for s in e.sources]
    lines.append(f"    at {f.location.file}:{f.location.line}:{f.location.column}")
    return Text("\n".join(lines), style="dim")


class TableRenderer(Renderer):
    """``--format table``: what people read in a terminal."""

    def __init__(
        self,
        explain: bool = False,
        vms: bool = False,
        host: str | None = None,
        verbose: bool = False,
    ) -> None:
        self.explain = explain
        self.vms = vms
        self.host = host
        self.verbose = verbose

    def render(self, report: Report, console: Console) -> None:
        """Print the host tables, the placements, the findings and the verdict line."""
        console.print(
            f"memplan check {report.source} · sizes in GiB (2^30 bytes)"
            f" · state reading {report.policy.reading}",
            highlight=False,
        )
        if report.whatifs:
            console.print(
                Text("what-if: " + " ".join(str(w) for w in report.whatifs), style="bold")
            )
        if report.forecast is not None:
            f = report.forecast
            console.print(
                f"as of {f.as_of.isoformat()} · projected {plural(f.horizon_months, 'month')}"
                f" to {f.until.isoformat()}",
                highlight=False,
            )
        for c in report.clusters:
            members = [h for h in report.hosts if h.host.cluster == c.name]
            away = sum(1 for h in members if h.host.maintenance)
            title = (
                f"cluster {c.name} · {len(members)} hosts"
                + (f" ({away} in maintenance, no capacity)" if away else "")
                + f" · ratio {c.overcommit_ratio:.2f}"
                f" · worst state {c.state.value} · {c.verdict.value}"
            )
            console.print(_fitting_table(console, title, members))
            if c.ha is not None:
                console.print(_ha_line(c.ha))
        standalone = [h for h in report.hosts if h.host.cluster is None]
        if standalone:
            console.print(_fitting_table(console, "standalone hosts", standalone))
        self._forecast(report, console)
        self._notes(report, console)
        self._vm_details(report, console)
        self._findings(report, console)
        n = counts(report)
        verdict = Text(report.verdict.value.upper(), style=SEVERITY_STYLE[report.verdict])
        line = Text("verdict: ")
        line.append(verdict)
        line.append(
            f" · {n['fail']} fail, {n['warn']} warn · {plural(n['clusters'], 'cluster')},"
            f" {plural(n['hosts'], 'host')}, {plural(n['vms'], 'VM')} ({n['vms_on']} on)"
        )
        console.print(line)

    def _vm_details(self, report: Report, console: Console) -> None:
        """Per-VM reclamation on contended hosts (--vms), or on one host (--host)."""
        if not self.vms and self.host is None:
            return
        for h in report.hosts:
            if (self.host is not None and h.host.name != self.host) or (
                self.host is None and not h.need
            ):
                continue
            t = Table(
                title=f"reclamation on {h.host.name} · {h.state.value} · need {_g(h.need)} GiB",
                title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
            )  # fmt: skip
            for name in ("VM", "Shares", "Held", "Active", "Resv", "Keeps", "Balloon", "Compr",
                         "Swap", "Active hit"):  # fmt: skip
                t.add_column(name, justify="left" if name == "VM" else "right", no_wrap=True)
            rows = [r for r in report.vms if r.host == h.host.name and r.vm.powered_on]
            rows.sort(key=lambda r: (-(r.balloon + r.swap), r.vm.name))
            for r in rows:
                held = min(r.vm.consumed, r.vm.entitled_memory)
                t.add_row(
                    r.vm.name, f"{r.vm.shares} {r.vm.shares_level}", _g(held),
                    _g(min(r.vm.active, held)), _g(r.vm.reservation), _g(r.entitlement),
                    _g(r.balloon), _g(r.compressed), _g(r.swapped),
                    Text(_g(r.active_hit), style="bold red" if r.active_hit else ""),
                )  # fmt: skip
            console.print(t)

    def _forecast(self, report: Report, console: Console) -> None:
        """When each host first balloons and swaps, or that it does not within the horizon."""
        f = report.forecast
        if f is None:
            return
        t = Table(
            title=f"forecast to {f.until.isoformat()} (month resolution)", title_justify="left",
            box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
        )  # fmt: skip
        for name in ("Cluster", "Host", "Balloons from", "Swaps from"):
            t.add_column(name, no_wrap=True)
        never = "not within horizon"
        for c in f.clusters:
            t.add_row(
                Text(c.cluster, style="bold"), "(first host)",
                _when(c.balloon_at, never), _when(c.swap_at, never),
            )  # fmt: skip
            for h in f.hosts:
                if h.cluster == c.cluster and (h.balloon_at or h.swap_at):
                    t.add_row("", h.host, _when(h.balloon_at, never), _when(h.swap_at, never))
        for h in f.hosts:
            if h.cluster is None and (h.balloon_at or h.swap_at):
                t.add_row("standalone", h.host, _when(h.balloon_at, never), _when(h.swap_at, never))
        console.print(t)
        for line in grouped(f.notes, verbose=self.verbose):
            console.print(Text(line, style="dim"))

    def _notes(self, report: Report, console: Console) -> None:
        """What the evaluation decided or assumed, grouped by kind (all with --verbose)."""
        for line in grouped(report.notes, verbose=self.verbose):
            console.print(Text(line, style="dim"))

    def _findings(self, report: Report, console: Console) -> None:
        if not report.findings:
            return
        if self.explain:
            console.print("findings")
            for f in report.findings:
                head = Text(f"{f.severity.value:<4} ", style=SEVERITY_STYLE[f.severity])
                head.append(f"{f.rule} {f.name} · {f.kind} {f.subject}")
                console.print(head)
                console.print(
                    Text(f"    {f.message}" + (f" [{f.suppressed}]" if f.suppressed else ""))
                )
                console.print(_explain(f))
            return
        t = Table(box=box.SIMPLE_HEAD, pad_edge=False, title="findings", title_justify="left")
        t.add_column("Sev", no_wrap=True)
        t.add_column("Rule", no_wrap=True)
        t.add_column("Subject", no_wrap=True)
        t.add_column("Message")
        for f in report.findings:
            message = Text(f.message)
            if f.suppressed:
                message.append(f" [{f.suppressed}]", style="dim")
            t.add_row(
                Text(f.severity.value, style="dim" if f.suppressed else SEVERITY_STYLE[f.severity]),
                f"{f.rule} {f.name}",
                f"{f.kind} {f.subject}",
                message,
            )
        console.print(t)
        console.print(
            Text("(--explain shows each finding's formula, inputs and sources)", style="dim")
        )


def _when(d: date | None, never: str) -> Text:
    if d is None:
        return Text(never, style="dim")
    return Text(d.isoformat(), style="yellow")
