"""What every rule sees and how it reports: the evaluation context and finding helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from memplan.model import (
    VM,
    Explanation,
    Finding,
    HAResult,
    Host,
    HostResult,
    Input,
    Inventory,
    Location,
    Severity,
)

if TYPE_CHECKING:
    from memplan.model.forecast import Forecast


@dataclass(frozen=True, slots=True)
class HostCalc:
    """A host's numbers before verdicts, as rules read them."""

    result: HostResult
    """The evaluated host (its verdict is still ok here)."""
    vms: tuple[VM, ...]
    """Powered-on VMs on the host."""


@dataclass(frozen=True, slots=True)
class ClusterCalc:
    """A cluster's totals before verdicts."""

    name: str
    """Cluster name."""
    configured: int
    """Configured memory of powered-on VMs (placed or not)."""
    capacity: int
    """Sum of host capacity."""
    location: Location
    """Where it is written."""


@dataclass(frozen=True, slots=True)
class Context:
    """Everything a rule may read. Rules are pure: they only yield findings."""

    inventory: Inventory
    """The validated inventory."""
    hosts: dict[str, HostCalc]
    """Evaluated hosts by name."""
    host_of: dict[str, str | None]
    """Each VM's host after placement (None: not placed)."""
    unplaced: tuple[VM, ...]
    """Powered-on cluster VMs memplan could not place on any host."""
    clusters: dict[str, ClusterCalc]
    """Cluster totals by name."""
    ha: dict[str, HAResult]
    """Failover analysis by cluster name (clusters without one are absent)."""
    forecast: Forecast | None = None
    """Projection over the horizon, when one runs."""
    as_of: date | None = None
    """"Today", when known (waivers expire against it)."""

    def host(self, name: str) -> Host:
        """The inventory host of that name."""
        return self.hosts[name].result.host


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule's identity: stable ID, slug, severity and a one-line summary."""

    id: str
    """Stable ID, e.g. "MP203"; never reused for another meaning."""
    name: str
    """Slug, e.g. "host-swapping"."""
    severity: Severity
    """Severity of its findings."""
    summary: str
    """One line for docs and SARIF."""
    scenario: bool = False
    """True for findings about a scenario (a host failure, a forecast): they count toward the
    cluster's verdict, not toward the today-verdict of the host or VM they name."""


class Rule(Protocol):
    """A rule module: ``RULE``, ``check()`` and a docstring with a passing and a failing example."""

    RULE: RuleInfo
    __doc__: str | None

    def check(self, ctx: Context) -> Iterator[Finding]:
        """Yield the findings of this rule."""
        ...


def finding(
    rule: RuleInfo,
    kind: str,
    subject: str,
    location: Location,
    message: str,
    formula: str,
    inputs: tuple[Input, ...],
    sources: tuple[str, ...] = (),
) -> Finding:
    """Build a Finding of ``rule``."""
    return Finding(
        rule=rule.id,
        name=rule.name,
        severity=rule.severity,
        kind=kind,
        subject=subject,
        message=message,
        location=location,
        explanation=Explanation(formula, inputs, sources),
    )
