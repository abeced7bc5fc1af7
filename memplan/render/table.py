"""Rich tables for people: one table per cluster, the findings, a one-line verdict."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from memplan.model import (
    Finding,
    HAResult,
    HostResult,
    Input,
    MemState,
    Note,
    Report,
    Severity,
    VMResult,
)
from memplan.render.base import (
    SEVERITY_STYLE,
    STATE_STYLE,
    Renderer,
    arrivals_of,
    arrived_text,
    counts,
    growth_lines,
    ha_lines,
    ha_setup,
    unknown_configured,
    vms_cell,
    where,
)
from memplan.render.layout import (
    Cell,
    Column,
    Fit,
    fit,
    flow,
    grid,
    hanging,
    hidden_line,
    put,
    table_width,
    text_words,
    words,
)
from memplan.render.notes import put_notes
from memplan.units import GIB, format_size, plural

if TYPE_CHECKING:
    from collections.abc import Sequence

    from memplan.model.forecast import Arrivals

BAR_WIDTH = 10
HA_LEGEND = (
    "Verdict is today's; HA is the worst failover finding about the host or its VMs in its"
    " cluster's worst host failure (docs/ha.md)"
)


def obs_legend(hosts: list[HostResult]) -> str | None:
    """The line that explains the ``obs`` mark and the '-' cells of such hosts, saying only
    what applies to ``hosts``; None when none rests on observation."""
    obs = [h for h in hosts if h.observed_demand]
    if not obs:
        return None
    parts = [
        "obs: demand is vCenter's observed usage less system reserved (the export gives"
        " no consumed figure for some or all of its running VMs)"
    ]
    if any(h.observed_counts and not h.configured_unknown for h in obs):
        parts.append(
            "VMs, Config and Ratio are the export's counts (vHost # VMs, # VMs total, vRAM)"
        )
    if not all(h.observed_counts for h in obs):
        parts.append(
            "VMs, Config, Ratio '-': the export does not count the VMs the inventory lacks"
        )
    if any(h.configured_unknown for h in obs):
        parts.append(
            "VMs beside Config, Ratio '-' are the export's counts (vHost # VMs, # VMs total);"
            " it gives no usable vRAM for the VMs the inventory lacks"
        )
    if any(h.observed_counts and "-" in vms_cell(h) for h in obs):  # a count left out
        parts.append("a VM count '-' was left out of the export's (the import: lines say why)")
    if any(h.active_assumed for h in obs):
        parts.append(
            "Active '-': the export gives no active figure; memplan takes the demand as fully"
            " active (worst case)"
        )
    return "; ".join(parts) + " (docs/model.md)"


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


def _reclaim(r: HostResult) -> tuple[str, ...]:
    """Expected reclamation in GiB, e.g. ("balloon 7.2",) or ("balloon 3.1", "swap 12.0"):
    units that may wrap onto two lines, never inside one."""
    parts = []
    if r.balloon:
        parts.append(f"balloon {_g(r.balloon)}")
    if r.swap:
        parts.append(f"swap {_g(r.swap)}")
    return tuple(parts) or ("-",)


def _host_cell(r: HostResult) -> Cell:
    """The host's name, marked ``obs`` when its demand is vCenter's observed usage (some or
    all of its running VMs give no consumed figure) and ``maint`` when it is in maintenance
    mode or not connected (Host.maintenance: no capacity)."""
    if not r.observed_demand and not r.host.maintenance:
        return r.host.name
    text = Text(r.host.name)  # one unit: a mark never wraps away from its host
    if r.observed_demand:
        text.append(" obs", style="cyan")
    if r.host.maintenance:
        text.append(" maint", style="bold yellow")
    return text


def host_columns(ha: bool = False) -> list[Column[HostResult]]:
    """The host table's columns, in order: the one place a column is added. ``ha`` adds
    the HA column (some cluster simulates a failure), which always shows, as Verdict does.

    ``hide`` says which go first when the terminal is narrow (the highest first): the bar,
    then the figures that explain the others (overhead, reservations, active, configured,
    installed), then the VM count and the ratio. Host, free memory, state, reclamation and
    verdict always show (docs/output.md).
    """
    return [
        Column("Host", _host_cell),
        Column("Mem", lambda r: _g(r.host.memory), "right", hide=4),
        Column("VMs", vms_cell, "right", hide=3),
        Column("Config", lambda r: unknown_configured(r) or _g(r.configured), "right", hide=5),
        Column("Ovh", lambda r: _g(r.overhead), "right", hide=8),
        Column("Resv", lambda r: _g(r.reserved), "right", hide=7),
        Column("Active", lambda r: "-" if r.active_assumed else _g(r.active), "right", hide=6),
        Column("Free", lambda r: _g(r.free), "right"),
        Column(
            "Ratio",
            lambda r: unknown_configured(r) or f"{r.overcommit_ratio:.2f}",
            "right",
            hide=2,
        ),
        Column("State", lambda r: Text(r.state.value, style=STATE_STYLE[r.state])),
        Column("Reclaim", _reclaim),
        Column("Verdict", lambda r: Text(r.verdict.value, style=SEVERITY_STYLE[r.verdict])),
        *([Column("HA", _ha_cell)] if ha else []),
        Column("Demand", bar, hide=9),
    ]


def _ha_cell(r: HostResult) -> Cell:
    """The worst failover finding about the host or its VMs, '-' when none."""
    if r.ha_verdict is None or r.ha_verdict is Severity.OK:
        return "-"
    return Text(r.ha_verdict.value, style=SEVERITY_STYLE[r.ha_verdict])


def _ha_lines(r: HAResult, console: Console, width: int) -> list[Text]:
    """How HA is set up (basis, policy, admission control, who places restarts), then the
    worst scenario and its verdict; slot or percentage math below. HA disabled: one line."""
    if r.method == "none":
        what = "HA disabled" if r.policy == "disabled" else f"HA {r.policy} (0 failures)"
        line = Text(
            f"{what}: no failure simulated (--ha-failures N or --fail-host HOST simulates one)"
        )
        return [hanging(console, line, width, "  ", "    ")]
    how = {"given": "given", "exhaustive": f"worst of {r.scenarios} tried",
           "largest": "the largest hosts"}[r.method]  # fmt: skip
    setup = Text(ha_setup(r))
    if not r.survivors:  # more failures than hosts asked (a note says so): all of them fail
        text = Text(
            f"failing all {len(r.failed_hosts)} hosts: no host survives,"
            f" {plural(len(r.unrestartable), 'running VM')} cannot restart · "
        )
    else:
        text = Text(
            f"failing {', '.join(r.failed_hosts)} ({how}): {len(r.restarted)} restart,"
            f" {len(r.unrestartable)} cannot, survivors {r.state_after.value},"
            f" ratio {r.overcommit_ratio_after:.2f} · "
        )
    text.append(r.verdict.value, style=SEVERITY_STYLE[r.verdict])
    extra: list[str] = []
    if r.slots is not None:
        s = r.slots
        extra.append(
            f"slots: slot {format_size(s.slot)}, per host"
            f" {', '.join(str(n) for _, n in s.slots_per_host)}, {s.vms_on} VMs on:"
            f" failover capacity {s.failover_capacity} host(s)"
        )
    if r.percentage is not None:
        p = r.percentage
        extra.append(f"percentage: {p.failover:.0%} unreserved, {p.required:.0%} required")
    return [hanging(console, t, width, "  ", "    ") for t in (setup, text, *map(Text, extra))]


def _value(i: Input) -> str:
    if i.kind == "bytes" and isinstance(i.value, int):
        return f"{format_size(i.value, digits=2)} ({i.value} B)"
    if i.kind == "ratio" and isinstance(i.value, float):
        return f"{i.value:.4f}"
    return str(i.value)


def _explain(f: Finding, console: Console, width: int) -> Text:
    """Formula, inputs, sources and place of a finding, each wrapped under its indent."""
    e = f.explanation
    lines = [("    ", f"formula: {e.formula}")]
    lines += [("      ", f"{i.name} = {_value(i)}") for i in e.inputs]
    lines += [("    ", f"source: {s}") for s in e.sources]
    lines.append(("    ", f"at {where(f.location.file, f.location.line, f.location.column)}"))
    return Text("\n").join(
        hanging(console, Text(text, style="dim"), width, indent, indent + "  ")
        for indent, text in lines
    )


def about_host(report: Report, host: str) -> Report:
    """``report`` as ``check --host HOST`` shows it: the host's cluster (with every host,
    for the cluster's title), and only the VMs on the host, the findings about the host,
    its VMs and its cluster, and the notes and forecast lines that name them."""
    h = next(h for h in report.hosts if h.host.name == host)
    cluster = h.host.cluster
    vms = tuple(r for r in report.vms if r.host == host)
    names = {r.vm.name for r in vms}

    def about(f: Finding) -> bool:
        return (
            (f.kind == "host" and f.subject == host)
            or (f.kind == "vm" and f.subject in names)
            or (f.kind == "cluster" and f.subject == cluster)
        )

    words = re.compile(
        "(?<![\\w.-])(?:"
        + "|".join(map(re.escape, sorted({host, *names}, key=len, reverse=True)))
        + ")(?![\\w-]|\\.\\w)"
    )  # a name, not part of a longer one ("esx1" is not in "esx10" nor in "esx1.lab")

    def named(notes: tuple[Note, ...]) -> tuple[Note, ...]:
        return tuple(n for n in notes if words.search(n.text))

    f = report.forecast
    if f is not None:
        f = replace(
            f,
            hosts=tuple(x for x in f.hosts if x.host == host),
            clusters=tuple(c for c in f.clusters if c.cluster == cluster),
            arrivals=tuple(a for a in f.arrivals if (a.cluster, a.host) in ((cluster, None),
                                                                           (None, host))),
            notes=named(f.notes),
        )  # fmt: skip
    return replace(
        report,
        clusters=tuple(c for c in report.clusters if c.name == cluster),
        vms=vms,
        findings=tuple(x for x in report.findings if about(x)),
        notes=named(report.notes),
        forecast=f,
    )


def _host_summary(whole: Report, about: Report, host: str) -> Text:
    """The line under ``check --host``'s findings: what it counted, what it left out, and
    that the verdict and exit code stay the whole inventory's (docs/output.md)."""
    n = counts(about)
    where = f"cluster {about.clusters[0].name}" if about.clusters else "standalone"
    parts = [f"{host}: {n['fail']} fail, {n['warn']} warn (the host, its"
             f" {plural(len(about.vms), 'VM')}, {where})"]  # fmt: skip
    findings = len(whole.findings) - len(about.findings)
    notes = len(whole.notes) > len(about.notes) or (
        whole.forecast is not None and about.forecast is not None
        and len(whole.forecast.notes) > len(about.forecast.notes)
    )  # fmt: skip
    rest = [plural(findings, "finding")] if findings else []
    rest += ["the notes"] if notes else []
    if rest:
        parts.append(f"not shown: {' and '.join(rest)} about the rest")
    parts.append("verdict and exit code: the whole inventory's")
    return Text(" · ".join(parts), style="dim")


class TableRenderer(Renderer):
    """``--format table``: what people read in a terminal, at any width from 80 columns up
    (docs/output.md)."""

    def __init__(
        self,
        explain: bool = False,
        vms: bool = False,
        host: str | None = None,
        verbose: bool = False,
        wide: bool = False,
        quiet: bool = False,
    ) -> None:
        self.explain = explain
        self.vms = vms
        self.host = host
        self.verbose = verbose
        self.wide = wide
        self.quiet = quiet

    def render(self, report: Report, console: Console) -> None:
        """Print the host tables, the placements, the findings and the verdict line (only
        the verdict line when quiet)."""
        whole = report
        if self.host is not None:
            report = about_host(report, self.host)
        if not self.quiet:
            self._body(report, console)
            if self.host is not None:
                summary = _host_summary(whole, report, self.host)
                put(console, hanging(console, summary, console.width, "", "  "))
        n = counts(whole)
        line = Text("verdict: ")
        line.append(report.verdict.value.upper(), style=SEVERITY_STYLE[report.verdict])
        put(
            console,
            flow(
                [
                    line,
                    f"{n['fail']} fail, {n['warn']} warn",
                    f"{plural(n['clusters'], 'cluster')}, {plural(n['hosts'], 'host')},"
                    f" {plural(n['vms'], 'VM')} ({n['vms_on']} on)",
                ],
                console.width,
            ),
        )

    def _body(self, report: Report, console: Console) -> None:
        width = console.width
        put(
            console,
            flow(
                [
                    f"memplan check {report.source}",
                    "sizes in GiB (2^30 bytes)",
                    f"state reading {report.policy.reading}",
                ],
                width,
            ),
        )
        if report.whatifs:
            whatif = Text(" ".join(str(w) for w in report.whatifs), style="bold")
            put(console, hanging(console, whatif, width, "what-if: ", "  "))
        if report.forecast is not None:
            f = report.forecast
            when = [f"as of {f.as_of.isoformat()}"]
            if report.collected is not None and report.collected < f.as_of:
                # the tables are the inventory's figures, of the day it was collected
                when = [f"state as of {report.collected.isoformat()} (collected:)",
                        f"forecast from {f.as_of.isoformat()}"]  # fmt: skip
            until = f"projected {plural(f.horizon_months, 'month')} to {f.until.isoformat()}"
            put(console, flow([*when, until], width))
        self._hosts(report, console)
        self._forecast(report, console)
        self._notes(report, console)
        self._vm_details(report, console)
        self._findings(report, console)

    def _hosts(self, report: Report, console: Console) -> None:
        """One table per cluster, then the standalone hosts; every table shows the same
        columns, and one line says which are hidden."""
        width = console.width
        if not report.hosts:  # no table: nothing hides either
            put(console, "no hosts: the inventory lists none")
            put(console)
            return
        simulated = [c for c in report.clusters if c.ha is not None and c.ha.method != "none"]
        columns = host_columns(ha=bool(simulated))
        shown = [h for h in report.hosts if self.host in (None, h.host.name)]  # --host: one
        layout, cells = fit(columns, shown, width, self.wide)
        rows = dict(zip((h.host.name for h in shown), cells, strict=True))
        out = max(width, table_width(layout.widths)) if self.wide else None
        legend = obs_legend(shown)  # once, under the first table with an obs host
        hosts_of: dict[str | None, list[HostResult]] = {}  # one pass, not one per cluster
        for h in report.hosts:
            hosts_of.setdefault(h.host.cluster, []).append(h)
        for c in report.clusters:
            members = hosts_of.get(c.name, [])
            away = sum(1 for h in members if h.host.maintenance)
            title: list[str | Text] = [
                f"cluster {c.name}",
                plural(len(members), "host")
                + (f" ({away} in maintenance or not connected, no capacity)" if away else ""),
                f"ratio {c.overcommit_ratio:.2f}",
                f"worst state {c.state.value}",
                Text(c.verdict.value, style=SEVERITY_STYLE[c.verdict]),
            ]
            members = [h for h in members if h.host.name in rows]
            put(console, flow(title, width))
            put(console, grid(columns, layout, [rows[h.host.name] for h in members]), out)
            if c.ha is not None:
                for line in _ha_lines(c.ha, console, width):
                    put(console, line)
            if legend is not None and any(h.observed_demand for h in members):
                put(console, hanging(console, Text(legend, style="dim"), width, "", "  "))
                legend = None
            put(console)
        if simulated:
            put(console, hanging(console, Text(HA_LEGEND, style="dim"), width, "", "  "))
            put(console)
        standalone = [h for h in shown if h.host.cluster is None]
        if standalone:
            put(console, "standalone hosts")
            put(console, grid(columns, layout, [rows[h.host.name] for h in standalone]), out)
            if legend is not None and any(h.observed_demand for h in standalone):
                put(console, hanging(console, Text(legend, style="dim"), width, "", "  "))
            put(console)
        hidden = hidden_line([layout], width)
        if hidden is not None:
            put(console, hanging(console, hidden, width, "", "  "))

    def _vm_details(self, report: Report, console: Console) -> None:
        """Per-VM reclamation on contended hosts (--vms), or on one host (--host)."""
        if not self.vms and self.host is None:
            return
        width = console.width
        columns = vm_columns()
        fits: list[Fit] = []
        for h in report.hosts:
            if (self.host is not None and h.host.name != self.host) or (
                self.host is None and not h.need
            ):
                continue
            rows = [r for r in report.vms if r.host == h.host.name and r.vm.powered_on]
            rows.sort(key=lambda r: (-(r.balloon + r.swap), r.vm.name))
            layout, cells = fit(columns, rows, width, self.wide)
            fits.append(layout)
            put(
                console,
                flow([f"reclamation on {h.host.name}", h.state.value, f"need {_g(h.need)} GiB"],
                     width),
            )  # fmt: skip
            out = max(width, table_width(layout.widths)) if self.wide else None
            put(console, grid(columns, layout, cells), out)
            put(console)
        hidden = hidden_line(fits, width)
        if hidden is not None:
            put(console, hanging(console, hidden, width, "", "  "))

    def _forecast(self, report: Report, console: Console) -> None:
        """When each host first balloons and swaps, or that it does not within the horizon."""
        f = report.forecast
        if f is None:
            return
        never = "not within horizon"

        def when(at: date | None, a: Arrivals | None, count: int) -> Text:
            text = _when(at, never)
            if at is not None and count:
                text.append(f" ({arrived_text(a, count)})")
            return text

        rows: list[tuple[Cell, Cell, Cell, Cell]] = []
        for c in f.clusters:
            a = arrivals_of(f, c.cluster)
            rows.append(
                (Text(c.cluster, style="bold"), "(first host)",
                 when(c.balloon_at, a, c.arrived_by_balloon), when(c.swap_at, a, c.arrived_by_swap))
            )  # fmt: skip
            rows += [
                ("", h.host, when(h.balloon_at, a, h.arrived_by_balloon),
                 when(h.swap_at, a, h.arrived_by_swap))
                for h in f.hosts
                if h.cluster == c.cluster and (h.balloon_at or h.swap_at)
            ]  # fmt: skip
        for h in f.hosts:
            if h.cluster is None and (h.balloon_at or h.swap_at):
                a = arrivals_of(f, None, h.host)
                rows.append(
                    ("standalone", h.host, when(h.balloon_at, a, h.arrived_by_balloon),
                     when(h.swap_at, a, h.arrived_by_swap))
                )  # fmt: skip
        columns: list[Column[tuple[Cell, Cell, Cell, Cell]]] = [
            Column("Cluster", lambda r: r[0]), Column("Host", lambda r: r[1]),
            Column("Balloons from", lambda r: r[2]), Column("Swaps from", lambda r: r[3]),
        ]  # fmt: skip
        layout, cells = fit(columns, rows, console.width)
        put(console, f"forecast to {f.until.isoformat()} ({f.resolution} resolution)")
        put(console, grid(columns, layout, cells))
        width = console.width
        for line in ha_lines(f):
            put(console, hanging(console, Text(line), width, "", "  "))
        for line in growth_lines(f):  # a cluster's line sits at 2 under "growth:", wraps at 4
            indent = " " * (len(line) - len(line.lstrip()))
            put(console, hanging(console, Text(line.lstrip()), width, indent, indent + "  "))
        put(console)
        put_notes(console, f.notes, self.verbose)

    def _notes(self, report: Report, console: Console) -> None:
        """What the evaluation decided or assumed, grouped by kind (all with --verbose)."""
        put_notes(console, report.notes, self.verbose)
        if report.notes:
            put(console)

    def _findings(self, report: Report, console: Console) -> None:
        """A table when the message column gets at least MESSAGE_MIN columns; otherwise a
        block per finding, its message wrapped at the full width (and with --explain).

        A rule with more than GROUP_OVER findings shows a heading with its count and its
        first GROUP_SHOWN, worst first, unless --verbose or --explain (``group_findings``)."""
        if not report.findings:
            return
        width = console.width
        columns = finding_columns()
        parts = group_findings(report.findings, self.verbose or self.explain)
        shown = [f for part in parts if not isinstance(part, str) for f in part]
        layout, cells = fit(columns, shown, width)
        room = layout.widths[-1] if len(layout.shown) == len(columns) else 0
        put(console, "findings")
        if self.explain or room < MESSAGE_MIN:
            for part in parts:
                if isinstance(part, str):
                    put(console, hanging(console, Text(part, style="bold"), width, "", "  "))
                    continue
                for f in part:
                    head = Text(f.severity.value, style=_severity_style(f))
                    head.append(f" {f.rule} {f.name} · {f.kind} {f.subject}", style="bold")
                    put(console, hanging(console, head, width, "", "  "))
                    put(console, hanging(console, _message(f), width, "  ", "  "))
                    if self.explain:
                        put(console, _explain(f, console, width))
        elif len(parts) == 1:  # nothing grouped: the one table, as always
            put(console, grid(columns, layout, cells))
        else:
            put(console, grid(columns, layout, []))  # one table: its header on top,
            at = 0  # the headings across it
            for part in parts:
                if isinstance(part, str):
                    put(console, hanging(console, Text(part, style="bold"), width, "", "  "))
                    continue
                put(console, grid(columns, layout, cells[at : at + len(part)], header=False))
                at += len(part)
        put(console)
        if not self.explain:
            put(console, Text("(--explain shows each finding's formula, inputs and sources)",
                              style="dim"))  # fmt: skip


MESSAGE_MIN = 48
"""Narrowest message column of the findings table; below it findings print as blocks."""

GROUP_OVER = 10
"""A rule with more findings than this is grouped in the table: its count, then the first
GROUP_SHOWN. The realistic sample's rules have at most five, so its table lists all."""

GROUP_SHOWN = 5
"""Findings shown under a grouped rule's heading."""


def group_findings(findings: Sequence[Finding], every: bool = False) -> list[str | list[Finding]]:
    """The findings table's parts, in the report's order: runs of findings, and for a rule
    with more than GROUP_OVER findings, at its first, a heading line with the count
    followed by its first GROUP_SHOWN, worst first (fail before warn, counted before
    waived or in a baseline). ``every`` (--verbose, --explain): one run of them all.

    A 10,000-VM inventory's 847 findings, 742 of them one rule, printed 2,834 lines; as
    import notes are grouped (render/notes.py), the rule's heading counts them and -v
    lists them. The verdict line counts every finding either way, and the machine formats
    (JSON, SARIF, JUnit, CSV, markdown, HTML) always carry all."""
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    if every or all(len(group) <= GROUP_OVER for group in by_rule.values()):
        return [list(findings)]
    parts: list[str | list[Finding]] = []
    run: list[Finding] = []
    for f in findings:
        group = by_rule[f.rule]
        if len(group) <= GROUP_OVER:
            run.append(f)
            continue
        if group[0] is not f:  # said at the rule's first finding
            continue
        if run:
            parts.append(run)
            run = []
        worst = sorted(group, key=lambda g: (-g.severity.rank, g.suppressed is not None))
        parts.append(
            f"{len(group)} {f.rule} {f.name} findings; the first {GROUP_SHOWN} (-v lists all):"
        )
        parts.append(worst[:GROUP_SHOWN])
    if run:
        parts.append(run)
    return parts


def _severity_style(f: Finding) -> str:
    return "dim" if f.suppressed else SEVERITY_STYLE[f.severity]


def _message(f: Finding) -> Text:
    message = Text(f.message)
    if f.suppressed:
        message.append(f" [{f.suppressed}]", style="dim")
    return message


def _message_words(f: Finding) -> tuple[str | Text, ...]:
    """The message as units that wrap between words (plain words: cheap to lay out)."""
    if not f.suppressed:
        return words(f.message)
    return text_words(_message(f))


def finding_columns() -> list[Column[Finding]]:
    """The findings table: the message wraps between words."""
    return [
        Column("Sev", lambda f: Text(f.severity.value, style=_severity_style(f))),
        Column("Rule", lambda f: f"{f.rule} {f.name}"),
        Column("Subject", lambda f: f"{f.kind} {f.subject}"),
        Column("Message", _message_words),
    ]


def vm_columns() -> list[Column[VMResult]]:
    """The per-VM reclamation table (--vms, --host): what goes first when narrow."""

    def held(r: VMResult) -> int:
        return min(r.vm.consumed, r.vm.entitled_memory)

    return [
        Column("VM", lambda r: r.vm.name),
        Column("Shares", lambda r: f"{r.vm.shares} {r.vm.shares_level}", "right", hide=5),
        Column("Held", lambda r: _g(held(r)), "right", hide=2),
        Column("Active", lambda r: _g(min(r.vm.active, held(r))), "right", hide=3),
        Column("Resv", lambda r: _g(r.vm.reservation), "right", hide=4),
        Column("Keeps", lambda r: _g(r.entitlement), "right"),
        Column("Balloon", lambda r: _g(r.balloon), "right"),
        Column("Compr", lambda r: _g(r.compressed), "right", hide=1),
        Column("Swap", lambda r: _g(r.swapped), "right"),
        Column(
            "Active hit",
            lambda r: Text(_g(r.active_hit), style="bold red" if r.active_hit else ""),
            "right",
        ),
    ]


def _when(d: date | None, never: str) -> Text:
    if d is None:
        return Text(never, style="dim")
    return Text(d.isoformat(), style="yellow")
