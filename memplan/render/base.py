"""The interface every output format implements, and what they share."""

from __future__ import annotations

from abc import ABC, abstractmethod

from rich.console import Console

from memplan.model import MemState, Report, Severity

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


class Renderer(ABC):
    """Turns a finished report into output on an injected console."""

    @abstractmethod
    def render(self, report: Report, console: Console) -> None:
        """Write ``report`` to ``console`` (whose file may be stdout or a buffer)."""


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
