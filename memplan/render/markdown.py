"""Markdown for a pull-request comment: short, no ANSI, details collapsed."""

from __future__ import annotations

from rich.console import Console

from memplan.model import Finding, Report, Severity
from memplan.render.base import Renderer, counts, where, write_safe
from memplan.render.safe import safe_line
from memplan.units import GIB, plural

ICON = {Severity.OK: "✅", Severity.WARN: "⚠️", Severity.FAIL: "❌"}


def _cell(text: str) -> str:
    return safe_line(text.replace("|", "\\|").replace("\n", " "))


def findings_list(findings: list[Finding]) -> list[str]:
    """Findings as Markdown list items (shared with memplan diff)."""
    out = []
    for f in findings:
        extra = f" _({f.suppressed})_" if f.suppressed else ""
        out.append(
            f"- {ICON[f.severity]} **{f.rule}** {f.name} · {f.kind} `{_cell(f.subject).replace('`', chr(39))}`:"
            f" {_cell(f.message)} ({where(f.location.file, f.location.line)}){extra}"
        )
    return out


class MarkdownRenderer(Renderer):
    """``--format markdown``."""

    def render(self, report: Report, console: Console) -> None:
        """Verdict line, a cluster table, then the findings inside <details>."""
        n = counts(report)
        lines = [
            f"### memplan: {ICON[report.verdict]} {report.verdict.value.upper()}",
            "",
            f"{n['fail']} fail, {n['warn']} warn · {plural(n['clusters'], 'cluster')},"
            f" {plural(n['hosts'], 'host')}, {plural(n['vms'], 'VM')} · `{report.source}` ·"
            " sizes in GiB (2^30 bytes)",
        ]
        if report.whatifs:
            lines.append("what-if: " + " ".join(f"`{w}`" for w in report.whatifs))
        lines += ["", "| Cluster | Hosts | Capacity | Free | Ratio | Worst state | HA | Verdict |",
                  "|---|---:|---:|---:|---:|---|---|---|"]  # fmt: skip
        for c in report.clusters:
            ha = "-" if c.ha is None else f"{ICON[c.ha.verdict]} {c.ha.state_after.value}"
            lines.append(
                f"| {_cell(c.name)} | {len(c.hosts)} | {c.capacity / GIB:.1f} | {c.free / GIB:.1f}"
                f" | {c.overcommit_ratio:.2f} | {c.state.value} | {ha} | {ICON[c.verdict]} {c.verdict.value} |"
            )
        standalone = [h for h in report.hosts if h.host.cluster is None]
        for h in standalone:
            lines.append(
                f"| _standalone_ {_cell(h.host.name)} | 1 | {h.capacity / GIB:.1f} | {h.free / GIB:.1f}"
                f" | {h.overcommit_ratio:.2f} | {h.state.value} | - | {ICON[h.verdict]} {h.verdict.value} |"
            )
        if report.findings:
            shown = [f for f in report.findings if f.severity is not Severity.OK]
            lines += ["", f"<details><summary>{len(shown)} findings</summary>", ""]
            lines += findings_list(shown)
            lines += ["", "</details>"]
        write_safe(console, "\n".join(lines) + "\n")
