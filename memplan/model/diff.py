"""The report of ``memplan diff``: what changed between two revisions of an inventory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from memplan.model import Finding, MemState, Severity


@dataclass(frozen=True, slots=True)
class Change:
    """One thing added, removed or resized."""

    kind: str
    """vm or host."""
    name: str
    """Its name."""
    what: str
    """added, removed or resized."""
    old: int | None
    """Memory before, bytes (configured for a VM, installed for a host)."""
    new: int | None
    """Memory after, bytes."""


@dataclass(frozen=True, slots=True)
class ClusterDelta:
    """A cluster before and after (None on the side where it does not exist)."""

    name: str
    """Cluster name."""
    ratio: tuple[float | None, float | None]
    """Overcommit ratio."""
    free: tuple[int | None, int | None]
    """Free memory, bytes."""
    state: tuple[MemState | None, MemState | None]
    """Worst host state."""
    balloon_at: tuple[date | None, date | None]
    """First ballooning date (forecast)."""
    swap_at: tuple[date | None, date | None]
    """First swapping date (forecast)."""
    headroom: tuple[int | None, int | None]
    """More VMs of the --vm shape (when asked)."""


@dataclass(frozen=True, slots=True)
class FindingChange:
    """A finding that is in both revisions in another form, or gone only because the
    failure simulated moved: neither new nor resolved."""

    kind: str
    """What the subject is: vm, host or cluster."""
    subject: str
    """The subject's name."""
    old: Finding
    """The finding in the old revision."""
    new: Finding | None
    """In the new revision: the same rule, or another of its family (MP202 -> MP203);
    None when the host failure it was about is no longer the one simulated."""
    why: str
    """What changed, e.g. "escalated from warn MP302; the worst host failure moved from
    esx-web02 to esx-web05"."""

    @property
    def worse(self) -> bool:
        """True when the new revision's finding is more severe: a new warn or fail."""
        return self.new is not None and self.new.severity.rank > self.old.severity.rank


@dataclass(frozen=True, slots=True)
class DiffReport:
    """``memplan diff``."""

    old_source: str
    """Where the old revision came from."""
    new_source: str
    """The new revision."""
    changes: tuple[Change, ...]
    """VMs and hosts added, removed or resized."""
    clusters: tuple[ClusterDelta, ...]
    """Per cluster, sorted by name."""
    new_findings: tuple[Finding, ...]
    """Findings of the new revision absent from the old one."""
    resolved: tuple[Finding, ...]
    """Findings of the old revision gone in the new one, and not moved."""
    verdict: Severity
    """Worst new finding (or escalated one) that counts: decides the exit code."""
    changed: tuple[FindingChange, ...] = ()
    """Findings escalated, eased or moved (engine/diff.py: matched by rule family and
    subject)."""
