"""What changed in capacity between two revisions of an inventory. Pure functions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from memplan.model import (
    Change,
    ClusterDelta,
    ClusterHeadroom,
    DiffReport,
    Finding,
    FindingChange,
    Report,
    worst,
)

FAMILY = {
    "MP202": "host-state", "MP203": "host-state",
    "MP302": "ha-survivor", "MP303": "ha-survivor",
    "MP401": "forecast", "MP402": "forecast",
    "MP403": "forecast-ha", "MP404": "forecast-ha",
}  # fmt: skip
"""Rules that say more or less of one thing about one subject: a host that balloons (MP202)
and then swaps (MP203) has one finding that escalated, not one resolved and one new."""

HA_SCENARIO = frozenset({"MP301", "MP302", "MP303"})
"""Rules about the cluster's worst host failure: their findings are about the failure
simulated, and move with it."""


def _group(f: Finding) -> tuple[str, str, str]:
    return (FAMILY.get(f.rule, f.rule), f.kind, f.subject)


def _failures(r: Report) -> Callable[[Finding], tuple[str, ...] | None]:
    """The hosts failed in the worst failure of the cluster a finding is about (None for
    a finding of no HA scenario, or of a cluster without one)."""
    failed = {c.name: c.ha.failed_hosts for c in r.clusters if c.ha is not None}
    host_cluster = {h.host.name: h.host.cluster for h in r.hosts}
    vm_cluster = {v.vm.name: host_cluster.get(v.host) if v.host else v.vm.cluster
                  for v in r.vms}  # fmt: skip

    def of(f: Finding) -> tuple[str, ...] | None:
        if f.rule not in HA_SCENARIO:
            return None
        cluster = (host_cluster if f.kind == "host" else vm_cluster).get(f.subject)
        return failed.get(cluster) if cluster is not None else None

    return of


def _hosts(names: tuple[str, ...] | None, subject: str) -> str:
    return ", ".join("this host" if n == subject else n for n in names or ()) or "none"


def match(
    old: Report, new: Report
) -> tuple[tuple[Finding, ...], tuple[Finding, ...], tuple[FindingChange, ...]]:
    """(new, resolved, changed) findings. Findings are matched by rule family and subject
    (FAMILY): the same rule on both sides is the same finding, changed only when the host
    failure it is about moved; another rule of its family is the finding escalated or
    eased. An HA finding gone when its cluster's worst failure moved is not resolved: the
    failure it was about is no longer simulated (changed, with no new finding)."""
    was_failed, now_failed = _failures(old), _failures(new)
    groups: dict[tuple[str, str, str], tuple[list[Finding], list[Finding]]] = {}
    for side, findings in ((0, old.findings), (1, new.findings)):
        for f in findings:
            groups.setdefault(_group(f), ([], []))[side].append(f)
    fresh: list[Finding] = []
    gone: list[Finding] = []
    changed: list[FindingChange] = []

    def moved(o: Finding, n: Finding | None) -> str | None:
        a = was_failed(o)
        b = now_failed(n) if n is not None else now_failed(o)
        if a is None or b is None or set(a) == set(b):
            return None
        return f"the worst host failure moved from {_hosts(a, o.subject)} to {_hosts(b, o.subject)}"

    for before, after in groups.values():
        after = list(after)
        rest: list[Finding] = []
        for o in before:
            twin = next((n for n in after if n.rule == o.rule), None)
            if twin is None:
                rest.append(o)
                continue
            after.remove(twin)
            why = moved(o, twin)
            if why is not None:
                changed.append(FindingChange(o.kind, o.subject, o, twin, why))
        rest.sort(key=lambda f: (-f.severity.rank, f.rule))
        after.sort(key=lambda f: (-f.severity.rank, f.rule))
        for o, n in zip(rest, after, strict=False):
            step = "escalated" if n.severity.rank > o.severity.rank else "eased"
            parts = [f"{step} from {o.severity.value} {o.rule}", moved(o, n)]
            changed.append(FindingChange(o.kind, o.subject, o, n, "; ".join(p for p in parts if p)))
        fresh += after[len(rest) :]
        for o in rest[len(after) :]:
            why = moved(o, None)
            if why is None:
                gone.append(o)
            else:
                changed.append(FindingChange(o.kind, o.subject, o, None,
                                             f"{why}: the failure it was about is no longer"
                                             " the one simulated, so it is not resolved"))  # fmt: skip
    order = {id(f): i for i, f in enumerate((*old.findings, *new.findings))}
    changed.sort(key=lambda c: order[id(c.old)])
    fresh.sort(key=lambda f: order[id(f)])
    gone.sort(key=lambda f: order[id(f)])
    return tuple(fresh), tuple(gone), tuple(changed)


def _renamed(old: Report, new: Report) -> dict[str, str]:
    """New name -> old name of the VMs whose name changed but whose UUID did not: renamed
    in vCenter, or a namesake's arrival in another folder made the import name it
    ``NAME (UUID)``. Only names found on one side are paired, each UUID once."""
    old_names, new_names = {v.vm.name for v in old.vms}, {v.vm.name for v in new.vms}
    gone: dict[str, list[str]] = {}
    for v in old.vms:
        if v.vm.uuid and v.vm.name not in new_names:
            gone.setdefault(v.vm.uuid, []).append(v.vm.name)
    pairs: dict[str, str] = {}
    for v in new.vms:
        was = gone.get(v.vm.uuid or "", [])
        if v.vm.name not in old_names and len(was) == 1:
            pairs[v.vm.name] = was.pop()
    return pairs


def compare(
    old: Report,
    new: Report,
    old_headroom: tuple[ClusterHeadroom, ...] = (),
    new_headroom: tuple[ClusterHeadroom, ...] = (),
) -> DiffReport:
    """Compare two evaluated revisions."""
    changes: list[Change] = []
    renamed = _renamed(old, new)
    for kind, before, after in (
        ("host", {h.host.name: h.host.memory for h in old.hosts}, {h.host.name: h.host.memory for h in new.hosts}),
        ("vm", {v.vm.name: v.vm.memory for v in old.vms}, {v.vm.name: v.vm.memory for v in new.vms}),
    ):  # fmt: skip
        for name in sorted(before.keys() | after.keys()):
            was, now = before.get(name), after.get(name)
            if kind == "vm" and was is None and name in renamed:
                was = before[renamed[name]]  # the same VM (its UUID) under a new name
            elif kind == "vm" and now is None and name in renamed.values():
                continue  # listed under its new name
            if was is None:
                changes.append(Change(kind, name, "added", None, now))
            elif now is None:
                changes.append(Change(kind, name, "removed", was, None))
            elif was != now:
                changes.append(Change(kind, name, "resized", was, now))

    def dates(r: Report) -> dict[str, tuple[date | None, date | None]]:
        f = r.forecast
        return {c.cluster: (c.balloon_at, c.swap_at) for c in f.clusters} if f else {}

    od, nd = dates(old), dates(new)
    oh = {c.cluster: c.count_ha if c.count_ha is not None else c.count for c in old_headroom}
    nh = {c.cluster: c.count_ha if c.count_ha is not None else c.count for c in new_headroom}
    oc, nc = {c.name: c for c in old.clusters}, {c.name: c for c in new.clusters}
    clusters = []
    for name in sorted(oc.keys() | nc.keys()):
        a, b = oc.get(name), nc.get(name)
        clusters.append(
            ClusterDelta(
                name,
                (a.overcommit_ratio if a else None, b.overcommit_ratio if b else None),
                (a.free if a else None, b.free if b else None),
                (a.state if a else None, b.state if b else None),
                (od.get(name, (None, None))[0], nd.get(name, (None, None))[0]),
                (od.get(name, (None, None))[1], nd.get(name, (None, None))[1]),
                (oh.get(name), nh.get(name)),
            )
        )
    fresh, gone, changed = match(old, new)
    counted = [f for f in fresh if f.suppressed is None]
    counted += [c.new for c in changed if c.worse and c.new and c.new.suppressed is None]
    return DiffReport(
        old.source, new.source, tuple(changes), tuple(clusters), fresh, gone,
        worst(f.severity for f in counted), changed,
    )  # fmt: skip
